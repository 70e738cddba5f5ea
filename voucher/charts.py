"""Bar charts drawn on the server: one model, one layout, two drawings (SVG for the pages,
reportlab graphics for the PDFs, in :mod:`voucher.pdf.charts`), so screen and paper show the
same bars.

Horizontal bars, one group per row (a month, a week, a shop), one bar per series in a group:
labels on the left, the bar, its figure at its end. They read at 360 px and on A4 alike, and
long shop names do not have to be turned sideways. Pure: plain data in, geometry or markup
out; text widths are measured with the PDF's Helvetica metrics, which the pages' sans-serif
font matches closely enough to keep labels inside their column.

The SVG has no script and no inline style (the pages' content policy forbids both): colours
are presentation attributes. It carries a title for screen readers; its figures are in the
table each page puts under it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from markupsafe import Markup
from reportlab.pdfbase.pdfmetrics import stringWidth

from voucher.money import format_clp, format_number

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
# Series colours: dark blue and burnt orange (both above 4.5:1 on white), told apart by the
# legend's words and the table below too, never by colour alone.
COLOURS = ("#1f5fa8", "#b35900", "#1b6e2a")
TEXT_COLOUR = "#1a1a1a"
RULE_COLOUR = "#6b7480"
ELLIPSIS = "…"

SVG_WIDTH = 320.0
SVG_FONT_SIZE = 12.0


@dataclass(frozen=True)
class BarGroup:
    label: str
    values: tuple[int, ...]  # one per series


@dataclass(frozen=True)
class BarChart:
    title: str
    series: tuple[str, ...]  # names, in the legend when more than one
    groups: tuple[BarGroup, ...]
    money: bool = True  # values are pesos ($12.345), else counts (12.345)

    def value_text(self, value: int) -> str:
        return format_clp(value) if self.money else format_number(value)


@dataclass(frozen=True)
class Box:
    x: float
    y: float  # from the top
    width: float
    height: float
    series: int
    legend: bool = False  # a legend's key, not a bar


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline, from the top
    text: str
    anchor: str = "start"  # "start" | "end"
    bold: bool = False


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    font_size: float
    boxes: tuple[Box, ...]  # bars and legend keys
    texts: tuple[Text, ...]
    axis_x: float  # where the bars start (a rule is drawn there)


def fit(text: str, font: str, size: float, room: float) -> str:
    """``text`` cut with "…" to fit ``room`` points."""
    if stringWidth(text, font, size) <= room:
        return text
    while text and stringWidth(text + ELLIPSIS, font, size) > room:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def layout(chart: BarChart, width: float, font_size: float) -> Layout:
    """Where every bar and word goes, in a box ``width`` wide (y grows downwards)."""
    bar = font_size * 1.15
    gap = font_size * 0.25
    row_gap = font_size * 0.7
    pad = font_size * 0.5
    label_room = width * 0.32
    values = [v for group in chart.groups for v in group.values]
    value_room = max(
        [font_size * 2, *(stringWidth(chart.value_text(v), FONT, font_size) for v in values)]
    )
    axis_x = label_room + pad
    bar_room = max(width - axis_x - pad - value_room, font_size)
    top = max([*values, 1])
    boxes: list[Box] = []
    texts: list[Text] = []
    y = 0.0
    if len(chart.series) > 1:  # legend on one line
        x = 0.0
        for index, name in enumerate(chart.series):
            boxes.append(Box(x, y, font_size, font_size * 0.8, index, legend=True))
            texts.append(Text(x + font_size * 1.3, y + font_size * 0.8, name))
            x += font_size * 2.3 + stringWidth(name, FONT, font_size)
        y += font_size * 1.8
    for group in chart.groups:
        count = len(group.values)
        group_height = count * bar + (count - 1) * gap
        label = fit(group.label, FONT_BOLD, font_size, label_room)
        texts.append(Text(label_room, y + group_height / 2 + font_size * 0.35, label, "end", True))
        for index, value in enumerate(group.values):
            bar_y = y + index * (bar + gap)
            length = bar_room * value / top
            if value:
                boxes.append(Box(axis_x, bar_y, max(length, 0.75), bar, index))
            texts.append(
                Text(axis_x + length + pad / 2, bar_y + bar * 0.78, chart.value_text(value))
            )
        y += group_height + row_gap
    return Layout(width, max(y - row_gap, 0) + 1, font_size, tuple(boxes), tuple(texts), axis_x)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg(chart: BarChart, *, element_id: str, css_class: str = "bar-chart") -> Markup:
    """The chart as an inline ``<svg>`` (role img, titled), scaled to its container."""
    plot = layout(chart, SVG_WIDTH, SVG_FONT_SIZE)
    title_id = f"{element_id}-title"
    parts = [
        f'<svg id="{escape(element_id)}" class="{escape(css_class)}" role="img" '
        f'aria-labelledby="{escape(title_id)}" viewBox="0 0 {_num(plot.width)} '
        f'{_num(plot.height)}" xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<title id="{escape(title_id)}">{escape(chart.title)}</title>',
        f'<line x1="{_num(plot.axis_x)}" y1="0" x2="{_num(plot.axis_x)}" '
        f'y2="{_num(plot.height)}" stroke="{RULE_COLOUR}" stroke-width="1"/>',
    ]
    for box in plot.boxes:
        kind = "key" if box.legend else "bar"
        parts.append(
            f'<rect class="{kind} series-{box.series}" x="{_num(box.x)}" y="{_num(box.y)}" '
            f'width="{_num(box.width)}" height="{_num(box.height)}" '
            f'fill="{COLOURS[box.series % len(COLOURS)]}"/>'
        )
    for text in plot.texts:
        weight = ' font-weight="bold"' if text.bold else ""
        parts.append(
            f'<text x="{_num(text.x)}" y="{_num(text.y)}" font-size="{_num(plot.font_size)}" '
            f'font-family="{FONT}, Arial, sans-serif" text-anchor="{text.anchor}" '
            f'fill="{TEXT_COLOUR}"{weight}>{escape(text.text)}</text>'
        )
    parts.append("</svg>")
    # Every text and attribute above went through ``escape``.
    return Markup("".join(parts))  # noqa: S704


def chart_of(
    title: str,
    rows: Sequence[object],
    label: Callable[[object], str],
    series: Sequence[tuple[str, Callable[[object], int]]],
    *,
    money: bool = True,
) -> BarChart:
    """A chart from any rows: a label per row and one value per series."""
    return BarChart(
        title,
        tuple(name for name, _value in series),
        tuple(BarGroup(label(row), tuple(value(row) for _name, value in series)) for row in rows),
        money,
    )
