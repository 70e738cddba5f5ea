"""The pages' bar charts (:mod:`voucher.charts`) drawn with reportlab's own graphics: the same
layout, as vector rectangles and text in the PDF (no picture), so they print sharp and stay
small."""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib.colors import HexColor

from voucher.charts import COLOURS, FONT, FONT_BOLD, RULE_COLOUR, TEXT_COLOUR, BarChart, layout
from voucher.pdf.text import clean_text

PDF_FONT_SIZE = 8.0


def chart_drawing(
    chart: BarChart, width: float, max_height: float, font_size: float = PDF_FONT_SIZE
) -> Drawing:
    """A flowable drawing of ``chart``, ``width`` points wide; a chart of many rows is drawn
    smaller so that it fits ``max_height`` (a drawing does not split across pages)."""
    plot = layout(chart, width, font_size)
    if plot.height > max_height:
        plot = layout(chart, width, font_size * max_height / plot.height)
    height = plot.height
    drawing = Drawing(width, height)
    drawing.add(
        Line(
            plot.axis_x, 0, plot.axis_x, height, strokeColor=HexColor(RULE_COLOUR), strokeWidth=0.5
        )
    )
    for box in plot.boxes:
        drawing.add(
            Rect(
                box.x,
                height - box.y - box.height,
                box.width,
                box.height,
                fillColor=HexColor(COLOURS[box.series % len(COLOURS)]),
                strokeColor=None,
            )
        )
    for text in plot.texts:
        drawing.add(
            String(
                text.x,
                height - text.y,
                clean_text(text.text),
                fontName=FONT_BOLD if text.bold else FONT,
                fontSize=plot.font_size,
                fillColor=HexColor(TEXT_COLOUR),
                textAnchor=text.anchor,
            )
        )
    return drawing
