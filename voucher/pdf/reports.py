"""Shared machinery for the treasurer's A4 reports: page furniture, long tables, verification.

Pure: plain data in, PDF bytes out. Every page carries a running header (parish and document
title), and a footer with "Generado el …", an optional verification code and
"Página N de M" (the total needs a second pass, done by :class:`NumberedCanvas`).

Long tables (a shop statement can have 20,000 lines) do not use platypus ``Table``: its
split rebuilds the whole remainder on every page (quadratic: 4.7 s for 10,000 lines), and
even one ``Table`` per page takes about 8 s for 20,000 lines, because each cell goes through
reportlab's pure-Python text path (the optional C accelerator is not installed).
:class:`ReportTable` measures every row once, splits page by page in linear time, repeats the
header row on every page (what ``repeatRows=1`` would do), and writes each page's cells as one
block of PDF text operators through the public ``Canvas.setFont``/``Canvas.addLiteral``.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Literal
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
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
from voucher.money import format_clp, format_number

# --- layout constants (points unless a name says otherwise) -------------------------------
PAGE_PORTRAIT = A4
PAGE_LANDSCAPE = landscape(A4)
MARGIN_LEFT = 15 * mm
MARGIN_RIGHT = 15 * mm
MARGIN_TOP = 25 * mm  # the running header lives inside it
MARGIN_BOTTOM = 18 * mm  # the footer lives inside it

FONT = "Helvetica"  # base-14 fonts: WinAnsi covers Spanish (áéíóúñü ¿¡ ° · …), nothing embedded
FONT_BOLD = "Helvetica-Bold"
FONT_ITALIC = "Helvetica-Oblique"

HEADER_BASELINE_FROM_TOP = 13 * mm
HEADER_FONT_SIZE = 10.0
HEADER_SUBTITLE_SIZE = 8.0
HEADER_SUBTITLE_GAP = 11.0  # baseline to baseline
HEADER_RULE_GAP = 5.0  # below the subtitle baseline
FOOTER_BASELINE = 10 * mm
FOOTER_FONT_SIZE = 7.5
FOOTER_RULE_GAP = 9.0  # above the footer baseline
RULE_WIDTH = 0.5
RULE_GRAY = 0.5
SUBTITLE_GRAY = 0.3

TITLE_SIZE = 15.0
TEXT_SIZE = 9.0
TEXT_LEADING = 12.0
INFO_LABEL_WIDTH = 38 * mm
SIGNATURE_GAP = 22 * mm  # room to sign above the line
SIGNATURE_LINE_WIDTH = 70 * mm

TABLE_FONT_SIZE = 7.5
TABLE_LEADING = 9.0
CELL_PAD_X = 3.0
CELL_PAD_Y = 2.0
MAX_WRAP_LINES = 3  # a wrapping cell longer than this is cut with "…"
# A cell too wide for its column is squeezed horizontally (Tz). Numbers are never cut; text
# that would need more squeezing than this is cut with "…" instead.
MIN_SQUEEZE_NUMBER = 0.5
MIN_SQUEEZE_TEXT = 0.8
HEADER_FILL_GRAY = 0.85
STRIPE_FILL_GRAY = 0.95
MUTED_TEXT_GRAY = 0.45
TABLE_RULE_WIDTH = 0.6

VERIFICATION_HEX_CHARS = 12
ELLIPSIS = "…"

# --- paragraph styles -----------------------------------------------------------------------
TITLE_STYLE = ParagraphStyle(
    "ReportTitle", fontName=FONT_BOLD, fontSize=TITLE_SIZE, leading=TITLE_SIZE * 1.25
)
TEXT_STYLE = ParagraphStyle("ReportText", fontName=FONT, fontSize=TEXT_SIZE, leading=TEXT_LEADING)
STRONG_STYLE = ParagraphStyle(
    "ReportStrong", parent=TEXT_STYLE, fontName=FONT_BOLD, fontSize=TEXT_SIZE + 1.5
)
SIGNATURE_STYLE = ParagraphStyle("ReportSignature", parent=TEXT_STYLE, alignment=TA_CENTER)

RowStyle = Literal["normal", "muted", "strong", "total"]
ColumnKind = Literal["text", "money", "count"]
Cell = str | int | None


# --- table model shared by the PDF and the CSV ----------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column of a report table.

    ``kind`` decides formatting: ``money`` cells are integer pesos shown as ``$12.345``,
    ``count`` cells integers shown as ``12.345``, both right-aligned; ``text`` cells are
    strings. ``title`` may hold a line break for a two-line header (the CSV joins it with a
    space). ``weight`` is the column's share of the table width; ``wrap`` lets long text
    take up to :data:`MAX_WRAP_LINES` lines.
    """

    title: str
    kind: ColumnKind = "text"
    weight: float = 1.0
    wrap: bool = False

    @property
    def csv_title(self) -> str:
        return " ".join(self.title.split())


