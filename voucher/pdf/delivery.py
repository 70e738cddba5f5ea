"""The delivery list (acta de entrega): plain lines in, PDF bytes out.

One line per voucher in the order the sheets print them, so a volunteer hands paper N to
line N: serial, the family as the parish records it, program, value, expiry, a "recibí
conforme" line to sign and the date. The vouchers themselves never carry a name; this
list stays in the parish office.

A page holds a fixed number of lines, each its own small table, so a round of thousands
of vouchers never goes through platypus' quadratic table split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Table, TableStyle

from voucher.dates import format_date
from voucher.money import format_clp
from voucher.pdf.pages import ReportMeta, build_pdf, paragraph, spacer, title
from voucher.pdf.report_style import (
    FONT,
    FONT_BOLD,
    HEADER_FILL_GRAY,
    RULE_WIDTH,
    TABLE_FONT_SIZE,
    TEXT_STYLE,
)
from voucher.pdf.text import clean_text

# Landscape A4 leaves 267 mm between the margins; a line is tall enough to sign on.
LINE_HEIGHT = 11 * mm
LINES_PER_PAGE = 10
COLUMN_WIDTHS_MM = (9, 31, 52, 27, 36, 20, 20, 52, 20)


@dataclass(frozen=True)
class DeliveryRow:
    """One paper to hand out, as its builder formatted the family's data."""

    serial: str
    family_name: str
    document: str
    program_name: str
    amount: int
    expires_on: date
    delivered_on: date | None = None


def delivery_headers() -> list[str]:
    """The list's column titles (the CSV twin uses the same words)."""
    return [
        _("N°"),
        _("Serie"),
        _("Familia"),
        _("Documento"),
        _("Programa"),
        _("Monto"),
        _("Vence"),
        _("Recibí conforme (firma)"),
        _("Fecha"),
    ]


def _cell(text: str) -> Paragraph:
    return Paragraph(escape(clean_text(text)), TEXT_STYLE)


def _page_table(rows: Sequence[DeliveryRow], first_number: int) -> Table:
    data: list[list[object]] = [list(delivery_headers())]
    for offset, row in enumerate(rows):
        data.append(
            [
                str(first_number + offset),
                row.serial,
                _cell(row.family_name),
                row.document,
                _cell(row.program_name),
                format_clp(row.amount),
                format_date(row.expires_on),
                "",
                format_date(row.delivered_on) if row.delivered_on else "",
            ]
        )
    table = Table(
        data,
        colWidths=[w * mm for w in COLUMN_WIDTHS_MM],
        rowHeights=[None] + [LINE_HEIGHT] * len(rows),
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, TABLE_FONT_SIZE + 0.5),
                ("FONT", (0, 1), (-1, -1), FONT, TABLE_FONT_SIZE + 1),
                ("BACKGROUND", (0, 0), (-1, 0), (HEADER_FILL_GRAY,) * 3),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (5, 0), (5, -1), "RIGHT"),
                ("GRID", (0, 0), (-1, -1), RULE_WIDTH, (0.4, 0.4, 0.4)),
            ]
        )
    )
    return table


def render_delivery_list(meta: ReportMeta, rows: Sequence[DeliveryRow], heading: str) -> bytes:
    """The list on landscape A4 pages, ``LINES_PER_PAGE`` lines a page, numbered from 1
    in the given order. An empty list still prints its heading and says so."""
    story: list[Flowable] = [title(heading)]
    if meta.subtitle:
        story.append(paragraph(meta.subtitle))
    story.append(
        paragraph(
            _(
                "Entregue a cada familia el papel de su línea y pídale que firme. "
                "El vale no lleva nombre: esta lista queda en la parroquia."
            )
        )
    )
    story.append(spacer(3))
    if not rows:
        story.append(paragraph(_("No hay vales que entregar."), strong=True))
    for start in range(0, len(rows), LINES_PER_PAGE):
        if start:
            story.append(PageBreak())
        story.append(_page_table(rows[start : start + LINES_PER_PAGE], start + 1))
    return build_pdf(meta, story)
