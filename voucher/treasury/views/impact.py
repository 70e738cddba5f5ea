"""The impact report's page and its PDF and CSV: for a parish's treasurer and admin, and
for the diocese (every parish side by side, and combined)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from voucher.auth.access import require_actor, role_required
from voucher.auth.models import Role
from voucher.charts import svg
from voucher.dates import local_today
from voucher.errors import ValidationFailed
from voucher.extensions import db
from voucher.forms import put_errors
from voucher.i18n import parish_timezone
from voucher.pdf.tables import format_cell
from voucher.responses import csv_response, pdf_response
from voucher.treasury.forms import PeriodForm
from voucher.treasury.impact import default_period, report_for
from voucher.treasury.impact_papers import impact_note, render_impact_report
from voucher.treasury.impact_tables import impact_csv, sections
from voucher.treasury.views.common import PERIOD_ALIASES, TREASURY, bp

diocese_bp = Blueprint("diocese", __name__, url_prefix="/diocese")


def _period() -> tuple[PeriodForm, bool]:
    """The period asked for (valid or not), or the last twelve months when none was."""
    if not request.args.get("date_from") and not request.args.get("date_to"):
        start, end = default_period(local_today(parish_timezone()))
        return PeriodForm(formdata=None, date_from=start, date_to=end), True
    form = PeriodForm(request.args)
    return form, form.validate()


def _page(endpoint: str):
    """The report on screen; a bad period keeps what was typed, with its error (422)."""
    form, valid = _period()
    report = None
    if valid:
        try:
            report = report_for(db.session, require_actor(), form.date_from.data, form.date_to.data)
        except ValidationFailed as error:
            put_errors(form, error, PERIOD_ALIASES)
    args = {"date_from": form.date_from.data, "date_to": form.date_to.data}
    return (
        render_template(
            "treasury/impact.html",
            form=form,
            report=report,
            sections=sections(report) if report else [],
            note=impact_note(),
            svg=svg,
            cell=format_cell,
            endpoint=endpoint,
            download_args={k: v.isoformat() for k, v in args.items() if v},
        ),
        200 if report else 422,
    )


def _file(kind: str):
    form, valid = _period()
    if not valid:
        raise ValidationFailed(
            [(name, error) for name, errors in form.errors.items() for error in errors]
        )
    report = report_for(db.session, require_actor(), form.date_from.data, form.date_to.data)
    name = f"informe-impacto-{report.period_from}-{report.period_to}"
    if kind == "csv":
        sep = "," if request.args.get("sep") == "," else ";"
        return csv_response(impact_csv(report, sep), f"{name}.csv")
    return pdf_response(render_impact_report(report), f"{name}.pdf")


@bp.route("/impact")
@role_required(*TREASURY)
def impact():
    return _page("treasury")


@bp.route("/impact.pdf")
@role_required(*TREASURY)
def impact_pdf():
    return _file("pdf")


@bp.route("/impact.csv")
@role_required(*TREASURY)
def impact_csv_file():
    return _file("csv")


@diocese_bp.route("/")
@role_required(Role.DIOCESE)
def index():
    return _page("diocese")


@diocese_bp.route("/impact.pdf", endpoint="impact_pdf")
@role_required(Role.DIOCESE)
def diocese_pdf():
    return _file("pdf")


@diocese_bp.route("/impact.csv", endpoint="impact_csv_file")
@role_required(Role.DIOCESE)
def diocese_csv():
    return _file("csv")