@dataclass(frozen=True)
class TableModel:
    """Rows of raw cells (str for text, int for money and counts, None for blank)."""

    columns: tuple[Column, ...]
    rows: Sequence[tuple[Cell, ...]]
    styles: Sequence[RowStyle]

    def __post_init__(self) -> None:
        if len(self.rows) != len(self.styles):
            raise ValueError("one style per row")


def format_cell(value: Cell, kind: ColumnKind) -> str:
    """A cell as the PDF shows it."""
    if value is None:
        return ""
    if kind == "money":
        return format_clp(value)  # type: ignore[arg-type]
    if kind == "count":
        return format_number(value)  # type: ignore[arg-type]
    return str(value)


def format_period(start: date, end: date) -> str:
    """'01-11-2026 al 30-11-2026'."""
    return f"{start.strftime('%d-%m-%Y')} al {end.strftime('%d-%m-%Y')}"


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


# --- fast text metrics and PDF string escaping ----------------------------------------------
def _char_widths(font_name: str) -> dict[str, int]:
    """Glyph widths (1/1000 em) of a base-14 font, keyed by the Unicode character."""
    font = pdfmetrics.getFont(font_name)
    widths: dict[str, int] = {}
    for code in range(32, 256):
        try:
            char = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
        widths[char] = font.widths[code]
    return widths


_WIDTHS: dict[str, dict[str, int]] = {}


def text_width(text: str, font_name: str, size: float) -> float:
    """Width of ``text`` in points, as drawn by :func:`pdf_string` (unknown glyphs as '?')."""
    table = _WIDTHS.get(font_name)
    if table is None:
        table = _WIDTHS[font_name] = _char_widths(font_name)
    try:
        units = sum(map(table.__getitem__, text))
    except KeyError:
        units = sum(table.get(char, table["?"]) for char in text)
    return units * size / 1000.0


def _pdf_escapes() -> dict[int, str]:
    escapes = {ord("\\"): "\\\\", ord("("): "\\(", ord(")"): "\\)"}
    for code in list(range(0, 32)) + list(range(127, 256)):
        escapes[code] = f"\\{code:03o}"
    return escapes


_PDF_ESCAPES = _pdf_escapes()


def pdf_string(text: str) -> str:
    """``text`` as an ASCII PDF literal string body in WinAnsiEncoding ('?' if unmappable)."""
    if text.isascii():
        if "\\" in text or "(" in text or ")" in text:
            return text.translate(_PDF_ESCAPES)
        return text
    return text.encode("cp1252", "replace").decode("latin-1").translate(_PDF_ESCAPES)


def clean_text(text: str) -> str:
    """One printable line: control characters (newlines, tabs) become spaces, and characters
    the base-14 fonts cannot show (outside Windows-1252) become '?', the same everywhere."""
    if not text.isprintable():
        text = "".join(char if char.isprintable() else " " for char in text)
    if text.isascii():
        return text
    return text.encode("cp1252", "replace").decode("cp1252")


