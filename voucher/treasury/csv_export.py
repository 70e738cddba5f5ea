"""CSV twins of the treasurer's PDFs: the same columns, rows and figures, for a spreadsheet.

Pure: the same dataclasses in, ``str`` out (UTF-8 text; the caller adds a BOM if it wants
one). Amounts and counts are plain integers without thousands separators (``-5000``), dates
``dd-mm-yyyy``, times ``dd-mm-yyyy HH:MM`` in the parish time zone. ``sep=";"`` suits a
spreadsheet set up for Spanish. Text that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io

from voucher.pdf.tables import TableModel
from voucher.treasury.documents import ProgramReport, Remittance, ShopStatement, TrialBalance
from voucher.treasury.tables import (
    program_report_table,
    remittance_table,
    statement_table,
    trial_balance_table,
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def table_csv(model: TableModel, sep: str = ",") -> str:
    """A table model as CSV text: one header row, then the rows as the PDF shows them."""
    if len(sep) != 1 or sep in "\"'\r\n":
        raise ValueError(f"bad CSV separator {sep!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow([column.csv_title for column in model.columns])
    kinds = [column.kind for column in model.columns]
    for row in model.rows:
        writer.writerow([_csv_cell(value, kind) for value, kind in zip(row, kinds, strict=True)])
    return buffer.getvalue()


def _csv_cell(value: object, kind: str) -> str:
    """Numbers as a program reads them: integers plain, fractions with a point (0.3527)."""
    if value is None:
        return ""
    if kind == "text":
        return text_cell(str(value))
    if kind == "percent":
        return f"{value:.4f}"
    if kind == "decimal":
        return f"{value:g}"
    return str(value)


def statement_csv(s: ShopStatement, sep: str = ",") -> str:
    """Statement lines with running balance, framed by opening, period totals and closing."""
    return table_csv(statement_table(s, closing_row=True), sep)


def remittance_csv(r: Remittance, sep: str = ",") -> str:
    """The redemptions a remittance pays, and the total."""
    return table_csv(remittance_table(r), sep)


def program_report_csv(p: ProgramReport, sep: str = ",") -> str:
    """Per program counts and pesos by state, and the totals."""
    return table_csv(program_report_table(p), sep)


def trial_balance_csv(t: TrialBalance, sep: str = ",") -> str:
    """Accounts with debe, haber and saldo, and the totals."""
    return table_csv(trial_balance_table(t), sep)
