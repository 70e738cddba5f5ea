"""The long table of the treasurer's reports, and its model shared with the CSV twins.

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from voucher.money import format_clp, format_decimal, format_number, format_percent
from voucher.pdf.report_style import (
    CELL_PAD_X,
    CELL_PAD_Y,
    FONT,
    FONT_BOLD,
    FONT_ITALIC,
    HEADER_FILL_GRAY,
    MAX_WRAP_LINES,
    MIN_SQUEEZE_NUMBER,
    MIN_SQUEEZE_TEXT,
    MUTED_TEXT_GRAY,
    STRIPE_FILL_GRAY,
    TABLE_FONT_SIZE,
    TABLE_LEADING,
    TABLE_RULE_WIDTH,
)
from voucher.pdf.text import clean_text, fit_text, pdf_string, text_width, wrap_text

RowStyle = Literal["normal", "muted", "strong", "total"]
ColumnKind = Literal["text", "money", "count", "percent", "decimal"]
Cell = str | int | float | None


# --- table model shared by the PDF and the CSV ----------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column of a report table.

    ``kind`` decides formatting: ``money`` cells are integer pesos shown as ``$12.345``,
    ``count`` cells integers shown as ``12.345``, ``percent`` cells fractions of 1 shown as
    ``35,3 %``, ``decimal`` cells numbers shown as ``3,5``, all right-aligned; ``text`` cells are
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
    if kind == "percent":
        return format_percent(value)  # type: ignore[arg-type]
    if kind == "decimal":
        return format_decimal(value)  # type: ignore[arg-type]
    return str(value)


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
