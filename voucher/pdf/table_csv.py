"""A report table as CSV text, the twin of its PDF: same columns, same rows.

Amounts and counts are plain integers without thousands separators; text that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) gets a
leading apostrophe. ``sep=";"`` suits a spreadsheet set up for Spanish.
"""

from __future__ import annotations

import csv
import io

from voucher.pdf.tables import TableModel
from voucher.responses import spreadsheet_text


def table_csv(model: TableModel, sep: str = ",") -> str:
    """A table model as CSV text: one header row, then the rows as the PDF shows them."""
    if len(sep) != 1 or sep in "\"'\r\n":
        raise ValueError(f"bad CSV separator {sep!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow([column.csv_title for column in model.columns])
    kinds = [column.kind for column in model.columns]
    for row in model.rows:
        writer.writerow([_cell(value, kind) for value, kind in zip(row, kinds, strict=True)])
    return buffer.getvalue()


def _cell(value: object, kind: str) -> str:
    """Numbers as a program reads them: integers plain, fractions with a point (0.3527)."""
    if value is None:
        return ""
    if kind == "text":
        return spreadsheet_text(str(value))
    if kind == "percent":
        return f"{value:.4f}"
    if kind == "decimal":
        return f"{value:g}"
    return str(value)