def fit_text(text: str, font_name: str, size: float, width: float) -> str:
    """``text`` cut with '…' so that it fits ``width`` points."""
    if text_width(text, font_name, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if text_width(text[:middle] + ELLIPSIS, font_name, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def wrap_text(text: str, font_name: str, size: float, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap into at most ``max_lines`` lines; the last one is cut with '…'."""
    if text_width(text, font_name, size) <= width:
        return [text]
    lines: list[str] = []
    current = ""
    words = text.split(" ")
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font_name, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while text_width(current, font_name, size) > width:  # a word wider than the cell
            cut = fit_text(current, font_name, size, width)[:-1] or current[:1]
            lines.append(cut)
            current = current[len(cut) :]
        if len(lines) >= max_lines:
            rest = " ".join([current, *words[index + 1 :]]).strip()
            lines[max_lines - 1 :] = [
                fit_text(f"{lines[max_lines - 1]} {rest}", font_name, size, width)
            ]
            return lines
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1 :])
        lines[max_lines - 1 :] = [fit_text(rest, font_name, size, width)]
    return lines


# --- the long table -------------------------------------------------------------------------
_ROW_FONTS: dict[str, str] = {
    "header": FONT_BOLD,
    "normal": FONT,
    "muted": FONT_ITALIC,
    "strong": FONT_BOLD,
    "total": FONT_BOLD,
}
_ROW_GRAYS: dict[str, float] = {"muted": MUTED_TEXT_GRAY}


@dataclass
class _Prepared:
    """A table measured once: formatted lines per cell and cumulative row tops."""

    columns: tuple[Column, ...]
    col_x: list[float]
    col_w: list[float]
    width: float
    header: list[list[str]]
    header_height: float
    cells: list[list[list[str]]]
    styles: Sequence[RowStyle]
    tops: list[float]  # tops[i] = height of rows[:i]


def _row_height(lines: int) -> float:
    return lines * TABLE_LEADING + 2 * CELL_PAD_Y


def _prepare(model: TableModel, width: float) -> _Prepared:
    total_weight = sum(column.weight for column in model.columns)
    col_w = [width * column.weight / total_weight for column in model.columns]
    col_x = [sum(col_w[:index]) for index in range(len(col_w))]
    header = [column.title.split("\n") for column in model.columns]
    header_height = _row_height(max(len(lines) for lines in header))
    kinds = [column.kind for column in model.columns]
    wrap_at = [
        (index, col_w[index] - 2 * CELL_PAD_X)
        for index, column in enumerate(model.columns)
        if column.wrap
    ]
    cells: list[list[list[str]]] = []
    tops = [0.0]
    top = 0.0
    single = _row_height(1)
    for row, style in zip(model.rows, model.styles, strict=True):
        if len(row) != len(kinds):
            raise ValueError(f"row has {len(row)} cells, table has {len(kinds)} columns")
        formatted = [
            [clean_text(value) if kind == "text" and value else format_cell(value, kind)]
            for value, kind in zip(row, kinds, strict=True)
        ]
        lines = 1
        for index, room in wrap_at:
            wrapped = wrap_text(
                formatted[index][0], _ROW_FONTS[style], TABLE_FONT_SIZE, room, MAX_WRAP_LINES
            )
            formatted[index] = wrapped
            lines = max(lines, len(wrapped))
        cells.append(formatted)
        top += single if lines == 1 else _row_height(lines)
        tops.append(top)
    return _Prepared(
        model.columns, col_x, col_w, width, header, header_height, cells, model.styles, tops
    )


def _squeeze(
    text: str, font: str, width: float, room: float, number: bool
) -> tuple[str, float, float]:
    """Make an over-wide cell fit: (text, drawn width, horizontal scale)."""
    if number:
        squeeze = max(room / width, MIN_SQUEEZE_NUMBER)
        return text, width * squeeze, squeeze
    if width * MIN_SQUEEZE_TEXT > room:
        text = fit_text(text, font, TABLE_FONT_SIZE, room / MIN_SQUEEZE_TEXT)
        width = text_width(text, font, TABLE_FONT_SIZE)
    squeeze = min(room / width, 1.0)
    return text, width * squeeze, squeeze


class ReportTable(Flowable):
    """A table of any length that splits page by page and repeats its header row.

    Rows are measured once when built; splitting is a bisection over cumulative heights.
    A cell too wide for its column is squeezed horizontally; amounts are never cut.
    """

    def __init__(
        self,
        model: TableModel,
        width: float,
        _prepared: _Prepared | None = None,
        _span: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self._p = _prepared if _prepared is not None else _prepare(model, width)
        self._model = model
        self._start, self._end = _span if _span is not None else (0, len(self._p.cells))
        self.width = self._p.width
        self.height = self._height()

    def _height(self) -> float:
        body = self._p.tops[self._end] - self._p.tops[self._start]
        return self._p.header_height + body

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        room = avail_height - self._p.header_height
        tops = self._p.tops
        limit = tops[self._start] + room
        end = bisect.bisect_right(tops, limit, lo=self._start, hi=self._end + 1) - 1
        end = min(end, self._end - 1)  # only asked to split when the whole does not fit
        if end <= self._start:
            return []  # not even one row fits here: start on the next page
        return [self._slice(self._start, end), self._slice(end, self._end)]

    def _slice(self, start: int, end: int) -> ReportTable:
        return ReportTable(self._model, self.width, _prepared=self._p, _span=(start, end))

    def draw(self) -> None:
        canvas: Canvas = self.canv
        p = self._p
        tops = p.tops
        first = tops[self._start]
        height = self.height
        body_top = height - p.header_height
        fills = [
            f"q {HEADER_FILL_GRAY} g 0 {body_top:.2f} {p.width:.2f} {p.header_height:.2f} re f"
        ]
        stripes: list[str] = []
        rules = [f"0 {body_top:.2f} m {p.width:.2f} {body_top:.2f} l", f"0 0 m {p.width:.2f} 0 l"]
        for index in range(self._start, self._end):
            top = body_top - (tops[index] - first)
            if p.styles[index] == "total":
                rules.append(f"0 {top:.2f} m {p.width:.2f} {top:.2f} l")
            elif index % 2:
                row_height = tops[index + 1] - tops[index]
                stripes.append(f"0 {top - row_height:.2f} {p.width:.2f} {row_height:.2f} re")
        if stripes:
            fills += [f"{STRIPE_FILL_GRAY} g", *stripes, "f"]
        fills += [f"0 G {TABLE_RULE_WIDTH} w", *rules, "S Q"]
        canvas.addLiteral(" ".join(fills))

        self._draw_text_run("header", [(height, p.header)])
        run: list[tuple[float, list[list[str]]]] = []
        run_style: str | None = None
        for index in range(self._start, self._end):
            style = p.styles[index]
            if style != run_style and run:
                self._draw_text_run(run_style or "normal", run)
                run = []
            run_style = style
            top = height - p.header_height - (tops[index] - first)
            run.append((top, p.cells[index]))
        if run:
            self._draw_text_run(run_style or "normal", run)

    def _draw_text_run(self, style: str, rows: list[tuple[float, list[list[str]]]]) -> None:
        """Write rows of one style as a single PDF text object."""
        canvas: Canvas = self.canv
        p = self._p
        font = _ROW_FONTS[style]
        canvas.setFont(font, TABLE_FONT_SIZE, TABLE_LEADING)
        first_baseline = CELL_PAD_Y + TABLE_LEADING * 0.8
        ops = [f"q {_ROW_GRAYS.get(style, 0)} g BT"]
        # Relative moves (Td) between positions rounded to 0.01 pt: exact, and far shorter
        # and more compressible than one absolute matrix per cell.
        line_x = line_y = 0.0
        for top, cells in rows:
            for column, x, width, lines in zip(p.columns, p.col_x, p.col_w, cells, strict=True):
                right = column.kind != "text"
                room = width - 2 * CELL_PAD_X
                for line_no, text in enumerate(lines):
                    if not text:
                        continue
                    drawn = text_width(text, font, TABLE_FONT_SIZE)
                    squeeze = 1.0
                    if drawn > room:
                        text, drawn, squeeze = _squeeze(text, font, drawn, room, right)
                    tx = round(x + width - CELL_PAD_X - drawn if right else x + CELL_PAD_X, 2)
                    ty = round(top - first_baseline - line_no * TABLE_LEADING, 2)
                    move = f"{tx - line_x:.2f} {ty - line_y:.2f} Td ({pdf_string(text)}) Tj"
                    line_x, line_y = tx, ty
                    if squeeze < 1.0:
                        move = f"{squeeze * 100:.1f} Tz {move} 100 Tz"
                    ops.append(move)
        ops.append("ET Q")
        canvas.addLiteral(" ".join(ops))


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
    landscape: bool = False

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
            f"Página {self._pageNumber} de {total}",
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
        left, FOOTER_BASELINE, f"Generado el {format_datetime(meta.generated_at, meta.timezone)}"
    )
    if meta.verification:
        canvas.drawCentredString(
            (left + right) / 2, FOOTER_BASELINE, f"Verificación: {meta.verification}"
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
        lang="es-CL",
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
    for _ in signers:
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
