"""Page furniture of the treasurer's A4 reports, the building blocks of their first page,
and the verification code printed in their footer.

Pure: plain data in, PDF bytes out. Every page carries a running header (parish and document
title), and a footer with "Generado el …", an optional verification code and
"Página N de M" (the total needs a second pass, done by :class:`NumberedCanvas`).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from voucher.dates import DEFAULT_TZ, format_datetime
from voucher.money import format_clp
from voucher.pdf.report_style import (
    FONT,
    FONT_BOLD,
    FOOTER_BASELINE,
    FOOTER_FONT_SIZE,
    FOOTER_RULE_GAP,
    HEADER_BASELINE_FROM_TOP,
    HEADER_FONT_SIZE,
    HEADER_RULE_GAP,
    HEADER_SUBTITLE_GAP,
    HEADER_SUBTITLE_SIZE,
    INFO_LABEL_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_LANDSCAPE,
    PAGE_PORTRAIT,
    RULE_GRAY,
    RULE_WIDTH,
    SIGNATURE_GAP,
    SIGNATURE_LINE_WIDTH,
    SIGNATURE_STYLE,
    STRONG_STYLE,
    SUBTITLE_GRAY,
    TEXT_SIZE,
    TEXT_STYLE,
    TIP_FONT_SIZE,
    TIP_LINE_GAP,
    TITLE_STYLE,
    VERIFICATION_HEX_CHARS,
)
from voucher.pdf.text import clean_text, fit_text, text_width

_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def verification_code(records: Iterable[Sequence[object]]) -> str:
    """First 12 hex digits of SHA-256 over canonical JSON lines of ``records``.

    Each record becomes one compact JSON array (UTF-8, no ASCII escaping) followed by a
    newline, so any change of a figure, a text or the order of the lines changes the code.
    """
    digest = hashlib.sha256()
    encode = _CANONICAL_JSON.encode
    for record in records:
        digest.update(encode(list(record)).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:VERIFICATION_HEX_CHARS]


# --- page furniture -------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportMeta:
    """What the running header and the footer of every page say."""

    parish_name: str
    title: str
    generated_at: datetime
    timezone: str = DEFAULT_TZ
    subtitle: str = ""
    verification: str | None = None
    ledger_tip: str | None = None  # SEQ:HASH, for `ledger verify --tip` years later
    landscape: bool = False
    lang: str = "es-CL"  # the document's language, in its metadata

    @property
    def pagesize(self) -> tuple[float, float]:
        return PAGE_LANDSCAPE if self.landscape else PAGE_PORTRAIT

    @property
    def content_width(self) -> float:
        return self.pagesize[0] - MARGIN_LEFT - MARGIN_RIGHT


class NumberedCanvas(Canvas):
    """Holds every page until the end so that each can say "Página N de M"."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._pending_pages: list[dict[str, object]] = []

    def showPage(self) -> None:
        self._pending_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pending_pages)
        for state in self._pending_pages:
            self.__dict__.update(state)
            self._draw_page_number(total)
            super().showPage()
        super().save()

    def _draw_page_number(self, total: int) -> None:
        self.saveState()
        self.setFont(FONT, FOOTER_FONT_SIZE)
        self.drawRightString(
            self._pagesize[0] - MARGIN_RIGHT,
            FOOTER_BASELINE,
            _("Página %(page)s de %(total)s", page=self._pageNumber, total=total),
        )
        self.restoreState()


def _draw_furniture(canvas: Canvas, doc: BaseDocTemplate, meta: ReportMeta) -> None:
    """Running header and the static part of the footer (onPage callback)."""
    page_width, page_height = meta.pagesize
    left, right = MARGIN_LEFT, page_width - MARGIN_RIGHT
    width = right - left
    canvas.saveState()
    baseline = page_height - HEADER_BASELINE_FROM_TOP
    title = fit_text(clean_text(meta.title), FONT_BOLD, HEADER_FONT_SIZE, width * 0.5)
    title_width = text_width(title, FONT_BOLD, HEADER_FONT_SIZE)
    parish = fit_text(
        clean_text(meta.parish_name), FONT_BOLD, HEADER_FONT_SIZE, width - title_width - 12
    )
    canvas.setFont(FONT_BOLD, HEADER_FONT_SIZE)
    canvas.drawString(left, baseline, parish)
    canvas.drawRightString(right, baseline, title)
    rule_y = baseline - HEADER_RULE_GAP
    if meta.subtitle:
        baseline -= HEADER_SUBTITLE_GAP
        rule_y = baseline - HEADER_RULE_GAP
        canvas.setFont(FONT, HEADER_SUBTITLE_SIZE)
        canvas.setFillGray(SUBTITLE_GRAY)
        canvas.drawString(
            left, baseline, fit_text(clean_text(meta.subtitle), FONT, HEADER_SUBTITLE_SIZE, width)
        )
    canvas.setStrokeGray(RULE_GRAY)
    canvas.setLineWidth(RULE_WIDTH)
    canvas.line(left, rule_y, right, rule_y)
    canvas.line(left, FOOTER_BASELINE + FOOTER_RULE_GAP, right, FOOTER_BASELINE + FOOTER_RULE_GAP)
    canvas.setFillGray(0)
    canvas.setFont(FONT, FOOTER_FONT_SIZE)
    canvas.drawString(
        left,
        FOOTER_BASELINE,
        _("Generado el %(when)s", when=format_datetime(meta.generated_at, meta.timezone)),
    )
    if meta.verification:
        canvas.drawCentredString(
            (left + right) / 2, FOOTER_BASELINE, _("Verificación: %(code)s", code=meta.verification)
        )
    if meta.ledger_tip:
        canvas.setFont(FONT, TIP_FONT_SIZE)
        canvas.setFillGray(SUBTITLE_GRAY)
        canvas.drawString(
            left, FOOTER_BASELINE - TIP_LINE_GAP, _("Libro: %(tip)s", tip=meta.ledger_tip)
        )
    canvas.restoreState()


