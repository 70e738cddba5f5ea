"""The shopkeeper's phone: scan → voucher → charge → receipt, today's list, and void
(the parish treasurer voids through here too)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from voucher.auth.access import require_actor, role_required, safe_next, shop_id
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.errors import DomainError, IdempotencyMismatch, RateLimited
from voucher.extensions import db
from voucher.forms import form_error
from voucher.i18n import parish_timezone
from voucher.money import format_clp, format_number, parse_clp
from voucher.parishes.models import Parish
from voucher.programs.models import category_label
from voucher.shops import queries, sharing, till
from voucher.shops.forms import RedeemForm, VoidForm
from voucher.shops.views.blueprint import bp
from voucher.shops.voiding import get_redemption, shop_can_void, void_deadline
from voucher.sqlite import reads_then_writes
from voucher.vouchers import rules
from voucher.vouchers.codes import CodeTypo, format_code, normalize_code

SCANNED = "scanned_code"  # the session's key for the code the scan page posted

# Amount problems keep the amount form on screen: the voucher itself is fine.
AMOUNT_REASONS = {"bad_amount", "insufficient_balance"}

REFUSAL_TITLES = {
    "unknown_code": _l("CÓDIGO NO ENCONTRADO"),
    "already_used": _l("VALE YA USADO"),
    "insufficient_balance": _l("SALDO INSUFICIENTE"),
    "expired": _l("VALE VENCIDO"),
    "cancelled": _l("VALE ANULADO"),
    "category_not_accepted": _l("CATEGORÍA NO ACEPTADA"),
    "shop_not_enrolled": _l("COMERCIO NO ADHERIDO"),
    "bad_amount": _l("MONTO NO VÁLIDO"),
    "rate_limited": _l("DEMASIADOS INTENTOS"),
}


def _today_summary() -> dict[str, Any]:
    tz = parish_timezone()
    day = queries.day_total(db.session, shop_id(), local_today(tz), tz)
    text = ngettext("Hoy: %(num)s canje", "Hoy: %(num)s canjes", day.count)
    return {"count": day.count, "total": day.total, "text": f"{text} · {format_clp(day.total)}"}


@bp.route("/scan")
@role_required(Role.SHOPKEEPER)
def scan():
    asking = sharing.requests_to_decide(db.session, require_actor())
    names = [db.session.get(Parish, r.parish_id).name for r in asking]
    return render_template("shops/scan.html", summary=_today_summary(), asking=names)


def _refusal_title(refusal: DomainError) -> str:
    if isinstance(refusal, rules.Replaced):
        return _("VALE REEMPLAZADO")
    return str(REFUSAL_TITLES.get(refusal.reason, _l("VALE NO VÁLIDO")))


def _canonical(code_text: str) -> str:
    try:
        return format_code(normalize_code(code_text))
    except CodeTypo:
        return code_text


def _voucher_page(
    *,
    voucher: Any = None,
    parish: Parish | None = None,
    refusal: DomainError | None = None,
    form: RedeemForm | None = None,
    status: int = 200,
    retype: str = "",
):
    """The voucher screen: valid (with the amount form), or refused with its reason."""
    amount_problem = refusal is not None and refusal.reason in AMOUNT_REASONS
    if amount_problem and form is not None:
        form.amount.errors = [*form.amount.errors, refusal.detail]
    typed = parse_clp(form.amount.data) if form is not None else None
    page = render_template(
        "shops/voucher.html",
        voucher=voucher,
        parish=parish,
        refusal=None if amount_problem else refusal,
        title=_refusal_title(refusal) if refusal is not None else "",
        retype=retype,
        form=form,
        charge_label=_("COBRAR %(amount)s", amount=format_clp(typed)) if typed else _("COBRAR"),
        category=category_label(voucher.category) if voucher else "",
    )
    response = current_app.make_response((page, status))
    if isinstance(refusal, RateLimited):
        response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def _refused_page(refusal: DomainError, form: RedeemForm | None = None, typed: str = ""):
    """The voucher screen for a refused lookup or charge (the refusal is already in the
    scan log); an amount problem keeps the amount form; a code that names no voucher
    comes back in the code field to be corrected."""
    if isinstance(refusal, RateLimited):
        return _voucher_page(refusal=refusal, status=429, retype=typed)
    voucher = getattr(refusal, "voucher", None)
    if voucher is None:
        return _voucher_page(refusal=refusal, status=refusal.status, retype=typed)
    parish = db.session.get(Parish, voucher.parish_id) if voucher is not None else None
    keep_form = form if refusal.reason in AMOUNT_REASONS else None
    return _voucher_page(
        voucher=voucher, parish=parish, refusal=refusal, form=keep_form, status=refusal.status
    )


@bp.route("/voucher", methods=["GET", "POST"])
@reads_then_writes  # every lookup is kept in the scan log: its only write
@role_required(Role.SHOPKEEPER)
def voucher(code: str | None = None):
    """The voucher screen for a typed or scanned code. The scan page posts the code (a
    code in a URL ends up in access logs and browser history), which waits in the
    signed session while the browser is sent on to this page by GET, so that its back
    button and reload work as on any page; the QR's own link (/r/CODE) shows this
    screen to a shopkeeper directly, with ``code``."""
    if request.method == "POST":
        session[SCANNED] = (request.form.get("code") or "").strip()[: till.MAX_CODE_LENGTH]
        return redirect(url_for("shops.voucher"))
    if code is None:
        code = request.args.get("code") or session.get(SCANNED)
    code = (code or "").strip()
    if not code:
        flash(_("Escriba el código del vale o escanee el QR."), "error")
        return redirect(url_for("shops.scan"))
    try:
        seen = till.look_up(code)
    except (RateLimited, rules.RedemptionRefused) as refusal:
        return _refused_page(refusal, typed=code[:64])
    form = None
    if seen.redeemable:
        form = RedeemForm(
            formdata=None,
            code=_canonical(code),
            key=secrets.token_urlsafe(24),
            amount=format_number(seen.voucher.remaining),
        )
    return _voucher_page(voucher=seen.voucher, parish=seen.parish, refusal=seen.refusal, form=form)


@bp.route("/redeem", methods=["POST"])
@reads_then_writes  # the conditional UPDATE and the unique key re-check what was read
@role_required(Role.SHOPKEEPER)
def redeem():
    form = RedeemForm()
    if not form.validate_on_submit():
        flash(_("El formulario llegó incompleto. Escanee el vale otra vez."), "error")
        return redirect(url_for("shops.scan"))
    try:
        done = till.charge(form.code.data, parse_clp(form.amount.data), form.key.data)
    except (RateLimited, rules.RedemptionRefused) as refusal:
        return _refused_page(refusal, form)
    except IdempotencyMismatch as error:
        form_error(form, error)
        session[SCANNED] = form.code.data  # the voucher again, with a fresh key
        return redirect(url_for("shops.voucher"))
    return redirect(url_for("shops.receipt", redemption_id=done.id))


@bp.route("/receipts/<int:redemption_id>")
@role_required(Role.SHOPKEEPER)
def receipt(redemption_id: int):
    done = get_redemption(db.session, require_actor(), redemption_id)
    limits = till.limits()
    return render_template(
        "shops/receipt.html",
        redemption=done,
        voucher=done.voucher,
        can_void=shop_can_void(done, limits),
        deadline=void_deadline(done, limits),
    )


@bp.route("/today")
@role_required(Role.SHOPKEEPER)
def today():
    tz = parish_timezone()
    day = local_today(tz)
    rows = queries.shop_day_list(db.session, shop_id(), day, tz)
    limits = till.limits()
    return render_template(
        "shops/today.html",
        day=day,
        rows=rows,
        summary=_today_summary(),
        voidable={r.id for r in rows if shop_can_void(r, limits)},
        deadline=lambda r: void_deadline(r, limits),
    )


@bp.route("/redemptions/<int:redemption_id>/void", methods=["POST"])
@role_required(Role.SHOPKEEPER, Role.TREASURER)
def void(redemption_id: int):
    """The shop within its window, the parish treasurer at any time (another page of
    the treasurer may post here too, with ``next`` to come back to it)."""
    user = require_actor()
    done = get_redemption(db.session, user, redemption_id)
    form = VoidForm()
    if form.validate_on_submit():
        try:
            till.void(done.id, form.reason.data or "")
            flash(_("Canje anulado: el monto volvió al vale."), "success")
        except DomainError as error:
            form_error(form, error)
    default = (
        url_for("shops.receipt", redemption_id=done.id)
        if user.role == Role.SHOPKEEPER
        else url_for("treasury.index")
    )
    return redirect(safe_next(form.next.data) or default)
