"""The impact report on paper: A4 landscape, its charts drawn as vector graphics with their
figures in a table under each, every word in the reader's language."""

from __future__ import annotations

from flask_babel import gettext as _
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether

from voucher.dates import format_datetime
from voucher.pdf.charts import chart_drawing
from voucher.pdf.pages import ReportMeta, build_pdf, info_table, paragraph, spacer, title
from voucher.pdf.report_style import MARGIN_BOTTOM, MARGIN_TOP, STRONG_STYLE
from voucher.pdf.tables import ReportTable
from voucher.treasury.impact import ImpactReport
from voucher.treasury.impact_tables import sections
from voucher.treasury.papers import _lang
from voucher.treasury.tables import format_period

CHART_SHARE = 0.62  # of the page's width: the bars, their labels and figures


def impact_heading() -> str:
    return _("Informe de impacto")


def impact_note() -> str:
    """How to read the figures (the page says the same)."""
    return _(
        "Hogares y personas se cuentan una vez aunque hayan recibido varios vales. Los vales "
        "son los emitidos en el período y lo que ha sido de ellos hasta hoy; los pesos "
        "canjeados, los cobrados en los comercios en el período, sin los canjes anulados. "
        "Sin datos personales."
    )


def render_impact_report(r: ImpactReport) -> bytes:
    """'Informe de impacto': headline figures, then each part's charts and table."""
    period = format_period(r.period_from, r.period_to)
    heading = impact_heading()
    meta = ReportMeta(
        parish_name=r.title,
        title=heading,
        subtitle=_("Período %(period)s", period=period),
        generated_at=r.generated_at,
        timezone=r.timezone,
        landscape=True,
        lang=_lang(),
    )
    width = meta.content_width
    room = meta.pagesize[1] - MARGIN_TOP - MARGIN_BOTTOM - 3 * STRONG_STYLE.leading
    story: list[Flowable] = [
        title(heading),
        info_table(
            [
                (_("Período"), period),
                (_("Generado el"), format_datetime(r.generated_at, r.timezone)),
            ],
            width,
        ),
        spacer(2),
        paragraph(impact_note()),
        spacer(4),
    ]
    for section in sections(r):
        story.append(CondPageBreak(room / 3))
        story.append(paragraph(section.heading, strong=True))
        story.append(spacer(2))
        for chart in section.charts:
            story.append(
                KeepTogether(
                    [
                        paragraph(chart.title),
                        chart_drawing(chart, width * CHART_SHARE, room),
                        spacer(3),
                    ]
                )
            )
        story.append(ReportTable(section.table, width))
        story.append(spacer(6))
    return build_pdf(meta, story)
