"""Shops on the web: the admin's shop pages, and the shopkeeper's phone flow
(scan → voucher → charge → receipt, today's list, void)."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from voucher.auth.access import parish_id, require_actor, role_required
from voucher.auth.models import Role, User
from voucher.auth.views import safe_next
from voucher.dates import local_today
from voucher.errors import (
    DomainError,
    Duplicate,
    IdempotencyMismatch,
    RateLimited,
    ValidationFailed,
)
from voucher.extensions import db
from voucher.forms import put_errors
from voucher.i18n import parish_timezone
from voucher.money import format_clp, format_number, parse_clp
from voucher.parishes.models import Parish
from voucher.programs.models import category_label
from voucher.shops import redemption as redemptions
from voucher.shops import services
from voucher.shops.forms import (
    EnrolByRutForm,
    EnrolmentForm,
    RedeemForm,
    ShopForm,
    ShopkeeperForm,
    VoidForm,
)
from voucher.shops.models import Shop
from voucher.sqlite import reads_then_writes
from voucher.vouchers import rules
from voucher.vouchers.codes import CodeTypo, format_code, normalize_code
from voucher.vouchers.keys import code_keys
from voucher.vouchers.models import Redemption, RedemptionStatus

bp = Blueprint("shops", __name__, url_prefix="/shops")

# Amount problems keep the amount form on screen: the voucher itself is fine.
AMOUNT_REASONS = {"bad_amount", "insufficient_balance"}


def _limits() -> redemptions.Limits:
    return redemptions.limits_from_config(current_app.config)


# --- admin: the parish's shops ---------------------------------------------------------


def _shop_input(form: ShopForm) -> services.ShopInput:
    return services.ShopInput(
        name=form.name.data or "",
        rut=form.rut.data or "",
        categories=form.categories(),
        owner_name=form.owner_name.data or "",
        address=form.address.data or "",
        phone=form.phone.data or "",
        payment_details=form.payment_details.data or "",
    )


SHOP_FIELD_ALIASES = {"categories": "food"}


def _render_index(enrol_form: EnrolByRutForm, status: int = 200):
    rows = db.session.execute(services.parish_shops(db.session, parish_id())).all()
    keepers = dict(
        db.session.execute(
            sa.select(User.shop_id, sa.func.count())
            .where(User.shop_id.in_([shop.id for shop, _enrolled in rows]), User.active)
            .group_by(User.shop_id)
        ).all()
    )
    return (
        render_template("shops/index.html", rows=rows, keepers=keepers, enrol_form=enrol_form),
        status,
    )


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    return _render_index(EnrolByRutForm())


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    user = require_actor()
    form = ShopForm()
    existing = None
    if form.validate_on_submit():
        try:
            shop = services.create_shop(db.session, _shop_input(form), user)
            services.enrol_shop(db.session, shop, parish_id(), user)
            db.session.commit()
            flash(_("Comercio registrado y adherido a la parroquia."), "success")
            return redirect(url_for("shops.detail", shop_id=shop.id))
        except ValidationFailed as error:
            db.session.rollback()
            put_errors(form, error, SHOP_FIELD_ALIASES)
        except Duplicate as error:
            db.session.rollback()
            form.rut.errors = [*form.rut.errors, error.detail]
            existing = db.session.get(Shop, error.existing_id)
    status = 422 if form.errors else 200
    return render_template(
        "shops/form.html", form=form, shop=None, existing=existing, enrol_form=EnrolByRutForm()
    ), status


@bp.route("/enrol", methods=["POST"])
@role_required(Role.ADMIN)
def enrol():
    """Enrol a shop another parish registered, found by its RUT."""
    user = require_actor()
    form = EnrolByRutForm()
    if form.validate_on_submit():
        try:
            shop = services.find_shop_by_rut(db.session, form.rut.data)
            services.enrol_shop(db.session, shop, parish_id(), user)
            db.session.commit()
            message = _("%(name)s ya participa en los vales de la parroquia.", name=shop.name)
            flash(message, "success")
            return redirect(url_for("shops.detail", shop_id=shop.id))
        except ValidationFailed as error:
            db.session.rollback()
            put_errors(form, error)
        except DomainError as error:
            db.session.rollback()
            form.rut.errors = [*form.rut.errors, error.detail]
    return _render_index(form, 422)


@bp.route("/<int:shop_id>")
@role_required(Role.ADMIN)
def detail(shop_id: int):
    return _render_detail(services.get_parish_shop(db.session, parish_id(), shop_id))


def _render_detail(shop: Shop, keeper_form: ShopkeeperForm | None = None, status: int = 200):
    link = services.enrolment(db.session, shop, parish_id())
    return render_template(
        "shops/detail.html",
        shop=shop,
        enrolled=bool(link and link.active),
        keepers=services.shopkeepers(db.session, shop),
        keeper_form=keeper_form or ShopkeeperForm(),
        enrolment_form=EnrolmentForm(),
    ), status


@bp.route("/<int:shop_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(shop_id: int):
    user = require_actor()
    shop = services.get_parish_shop(db.session, parish_id(), shop_id)
    form = ShopForm(
        data=None
        if request.method == "POST"
        else {
            "name": shop.name,
            "rut": shop.rut,
            "owner_name": shop.owner_name,
            "address": shop.address,
            "phone": shop.phone,
            "food": shop.accepts_food,
            "hygiene": shop.accepts_hygiene,
            "payment_details": shop.payment_details,
        }
    )
    if form.validate_on_submit():
        try:
            services.update_shop(db.session, shop, _shop_input(form), user)
            db.session.commit()
            flash(_("Datos del comercio guardados."), "success")
            return redirect(url_for("shops.detail", shop_id=shop.id))
        except ValidationFailed as error:
            db.session.rollback()
            put_errors(form, error, SHOP_FIELD_ALIASES)
        except Duplicate as error:
            db.session.rollback()
            form.rut.errors = [*form.rut.errors, error.detail]
    status = 422 if form.errors else 200
    return render_template("shops/form.html", form=form, shop=shop, existing=None), status


@bp.route("/<int:shop_id>/enrolment", methods=["POST"])
@role_required(Role.ADMIN)
def enrolment(shop_id: int):
    user = require_actor()
    shop = services.get_parish_shop(db.session, parish_id(), shop_id)
    form = EnrolmentForm()
    if form.validate_on_submit():
        active = form.active.data == "1"
        services.set_enrolment_active(db.session, shop, parish_id(), active, user)
        db.session.commit()
        if active:
            flash(_("El comercio vuelve a recibir vales de la parroquia."), "success")
        else:
            flash(_("El comercio ya no puede recibir vales de la parroquia."), "success")
    return redirect(url_for("shops.detail", shop_id=shop.id))


@bp.route("/<int:shop_id>/shopkeepers", methods=["POST"])
@role_required(Role.ADMIN)
def add_shopkeeper(shop_id: int):
    user = require_actor()
    shop = services.get_parish_shop(db.session, parish_id(), shop_id)
    form = ShopkeeperForm()
    if form.validate_on_submit():
        try:
            keeper = services.create_shopkeeper(
                db.session,
                shop,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                user=user,
            )
            db.session.commit()
            flash(_("Cuenta creada para %(email)s.", email=keeper.email), "success")
            return redirect(url_for("shops.detail", shop_id=shop.id))
        except ValidationFailed as error:
            db.session.rollback()
            put_errors(form, error)
        except Duplicate as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, error.detail]
    return _render_detail(shop, form, 422)


# --- the shopkeeper's phone -------------------------------------------------------------


def _my_shop() -> Shop:
    return db.session.get(Shop, require_actor().shop_id)


def _scanner() -> redemptions.Scanner:
    return redemptions.Scanner(require_actor(), _my_shop(), request.remote_addr)


def _today_summary(shop: Shop) -> dict[str, Any]:
    tz = parish_timezone()
    start, end = redemptions.day_bounds(local_today(tz), tz)
    count, total = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Redemption.amount), 0)).where(
            Redemption.shop_id == shop.id,
            Redemption.status == RedemptionStatus.COMMITTED,
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
    ).one()
    text = ngettext("Hoy: %(num)s canje", "Hoy: %(num)s canjes", count)
    return {"count": count, "total": int(total), "text": f"{text} · {format_clp(int(total))}"}


@bp.route("/scan")
@role_required(Role.SHOPKEEPER)
def scan():
    return render_template("shops/scan.html", summary=_today_summary(_my_shop()))


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


def _refusal_title(reason: str) -> str:
    return str(REFUSAL_TITLES.get(reason, _l("VALE NO VÁLIDO")))


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
):
    """The voucher screen: valid (with the amount form), or refused with its reason."""
    amount_problem = refusal is not None and refusal.reason in AMOUNT_REASONS
    if amount_problem and form is not None:
        form.amount.errors = [*form.amount.errors, refusal.detail]
    typed = parse_clp(form.amount.data) if form is not None else None
    response = current_app.make_response(
        (
            render_template(
                "shops/voucher.html",
                voucher=voucher,
                parish=parish,
                refusal=None if amount_problem else refusal,
                title=_refusal_title(refusal.reason) if refusal is not None else "",
                form=form,
                charge_label=_("COBRAR %(amount)s", amount=format_clp(typed))
                if typed
                else _("COBRAR"),
                category=category_label(voucher.category) if voucher else "",
            ),
            status,
        )
    )
    if isinstance(refusal, RateLimited):
        response.headers["Retry-After"] = str(refusal.retry_after)
    return response


@bp.route("/voucher")
@reads_then_writes  # every lookup is kept in the scan log: its only write
@role_required(Role.SHOPKEEPER)
def voucher():
    code = (request.args.get("code") or "").strip()
    if not code:
        flash(_("Escriba el código del vale o escanee el QR."), "error")
        return redirect(url_for("shops.scan"))
    try:
        seen = redemptions.lookup(
            db.session, _scanner(), code[:300], keys=code_keys(), limits=_limits()
        )
    except RateLimited as refusal:
        return _voucher_page(refusal=refusal, status=429)
    except rules.RedemptionRefused as refusal:
        voucher = getattr(refusal, "voucher", None)
        parish = db.session.get(Parish, voucher.parish_id) if voucher is not None else None
        return _voucher_page(voucher=voucher, parish=parish, refusal=refusal, status=refusal.status)
    db.session.commit()
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
        done, _replayed = redemptions.redeem(
            db.session,
            _scanner(),
            form.code.data,
            parse_clp(form.amount.data),
            idempotency_key=form.key.data,
            keys=code_keys(),
            limits=_limits(),
        )
    except RateLimited as refusal:
        return _voucher_page(refusal=refusal, status=429)
    except rules.RedemptionRefused as refusal:
        voucher = getattr(refusal, "voucher", None)
        parish = db.session.get(Parish, voucher.parish_id) if voucher is not None else None
        keep_form = form if refusal.reason in AMOUNT_REASONS else None
        return _voucher_page(
            voucher=voucher, parish=parish, refusal=refusal, form=keep_form, status=refusal.status
        )
    except IdempotencyMismatch as error:
        db.session.rollback()
        flash(error.detail, "error")
        return redirect(url_for("shops.voucher", code=form.code.data))
    db.session.commit()
    return redirect(url_for("shops.receipt", redemption_id=done.id))


@bp.route("/receipts/<int:redemption_id>")
@role_required(Role.SHOPKEEPER)
def receipt(redemption_id: int):
    done = redemptions.get_redemption(db.session, require_actor(), redemption_id)
    limits = _limits()
    return render_template(
        "shops/receipt.html",
        redemption=done,
        voucher=done.voucher,
        can_void=redemptions.shop_can_void(done, limits),
        deadline=redemptions.void_deadline(done, limits),
    )


@bp.route("/today")
@role_required(Role.SHOPKEEPER)
def today():
    shop = _my_shop()
    tz = parish_timezone()
    day = local_today(tz)
    start, end = redemptions.day_bounds(day, tz)
    rows = redemptions.shop_day(db.session, shop.id, start, end)
    limits = _limits()
    return render_template(
        "shops/today.html",
        day=day,
        rows=rows,
        summary=_today_summary(shop),
        voidable={r.id for r in rows if redemptions.shop_can_void(r, limits)},
        deadline=lambda r: redemptions.void_deadline(r, limits),
    )


@bp.route("/redemptions/<int:redemption_id>/void", methods=["POST"])
@role_required(Role.SHOPKEEPER, Role.TREASURER)
def void(redemption_id: int):
    """The shop within its window, the parish treasurer at any time (another page of
    the treasurer may post here too, with ``next`` to come back to it)."""
    user = require_actor()
    done = redemptions.get_redemption(db.session, user, redemption_id)
    form = VoidForm()
    if form.validate_on_submit():
        try:
            redemptions.void_redemption(
                db.session, done, user=user, reason=form.reason.data or "", limits=_limits()
            )
            db.session.commit()
            flash(_("Canje anulado: el monto volvió al vale."), "success")
        except DomainError as error:
            db.session.rollback()
            flash(error.detail, "error")
    default = (
        url_for("shops.receipt", redemption_id=done.id)
        if user.role == Role.SHOPKEEPER
        else url_for("treasury.index")
    )
    return redirect(safe_next(form.next.data) or default)
