"""The impact report as tables and charts, in the reader's language: what its page, PDF and
CSV share, so the three cannot disagree. Pure: the report (:mod:`voucher.treasury.impact`) in,
table models and chart models out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from voucher.charts import BarChart, chart_of
from voucher.i18n import month_label
from voucher.money import format_decimal, format_percent
from voucher.pdf.table_csv import table_csv
from voucher.pdf.tables import Column, TableModel
from voucher.programs.models import category_label
from voucher.treasury.impact import Figures, ImpactReport
from voucher.treasury.impact_rows import NO_SECTOR

MAX_CHART_SHOPS = 12  # the chart shows the shops that took most; the table lists them all


@dataclass(frozen=True)
class Section:
    """One part of the report: its heading, its charts and the table of their figures."""

    key: str
    heading: str
    table: TableModel
    charts: tuple[BarChart, ...] = ()


def sector_label(sector: str) -> str:
    return sector if sector != NO_SECTOR else _("Sin sector")


def summary_table(f: Figures, deliveries_recorded: bool) -> TableModel:
    """The headline figures, one per line: (indicator, count, pesos, other)."""
    rows: list[tuple[str, int | None, int | None, str | float | None]] = [
        (_("Hogares atendidos"), f.households, None, None),
        (_("Personas en esos hogares"), f.people, None, None),
        (_("Vales emitidos"), f.vouchers_issued, f.pesos_issued, None),
        (
            _("Vales entregados a las familias"),
            f.vouchers_delivered,
            None,
            None if deliveries_recorded else _("la parroquia no registra entregas"),
        ),
        (_("Vales impresos"), f.vouchers_printed, None, None),
        (_("Vales usados por completo"), f.redeemed_fully, None, None),
        (_("Vales usados en parte"), f.redeemed_partly, None, None),
        (_("Vales vencidos"), f.expired, None, None),
        (_("Vales anulados"), f.cancelled, None, None),
        (_("Canjeado en comercios"), None, f.pesos_redeemed, None),
        (_("Devuelto a los fondos (vencidos y anulados)"), None, f.pesos_returned, None),
    ]
    columns = (
        Column(_("Indicador"), weight=50),
        Column(_("Cantidad"), "count", weight=15),
        Column(_("Pesos"), "money", weight=18),
        Column(_("Nota"), weight=30, wrap=True),
    )
    rates = [
        (_("Tasa de canje (del valor emitido)"), "percent", f.redemption_rate),
        (_("Mediana de días hasta el primer uso"), "decimal", f.median_days_to_first_use),
    ]
    model_rows: list[tuple] = [*rows]
    for label, kind, value in rates:
        shown = format_percent(value) if kind == "percent" else format_decimal(value)
        model_rows.append((label, None, None, shown))
    return TableModel(columns, model_rows, ["normal"] * len(model_rows))


def _reach_columns() -> tuple[Column, ...]:
    """What every breakdown says of its rows: households and people reached, vouchers and
    pesos issued, pesos spent."""
    return (
        Column(_("Hogares"), "count", weight=13),
        Column(_("Personas"), "count", weight=13),
        Column(_("Vales emitidos"), "count", weight=13),
        Column(_("Pesos emitidos"), "money", weight=19),
        Column(_("Pesos canjeados"), "money", weight=19),
    )


def _reach(figures: Any) -> tuple:
    return (
        figures.households,
        figures.people,
        figures.vouchers_issued,
        figures.pesos_issued,
        figures.pesos_redeemed,
    )


def _table(columns: tuple[Column, ...], rows: list[tuple]) -> TableModel:
    return TableModel(columns, rows, ["normal"] * len(rows))


def months_table(r: ImpactReport) -> TableModel:
    columns = (Column(_("Mes"), weight=28), *_reach_columns())
    return _table(columns, [(month_label(m.month), *_reach(m)) for m in r.months])


def program_months_table(r: ImpactReport) -> TableModel:
    """Month by month within each program (months with nothing issued or spent left out)."""
    columns = (Column(_("Programa"), weight=26, wrap=True), Column(_("Mes"), weight=22))
    rows = [
        (p.name, month_label(m.month), *_reach(m))
        for p in r.programs
        for m in p.months
        if m.vouchers_issued or m.pesos_redeemed
    ]
    return _table((*columns, *_reach_columns()), rows)


def programs_table(r: ImpactReport) -> TableModel:
    columns = (
        Column(_("Programa"), weight=30, wrap=True),
        Column(_("Categoría"), weight=15),
        Column(_("Hogares"), "count", weight=11),
        Column(_("Personas"), "count", weight=11),
        Column(_("Vales"), "count", weight=10),
        Column(_("Usados\ntotalmente"), "count", weight=12),
        Column(_("Usados\nen parte"), "count", weight=11),
        Column(_("Vencidos"), "count", weight=11),
        Column(_("Anulados"), "count", weight=11),
        Column(_("Pesos\nemitidos"), "money", weight=17),
        Column(_("Pesos\ncanjeados"), "money", weight=17),
        Column(_("Pesos\ndevueltos"), "money", weight=16),
        Column(_("Tasa de\ncanje"), "percent", weight=11),
        Column(_("Días al\nprimer uso"), "decimal", weight=11),
    )
    rows = [
        (
            p.name,
            category_label(p.category),
            p.figures.households,
            p.figures.people,
            p.figures.vouchers_issued,
            p.figures.redeemed_fully,
            p.figures.redeemed_partly,
            p.figures.expired,
            p.figures.cancelled,
            p.figures.pesos_issued,
            p.figures.pesos_redeemed,
            p.figures.pesos_returned,
            p.figures.redemption_rate,
            p.figures.median_days_to_first_use,
        )
        for p in r.programs
    ]
    return TableModel(columns, rows, ["normal"] * len(rows))


def shops_table(r: ImpactReport) -> TableModel:
    columns = (
        Column(_("Comercio"), weight=45, wrap=True),
        Column(_("Pesos canjeados"), "money", weight=20),
        Column(_("Parte del total"), "percent", weight=17),
        Column(_("Familias"), "count", weight=15),
    )
    rows = [(s.name, s.pesos_redeemed, s.share, s.households) for s in r.shops]
    return TableModel(columns, rows, ["normal"] * len(rows))


def sectors_table(r: ImpactReport) -> TableModel:
    columns = (Column(_("Sector"), weight=30, wrap=True), *_reach_columns())
    return _table(columns, [(sector_label(s.sector), *_reach(s)) for s in r.sectors])


def parishes_table(r: ImpactReport) -> TableModel:
    columns = (
        Column(_("Parroquia"), weight=34, wrap=True),
        *_reach_columns(),
        Column(_("Tasa de\ncanje"), "percent", weight=12),
    )
    rows = [(p.name, *_reach(p.figures), p.figures.redemption_rate) for p in r.parishes or ()]
    return _table(columns, rows)


def sections(r: ImpactReport) -> list[Section]:
    """The report's parts in the order the page and the PDF show them."""
    by_shop = _("Pesos canjeados en cada comercio")
    result = [
        Section("summary", _("Resumen"), summary_table(r.totals, r.deliveries_recorded)),
    ]
    if r.parishes is not None:
        result.append(
            Section(
                "parishes",
                _("Parroquias"),
                parishes_table(r),
                (
                    chart_of(
                        _("Hogares atendidos por parroquia"),
                        r.parishes,
                        lambda p: p.name,
                        [(_("Hogares"), lambda p: p.figures.households)],
                        money=False,
                    ),
                ),
            )
        )
    result += [
        Section(
            "months",
            _("Mes a mes"),
            months_table(r),
            (
                chart_of(
                    _("Hogares atendidos por mes"),
                    r.months,
                    lambda m: month_label(m.month),
                    [(_("Hogares"), lambda m: m.households)],
                    money=False,
                ),
                chart_of(
                    _("Pesos canjeados por mes"),
                    r.months,
                    lambda m: month_label(m.month),
                    [(_("Pesos canjeados"), lambda m: m.pesos_redeemed)],
                ),
            ),
        ),
        Section(
            "shops",
            _("Dinero que quedó en el barrio"),
            shops_table(r),
            (
                chart_of(
                    by_shop,
                    r.shops[:MAX_CHART_SHOPS],
                    lambda s: s.name,
                    [(_("Pesos canjeados"), lambda s: s.pesos_redeemed)],
                ),
            )
            if r.shops
            else (),
        ),
        Section("programs", _("Por programa"), programs_table(r)),
        Section("program-months", _("Mes a mes, por programa"), program_months_table(r)),
        Section("sectors", _("Por sector"), sectors_table(r)),
    ]
    return result


def impact_csv(r: ImpactReport, sep: str = ",") -> str:
    """Every table of the report, one after the other: a line with the part's name, its
    header row and its rows, and an empty line between parts."""
    return "\r\n".join(
        table_csv(TableModel((Column(section.heading),), [], []), sep)
        + table_csv(section.table, sep)
        for section in sections(r)
    )
