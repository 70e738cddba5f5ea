"""Paying shops: the list of payments, the preview and the payment form, one payment's
page with its decisions (approve, reject, reverse) and its remittance."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from voucher.auth.access import current_parish, get_scoped, require_actor, role_required
from voucher.auth.forms import EmptyForm
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.errors import DomainError, ValidationFailed
from voucher.extensions import db
from voucher.forms import form_error
from voucher.money import format_clp
from voucher.parishes.models import Parish
from voucher.responses import attachment, pdf_response
from voucher.shops.services import get_parish_shop
from voucher.treasury import queries
from voucher.treasury import remittance as remittance_data
from voucher.treasury.bank_file import bank_file_csv, bank_lines
from voucher.treasury.forms import (
    BankFileForm,
    ReasonForm,
    ReferenceForm,
    SettlementChooseForm,
    SettlementPayForm,
)
from voucher.treasury.models import Settlement, SettlementStatus
from voucher.treasury.papers import render_remittance
from voucher.treasury.services import (
    SettlementInput,
    approve,
    reject,
    reverse,
    set_reference,
    settle,
    unsettled_redemptions,
)
from voucher.treasury.views.common import PAGE_SIZE, TREASURY, bp, refused, shop_choices

# The payment form carries no shop or day fields of its own: their errors go on "method".
PAY_ALIASES = {"through": "method", "shop_id": "method"}


@bp.route("/settlements")
@role_required(*TREASURY)
def settlements():
    parish = current_parish()
    return _settlements_page(parish, BankFileForm(formdata=None, date=local_today(parish.timezone)))


def _settlements_page(parish: Parish, bank_form: BankFileForm, status: int = 200):
    return (
        render_template(
            "treasury/settlements.html",
            proposed=queries.proposed_settlements(db.session, parish.id),
            page=queries.decided_settlements_page(parish.id, PAGE_SIZE),
            can_pay=require_actor().role == Role.TREASURER,
            bank_form=bank_form,
        ),
        status,
    )


@bp.route("/settlements/bank-file")
@role_required(Role.TREASURER)
def bank_file():
    """The day's payments as the bank's bulk payment file (CSV)."""
    parish = current_parish()
    form = BankFileForm(request.args)
    if not form.validate():
        return _settlements_page(parish, form, 422)
    lines = bank_lines(db.session, parish, form.date.data)
    return attachment(
        bank_file_csv(lines), "text/csv", f"pagos-banco-{form.date.data.isoformat()}.csv"
    )


def _render_new(
    parish: Parish, choose: SettlementChooseForm, pay: SettlementPayForm | None, status: int = 200
):
    """The settlement page: the choice of shop and day and, once chosen, the exact list of
    redemptions the payment covers with the form that pays them."""
    shop = lines = None
    if pay is not None:
        shop = get_parish_shop(db.session, parish.id, choose.shop_id.data)
        if choose.through.data > local_today(parish.timezone):
            choose.through.errors = [_("La fecha de corte no puede ser futura.")]
            status = 422
        else:
            lines = unsettled_redemptions(
                db.session, parish, shop.id, choose.through.data, with_vouchers=True
            )
    if lines:
        _carry_preview(pay, shop.id, choose.through.data, lines)
    return (
        render_template(
            "treasury/settlement_new.html",
            choose=choose,
            pay=pay,
            shop=shop,
            lines=lines,
            total=sum(r.amount for r in lines) if lines else 0,
            two_person_rule=parish.two_person_rule,
        ),
        status,
    )


def _carry_preview(pay: SettlementPayForm, shop_id: int, through: date, lines: list) -> None:
    """The payment form carries what the person sees: paying refuses a list that changed."""
    pay.shop_id.data = str(shop_id)
    pay.through.data = through.isoformat()
    pay.expected_amount.data = str(sum(r.amount for r in lines))
    pay.expected_count.data = str(len(lines))
    if not pay.idempotency_key.data:
        # One key per rendered form: a double tap or a reload cannot pay twice.
        pay.idempotency_key.data = secrets.token_urlsafe(16)


@bp.route("/settlements/new", methods=["GET", "POST"])
@role_required(Role.TREASURER)
def new_settlement():
    parish = current_parish()
    if request.method == "POST":
        return _pay(parish)
    choose = SettlementChooseForm(request.args)
    choose.shop_id.choices = shop_choices(db.session, parish.id)
    if "shop_id" not in request.args:
        choose.shop_id.data = None
        choose.through.data = local_today(parish.timezone)
        return _render_new(parish, choose, None)
    if not choose.validate():
        return _render_new(parish, choose, None, 422)
    return _render_new(parish, choose, SettlementPayForm(formdata=None, prefix="pay"))


def _paid_from(pay: SettlementPayForm) -> SettlementInput:
    """What the payment form says to pay (the preview's shop, day, total and count)."""
    shop_id, through = _int_or_none(pay.shop_id.data), _date_or_none(pay.through.data)
    expected = _int_or_none(pay.expected_amount.data), _int_or_none(pay.expected_count.data)
    if shop_id is None or through is None or None in expected:
        raise ValidationFailed([("shop_id", _("Elija el comercio y la fecha de corte."))])
    return SettlementInput(
        shop_id=shop_id,
        through=through,
        method=pay.method.data,
        reference=(pay.reference.data or "").strip(),
        expected_amount=expected[0],
        expected_count=expected[1],
    )


def _pay(parish: Parish):
    user = require_actor()
    pay = SettlementPayForm(prefix="pay")
    data = _paid_from(pay)
    choose = SettlementChooseForm(formdata=None, shop_id=data.shop_id, through=data.through)
    choose.shop_id.choices = shop_choices(db.session, parish.id)
    if not pay.validate_on_submit():
        return _render_new(parish, choose, pay, 422)
    key = (pay.idempotency_key.data or "").strip()[:64] or secrets.token_urlsafe(16)
    try:
        settlement, _replayed = settle(
            db.session,
            parish,
            data,
            user,
            idempotency_key=f"web:{user.id}:{key}",
            reference_required=True,
        )
    except DomainError as error:
        form_error(pay, error, PAY_ALIASES)
        if isinstance(error, ValidationFailed):
            return _render_new(parish, choose, pay, 422)
        return redirect(
            url_for("treasury.new_settlement", shop_id=data.shop_id, through=data.through)
        )
    if settlement.status == SettlementStatus.PROPOSED:
        flash(_("Pago propuesto. Otra persona de la tesorería debe aprobarlo."), "info")
    else:
        flash(
            _(
                "Pago registrado: %(amount)s a %(shop)s.",
                amount=format_clp(settlement.amount),
                shop=settlement.shop.name,
            ),
            "success",
        )
    return redirect(url_for("treasury.settlement", settlement_id=settlement.id))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date_or_none(value: Any) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@bp.route("/settlements/<int:settlement_id>")
@role_required(*TREASURY)
def settlement(settlement_id: int):
    return _settlement_page(get_scoped(Settlement, settlement_id))


def _settlement_page(item: Settlement, reference_form: ReferenceForm | None = None):
    user = require_actor()
    proposed = item.status == SettlementStatus.PROPOSED
    return render_template(
        "treasury/settlement.html",
        settlement=item,
        lines=remittance_data.settlement_lines(db.session, item.id),
        can_decide=proposed and item.proposed_by_id != user.id,
        can_withdraw=proposed and item.proposed_by_id == user.id,
        can_reverse=item.status == SettlementStatus.PAID and user.role == Role.TREASURER,
        decide_form=EmptyForm(),
        reverse_form=ReasonForm(),
        reference_form=reference_form or ReferenceForm(formdata=None, reference=item.reference),
        can_edit_reference=user.role == Role.TREASURER and item.status != SettlementStatus.REJECTED,
        people=queries.user_names(db.session, [item.proposed_by_id, item.approved_by_id]),
    )


def _decide(settlement_id: int, action: Callable, done: str, category: str) -> Response:
    """Approve or reject a proposed payment (button-only forms)."""
    item = get_scoped(Settlement, settlement_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            action(db.session, item, require_actor())
        except DomainError as error:
            refused(error)
        else:
            flash(done, category)
    return redirect(url_for("treasury.settlement", settlement_id=settlement_id))


@bp.route("/settlements/<int:settlement_id>/approve", methods=["POST"])
@role_required(*TREASURY)
def approve_settlement(settlement_id: int):
    return _decide(settlement_id, approve, _("Pago aprobado y registrado."), "success")


@bp.route("/settlements/<int:settlement_id>/reject", methods=["POST"])
@role_required(*TREASURY)
def reject_settlement(settlement_id: int):
    return _decide(
        settlement_id, reject, _("Propuesta de pago rechazada. No se movió dinero."), "info"
    )


@bp.route("/settlements/<int:settlement_id>/reverse", methods=["POST"])
@role_required(Role.TREASURER)
def reverse_settlement(settlement_id: int):
    item = get_scoped(Settlement, settlement_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Escriba el motivo de la reversión."), "error")
    else:
        try:
            reverse(db.session, item, reason=form.reason.data, user=require_actor())
        except DomainError as error:
            refused(error)
        else:
            flash(_("Pago revertido. Esos canjes vuelven a estar pendientes de pago."), "success")
    return redirect(url_for("treasury.settlement", settlement_id=settlement_id))


@bp.route("/settlements/<int:settlement_id>/reference", methods=["POST"])
@role_required(Role.TREASURER)
def settlement_reference(settlement_id: int):
    """Add or correct a payment's transfer or cheque number (audited; the books stay)."""
    item = get_scoped(Settlement, settlement_id)
    form = ReferenceForm()
    if form.validate_on_submit():
        try:
            set_reference(db.session, item, form.reference.data or "", require_actor())
        except DomainError as error:
            form_error(form, error)
            return _settlement_page(get_scoped(Settlement, settlement_id), form), error.status
        flash(_("Referencia del pago guardada."), "success")
        return redirect(url_for("treasury.settlement", settlement_id=settlement_id))
    return _settlement_page(item, form), 422


@bp.route("/settlements/<int:settlement_id>/comprobante.pdf")
@role_required(*TREASURY)
def remittance_pdf(settlement_id: int):
    item = get_scoped(Settlement, settlement_id)
    document = remittance_data.remittance(db.session, item)
    return pdf_response(render_remittance(document), f"comprobante-pago-{item.id:06d}.pdf")
