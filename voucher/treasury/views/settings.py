"""The treasury's settings: the two-person rule and closing a month."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from voucher.auth.access import current_parish, require_actor, role_required
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.errors import DomainError, ValidationFailed
from voucher.extensions import db
from voucher.forms import form_error
from voucher.ledger import periods
from voucher.parishes.models import Parish
from voucher.treasury.forms import CloseMonthForm, TwoPersonRuleForm
from voucher.treasury.services import set_two_person_rule
from voucher.treasury.views.common import TREASURY, bp, month_start

MONTHS = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
]  # fmt: skip


def _closable_months(parish: Parish) -> list[SelectChoice]:
    """The last twelve months not closed yet, the most recent first."""
    today = local_today(parish.timezone)
    closed = periods.closed_through(db.session, parish.id)
    months = []
    cursor = month_start(today) - timedelta(days=1)  # last day of last month
    for _i in range(12):
        if closed is not None and cursor <= closed:
            break
        months.append(SelectChoice(f"{cursor:%Y-%m}", f"{MONTHS[cursor.month - 1]} {cursor.year}"))
        cursor = cursor.replace(day=1) - timedelta(days=1)
    return months


def _settings_page(parish: Parish, close_form: CloseMonthForm | None = None, status: int = 200):
    user = require_actor()
    rule_form = TwoPersonRuleForm(formdata=None, enabled=parish.two_person_rule)
    if close_form is None:
        close_form = CloseMonthForm(formdata=None)
    close_form.month.choices = _closable_months(parish)
    return (
        render_template(
            "treasury/settings.html",
            parish=parish,
            rule_form=rule_form,
            close_form=close_form,
            closed_through=periods.closed_through(db.session, parish.id),
            can_toggle=user.role == Role.ADMIN,
            can_close=user.role == Role.TREASURER,
        ),
        status,
    )


@bp.route("/settings")
@role_required(*TREASURY)
def settings():
    return _settings_page(current_parish())


@bp.route("/settings/two-person-rule", methods=["POST"])
@role_required(Role.ADMIN)
def two_person_rule():
    parish = current_parish()
    form = TwoPersonRuleForm()
    if form.validate_on_submit():
        set_two_person_rule(db.session, parish, bool(form.enabled.data), require_actor())
        flash(
            _("Desde ahora cada pago necesita la aprobación de una segunda persona.")
            if parish.two_person_rule
            else _("Desde ahora los pagos se registran sin segunda aprobación."),
            "success",
        )
    return redirect(url_for("treasury.settings"))


@bp.route("/settings/close-month", methods=["POST"])
@role_required(Role.TREASURER)
def close_month():
    parish = current_parish()
    form = CloseMonthForm()
    form.month.choices = _closable_months(parish)
    if not form.validate_on_submit():
        return _settings_page(parish, form, 422)
    year, month = (int(part) for part in form.month.data.split("-"))
    try:
        lock = periods.close_month(db.session, parish, year, month, require_actor())
    except DomainError as error:
        form_error(form, error)
        if isinstance(error, ValidationFailed):
            return _settings_page(parish, form, 422)
        return redirect(url_for("treasury.settings"))
    flash(
        _(
            "Mes cerrado: ya no se registran movimientos con fecha hasta el %(day)s.",
            day=lock.closed_through.strftime("%d-%m-%Y"),
        ),
        "success",
    )
    return redirect(url_for("treasury.settings"))
