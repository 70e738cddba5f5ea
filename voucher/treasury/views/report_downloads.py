"""The reports page: a shop's statement, the programs report, the trial balance and the
journal, each downloaded from its own small form."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from voucher.auth.access import current_parish, role_required
from voucher.dates import local_today
from voucher.errors import ValidationFailed
from voucher.extensions import db
from voucher.forms import put_errors
from voucher.parishes.models import Parish
from voucher.responses import csv_response, pdf_response
from voucher.shops.services import get_parish_shop
from voucher.treasury import program_report as program_data
from voucher.treasury import trial_balance as balance_data
from voucher.treasury.csv_export import program_report_csv, trial_balance_csv
from voucher.treasury.forms import (
    JournalForm,
    ProgramReportForm,
    StatementReportForm,
    TrialBalanceForm,
)
from voucher.treasury.journal_download import check_journal_period, journal_file
from voucher.treasury.papers import render_program_report, render_trial_balance
from voucher.treasury.statement_files import statement_file
from voucher.treasury.views.common import (
    PERIOD_ALIASES,
    TREASURY,
    bp,
    month_start,
    shop_choices,
)


def _report_forms(parish: Parish) -> dict[str, Any]:
    today = local_today(parish.timezone)
    statement = StatementReportForm(formdata=None, date_from=month_start(today), date_to=today)
    statement.shop_id.choices = shop_choices(db.session, parish.id)
    return {
        "statement": statement,
        "programs": ProgramReportForm(formdata=None, date_from=month_start(today), date_to=today),
        "trial": TrialBalanceForm(formdata=None, at=today),
        "journal": JournalForm(formdata=None),
    }


def _reports_page(forms: dict[str, Any], status: int = 200):
    return render_template("treasury/reports.html", forms=forms), status


@bp.route("/reports")
@role_required(*TREASURY)
def reports():
    return _reports_page(_report_forms(current_parish()))


def _invalid(parish: Parish, name: str, form: Any, error: ValidationFailed | None = None):
    """The reports page again, with ``form`` as it was sent and its errors (422)."""
    if error is not None:
        put_errors(form, error, PERIOD_ALIASES)
    forms = _report_forms(parish)
    forms[name] = form
    return _reports_page(forms, 422)


@bp.route("/reports/statement")
@role_required(*TREASURY)
def report_statement():
    parish = current_parish()
    form = StatementReportForm(request.args)
    form.shop_id.choices = shop_choices(db.session, parish.id)
    if not form.validate():
        return _invalid(parish, "statement", form)
    shop = get_parish_shop(db.session, parish.id, form.shop_id.data)
    try:
        return statement_file(
            db.session,
            parish,
            shop,
            form.date_from.data,
            form.date_to.data,
            kind=form.format.data,
            sep=form.sep.data,
        )
    except ValidationFailed as error:
        return _invalid(parish, "statement", form, error)


@bp.route("/reports/programs")
@role_required(*TREASURY)
def report_programs():
    parish = current_parish()
    form = ProgramReportForm(request.args)
    if not form.validate():
        return _invalid(parish, "programs", form)
    try:
        report = program_data.program_report(
            db.session, parish, form.date_from.data, form.date_to.data
        )
    except ValidationFailed as error:
        return _invalid(parish, "programs", form, error)
    name = f"informe-programas-{form.date_from.data}-{form.date_to.data}"
    if form.format.data == "csv":
        return csv_response(program_report_csv(report, form.sep.data), f"{name}.csv")
    return pdf_response(render_program_report(report), f"{name}.pdf")


@bp.route("/reports/trial-balance")
@role_required(*TREASURY)
def report_trial_balance():
    parish = current_parish()
    form = TrialBalanceForm(request.args)
    if not form.validate():
        return _invalid(parish, "trial", form)
    balance = balance_data.trial_balance(db.session, parish, form.at.data)
    name = f"balance-comprobacion-{form.at.data}"
    if form.format.data == "csv":
        return csv_response(trial_balance_csv(balance, form.sep.data), f"{name}.csv")
    return pdf_response(render_trial_balance(balance), f"{name}.pdf")


@bp.route("/reports/journal")
@role_required(*TREASURY)
def report_journal():
    parish = current_parish()
    form = JournalForm(request.args)
    if not form.validate():
        return _invalid(parish, "journal", form)
    try:
        check_journal_period(form.date_from.data, form.date_to.data)
    except ValidationFailed as error:
        return _invalid(parish, "journal", form, error)
    return journal_file(db.session, parish, form.date_from.data, form.date_to.data)