def build_pdf(meta: ReportMeta, story: Sequence[Flowable]) -> bytes:
    """Lay out ``story`` on A4 pages with the running header and footer; return PDF bytes."""
    buffer = io.BytesIO()
    page_width, page_height = meta.pagesize
    doc = BaseDocTemplate(
        buffer,
        pagesize=meta.pagesize,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{meta.title} · {meta.parish_name}",
        author=meta.parish_name,
        subject=meta.subtitle or meta.title,
        creator="Vales",
        lang=meta.lang,
    )
    frame = Frame(
        MARGIN_LEFT,
        MARGIN_BOTTOM,
        page_width - MARGIN_LEFT - MARGIN_RIGHT,
        page_height - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    furniture: Callable[[Canvas, BaseDocTemplate], None] = partial(_draw_furniture, meta=meta)
    doc.addPageTemplates([PageTemplate(id="report", frames=[frame], onPage=furniture)])
    doc.build(list(story), canvasmaker=NumberedCanvas)
    return buffer.getvalue()


# --- small building blocks ------------------------------------------------------------------
def title(text: str) -> Paragraph:
    """The document's heading on its first page."""
    return Paragraph(escape(clean_text(text)), TITLE_STYLE)


def paragraph(text: str, *, strong: bool = False) -> Paragraph:
    """Plain text (escaped: shop and program names are data, not markup)."""
    return Paragraph(escape(clean_text(text)), STRONG_STYLE if strong else TEXT_STYLE)


def spacer(height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm)


def info_table(pairs: Sequence[tuple[str, str]], width: float) -> Table:
    """Label / value lines ("Comercio: Almacén Rosita"); long values wrap."""
    table = Table(
        [[label, Paragraph(escape(clean_text(value)), TEXT_STYLE)] for label, value in pairs],
        colWidths=[INFO_LABEL_WIDTH, width - INFO_LABEL_WIDTH],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), FONT_BOLD, TEXT_SIZE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def amounts_table(pairs: Sequence[tuple[str, int]], *, strong_last: bool = True) -> Table:
    """A short box of labelled money figures, amounts right-aligned."""
    table = Table(
        [[label, format_clp(amount)] for label, amount in pairs],
        colWidths=[70 * mm, 35 * mm],
        hAlign="LEFT",
    )
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, TEXT_SIZE),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("BOX", (0, 0), (-1, -1), RULE_WIDTH, (RULE_GRAY,) * 3),
        ("BACKGROUND", (0, 0), (-1, -1), (0.97, 0.97, 0.97)),
    ]
    if strong_last:
        commands += [
            ("FONT", (0, -1), (-1, -1), FONT_BOLD, TEXT_SIZE),
            ("LINEABOVE", (0, -1), (-1, -1), RULE_WIDTH, (0, 0, 0)),
        ]
    table.setStyle(TableStyle(commands))
    return table


def signature_block(
    signers: Sequence[tuple[str, str]], width: float, lead: Sequence[Flowable] = ()
) -> KeepTogether:
    """Lines to sign on, each with the role and an optional name under it.

    ``lead`` (the closing balance, say) is kept on the same page as the signatures.
    """
    count = len(signers)
    gutter = max((width - count * SIGNATURE_LINE_WIDTH) / (count + 1), 0)
    widths = [gutter]
    for _signer in signers:
        widths += [SIGNATURE_LINE_WIDTH, gutter]
    blank: list[str | Paragraph] = [""] * len(widths)
    labels = list(blank)
    for index, (role, name) in enumerate(signers):
        text = escape(clean_text(role)) + (f"<br/>{escape(clean_text(name))}" if name else "")
        labels[2 * index + 1] = Paragraph(text, SIGNATURE_STYLE)
    table = Table([blank, labels], colWidths=widths, rowHeights=[SIGNATURE_GAP, None])
    commands: list[tuple[object, ...]] = [("VALIGN", (0, 1), (-1, -1), "TOP")]
    for index in range(count):
        column = 2 * index + 1
        commands.append(("LINEBELOW", (column, 0), (column, 0), RULE_WIDTH, (0, 0, 0)))
    table.setStyle(TableStyle(commands))
    return KeepTogether([*lead, table])
