"""API endpoints: the impact report (figures, PDF, CSV) for a parish's treasurer and admin,
and for the diocese (every parish, with ``parishes`` side by side). The same readers as the
web page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from voucher.api.core import bp, responses, spec
from voucher.api.docs import file_response
from voucher.api.treasury import PeriodQuery
from voucher.auth.access import require_actor, role_required
from voucher.auth.models import Role
from voucher.extensions import db
from voucher.responses import csv_response, pdf_response
from voucher.treasury.impact import Figures, ImpactReport, MonthFigures, report_for
from voucher.treasury.impact_papers import render_impact_report
from voucher.treasury.impact_tables import impact_csv

TAGS = ["reports"]
READERS = (Role.TREASURER, Role.ADMIN, Role.DIOCESE)


class ImpactQuery(PeriodQuery):
    sep: Literal[",", ";"] = Field(",", description="CSV separator (';' for Spanish Excel).")


class ImpactVouchers(BaseModel):
    issued: int
    delivered: int | None = Field(description="Null while deliveries are not recorded.")
    printed: int
    redeemed: int = Field(description="Used at least once (fully or partly).")
    redeemed_fully: int
    redeemed_partly: int
    expired: int
    cancelled: int


class ImpactPesos(BaseModel):
    issued: int
    redeemed: int
    returned: int


class ImpactFigures(BaseModel):
    households: int = Field(description="Families that received vouchers, each counted once.")
    people: int = Field(description="Sum of those households' sizes.")
    vouchers: ImpactVouchers
    pesos: ImpactPesos
    redemption_rate: float | None = Field(description="Value spent / value issued, 0..1.")
    median_days_to_first_use: float | None


class ImpactMonth(BaseModel):
    month: str = Field(description="YYYY-MM")
    households: int
    people: int
    vouchers_issued: int
    pesos_issued: int
    pesos_redeemed: int


class ImpactShop(BaseModel):
    shop_id: int
    name: str
    pesos_redeemed: int
    share: float = Field(description="Fraction of all pesos redeemed; the shares add to 1.")
    households: int


class ImpactProgram(ImpactFigures):
    id: int
    name: str
    category: str
    months: list[ImpactMonth]


class ImpactSector(BaseModel):
    sector: str = Field(description="Empty for families registered without a sector.")
    households: int
    people: int
    vouchers_issued: int
    pesos_issued: int
    pesos_redeemed: int


class ImpactParish(ImpactFigures):
    slug: str
    name: str
    pesos_redeemed: int


class ImpactOut(ImpactFigures):
    model_config = ConfigDict(populate_by_name=True)

    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    months: list[ImpactMonth]
    shops: list[ImpactShop]
    programs: list[ImpactProgram]
    sectors: list[ImpactSector]
    parishes: list[ImpactParish] | None = Field(None, description="Diocese only.")


def _figures(f: Figures) -> dict:
    return {
        "households": f.households,
        "people": f.people,
        "vouchers": ImpactVouchers(
            issued=f.vouchers_issued,
            delivered=f.vouchers_delivered,
            printed=f.vouchers_printed,
            redeemed=f.vouchers_redeemed,
            redeemed_fully=f.redeemed_fully,
            redeemed_partly=f.redeemed_partly,
            expired=f.expired,
            cancelled=f.cancelled,
        ),
        "pesos": ImpactPesos(
            issued=f.pesos_issued, redeemed=f.pesos_redeemed, returned=f.pesos_returned
        ),
        "redemption_rate": f.redemption_rate,
        "median_days_to_first_use": f.median_days_to_first_use,
    }


def _months(months: Sequence[MonthFigures]) -> list[ImpactMonth]:
    return [
        ImpactMonth(
            month=m.month.strftime("%Y-%m"),
            households=m.households,
            people=m.people,
            vouchers_issued=m.vouchers_issued,
            pesos_issued=m.pesos_issued,
            pesos_redeemed=m.pesos_redeemed,
        )
        for m in months
    ]


def impact_out(r: ImpactReport) -> dict:
    out = ImpactOut(
        date_from=r.period_from,
        date_to=r.period_to,
        **_figures(r.totals),
        months=_months(r.months),
        shops=[
            ImpactShop(
                shop_id=s.shop_id,
                name=s.name,
                pesos_redeemed=s.pesos_redeemed,
                share=s.share,
                households=s.households,
            )
            for s in r.shops
        ],
        programs=[
            ImpactProgram(
                id=p.program_id,
                name=p.name,
                category=p.category,
                months=_months(p.months),
                **_figures(p.figures),
            )
            for p in r.programs
        ],
        sectors=[ImpactSector(**vars(s)) for s in r.sectors],
        parishes=None
        if r.parishes is None
        else [
            ImpactParish(
                slug=p.slug,
                name=p.name,
                pesos_redeemed=p.figures.pesos_redeemed,
                **_figures(p.figures),
            )
            for p in r.parishes
        ],
    )
    return out.model_dump(
        mode="json", by_alias=True, exclude={"parishes"} if r.parishes is None else None
    )


def _report(query: PeriodQuery) -> ImpactReport:
    return report_for(db.session, require_actor(), query.date_from, query.date_to)


@bp.get("/reports/impact")
@spec.validate(query=PeriodQuery, resp=responses(HTTP_200=ImpactOut), tags=TAGS)
@role_required(*READERS)
def impact(query: PeriodQuery):
    """Households and people served (unduplicated), vouchers and pesos by fate, per month,
    program, shop and sector; for the diocese every parish side by side in `parishes` and
    the combined figures. Nothing personal. 422 for a bad period."""
    return impact_out(_report(query))


@bp.get("/reports/impact.pdf")
@spec.validate(query=PeriodQuery, resp=responses(), tags=TAGS)
@role_required(*READERS)
def impact_pdf(query: PeriodQuery):
    """The impact report with its charts (A4 landscape PDF)."""
    report = _report(query)
    name = f"informe-impacto-{report.period_from}-{report.period_to}.pdf"
    return pdf_response(render_impact_report(report), name)


@bp.get("/reports/impact.csv")
@spec.validate(query=ImpactQuery, resp=responses(), tags=TAGS)
@role_required(*READERS)
def impact_csv_file(query: ImpactQuery):
    """The impact report's tables as CSV, one part after another (UTF-8 with BOM)."""
    report = _report(query)
    name = f"informe-impacto-{report.period_from}-{report.period_to}.csv"
    return csv_response(impact_csv(report, query.sep), name)


file_response("/api/v1/reports/impact.pdf", "get", "application/pdf")
file_response("/api/v1/reports/impact.csv", "get", "text/csv")
