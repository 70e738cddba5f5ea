"""The admin's shop pages: the parish's shops, registering and editing one, asking to
join one another parish registered, pausing it, and its shopkeepers' accounts. Only the
owning parish (the one that registered the shop) edits it and makes its accounts; the
owning parish's admin or the shop's shopkeeper answers another parish's request."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from voucher.auth.access import parish_id, require_actor, role_required
from voucher.auth.access import shop_id as own_shop_id
from voucher.auth.models import Role
from voucher.errors import DomainError, Duplicate, ValidationFailed
from voucher.extensions import db
from voucher.forms import form_error
from voucher.parishes.models import Parish
from voucher.shops import pairing, queries, services, sharing
from voucher.shops.device_forms import PairingForm, UnlinkForm
from voucher.shops.forms import (
    DecideForm,
    EnrolByRutForm,
    EnrolmentForm,
    ShopContactForm,
    ShopForm,
    ShopkeeperForm,
)
from voucher.shops.models import Shop, ShopJoinRequest
from voucher.shops.views.blueprint import bp

SHOP_FIELD_ALIASES = {"categories": "food"}


def _shop_input(form: ShopForm) -> services.ShopInput:
    return services.ShopInput(
        name=form.name.data or "",
        rut=form.rut.data or "",
        categories=form.categories(),
        owner_name=form.owner_name.data or "",
        address=form.address.data or "",
        phone=form.phone.data or "",
        payment_details=form.payment_details.data or "",
        bank_name=form.bank_name.data or "",
        account_type=form.account_type.data or "",
        account_number=form.account_number.data or "",
        payment_email=form.payment_email.data or "",
    )


def _render_index(enrol_form: EnrolByRutForm, status: int = 200):
    pid = parish_id()
    rows = queries.parish_shop_rows(db.session, pid)
    owned = {shop.id for shop, _enrolled in rows if services.owns(shop, pid)}
    keepers = queries.active_shopkeepers(db.session, sorted(owned))
    incoming = sharing.requests_to_decide(db.session, require_actor())
    return (
        render_template(
            "shops/index.html",
            rows=rows,
            owned=owned,
            keepers=keepers,
            enrol_form=enrol_form,
            incoming=incoming,
            sent=sharing.requests_sent(db.session, pid),
            parish_names=_parish_names([r.parish_id for r in incoming]),
            decide_form=DecideForm(),
        ),
        status,
    )


def _parish_names(ids: list[int]) -> dict[int, str]:
    return {i: db.session.get(Parish, i).name for i in set(ids)}


@bp.route("/")
@role_required(Role.ADMIN, Role.TREASURER)  # the treasurer reads, to pay the shops
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
            flash(_("Comercio registrado y adherido a la parroquia."), "success")
            return redirect(url_for("shops.detail", shop_id=shop.id))
        except (ValidationFailed, Duplicate) as error:
            form_error(form, error, SHOP_FIELD_ALIASES, field="rut")
            if isinstance(error, Duplicate):
                existing = db.session.get(Shop, error.existing_id)
    status = 422 if form.errors else 200
    return render_template(
        "shops/form.html", form=form, shop=None, existing=existing, enrol_form=EnrolByRutForm()
    ), status


@bp.route("/enrol", methods=["POST"])
@role_required(Role.ADMIN)
def enrol():
    """Ask to join a shop another parish registered, found by its RUT (or resume one the
    parish paused)."""
    user = require_actor()
    form = EnrolByRutForm()
    if form.validate_on_submit():
        try:
            shop = services.find_shop_by_rut(db.session, form.rut.data)
            answer = sharing.take_part(db.session, shop, parish_id(), user)
            if isinstance(answer, ShopJoinRequest):
                message = _(
                    "Solicitud enviada a %(name)s. Participará en los vales de la parroquia "
                    "cuando el comercio o la parroquia que lo registró la acepte.",
                    name=shop.name,
                )
                flash(message, "success")
                return redirect(url_for("shops.index"))
            message = _("%(name)s ya participa en los vales de la parroquia.", name=shop.name)
            flash(message, "success")
            return redirect(url_for("shops.detail", shop_id=shop.id))
        except DomainError as error:
            form_error(form, error, field="rut")
    return _render_index(form, 422)


@bp.route("/<int:shop_id>")
@role_required(Role.ADMIN, Role.TREASURER)  # the treasurer reads, to pay the shops
def detail(shop_id: int):
    return _render_detail(queries.get_parish_shop(db.session, parish_id(), shop_id))


def _render_detail(shop: Shop, keeper_form: ShopkeeperForm | None = None, status: int = 200):
    """The owning parish sees all of the shop; a parish that joined it sees its name,
    address, categories and its own enrolment."""
    pid = parish_id()
    link = queries.enrolment(db.session, shop, pid)
    owned = services.owns(shop, pid)
    incoming = (
        [r for r in sharing.requests_to_decide(db.session, require_actor()) if r.shop_id == shop.id]
        if owned
        else []
    )
    return render_template(
        "shops/detail.html",
        shop=shop,
        owned=owned,
        enrolled=bool(link and link.active),
        keepers=queries.shopkeepers(db.session, shop) if owned else [],
        keeper_form=keeper_form or ShopkeeperForm(),
        enrolment_form=EnrolmentForm(),
        parishes=queries.shop_parish_names(db.session, shop.id) if owned else [],
        incoming=incoming,
        parish_names=_parish_names([r.parish_id for r in incoming]),
        decide_form=DecideForm(),
        devices=pairing.shop_devices(db.session, shop.id) if owned else [],
        pair_form=PairingForm(),
        unlink_form=UnlinkForm(),
        can_edit=require_actor().role == Role.ADMIN,
        account_type_label=services.account_type_label,
    ), status


def _shop_form(shop: Shop) -> ShopForm:
    """The form as posted, or filled with the shop's data."""
    if request.method == "POST":
        return ShopForm()
    return ShopForm(
        data={
            "name": shop.name,
            "rut": shop.rut,
            "owner_name": shop.owner_name,
            "address": shop.address,
            "phone": shop.phone,
            "food": shop.accepts_food,
            "hygiene": shop.accepts_hygiene,
            "payment_details": shop.payment_details,
            "bank_name": shop.bank_name,
            "account_type": shop.account_type,
            "account_number": shop.account_number,
            "payment_email": shop.payment_email,
        }
    )


@bp.route("/<int:shop_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(shop_id: int):
    user = require_actor()
    shop = services.get_owned_shop(db.session, parish_id(), shop_id)
    form = _shop_form(shop)
    if form.validate_on_submit():
        try:
            services.update_shop(db.session, shop, _shop_input(form), user)
            flash(_("Datos del comercio guardados."), "success")
            return redirect(url_for("shops.detail", shop_id=shop.id))
        except (ValidationFailed, Duplicate) as error:
            form_error(form, error, SHOP_FIELD_ALIASES, field="rut")
    status = 422 if form.errors else 200
    return render_template("shops/form.html", form=form, shop=shop, existing=None), status


@bp.route("/<int:shop_id>/enrolment", methods=["POST"])
@role_required(Role.ADMIN)
def enrolment(shop_id: int):
    user = require_actor()
    shop = queries.get_parish_shop(db.session, parish_id(), shop_id)
    form = EnrolmentForm()
    if form.validate_on_submit():
        active = form.active.data == "1"
        services.set_enrolment_active(db.session, shop, parish_id(), active, user)
        if active:
            flash(_("El comercio vuelve a recibir vales de la parroquia."), "success")
        else:
            flash(_("El comercio ya no puede recibir vales de la parroquia."), "success")
    return redirect(url_for("shops.detail", shop_id=shop.id))


@bp.route("/<int:shop_id>/shopkeepers", methods=["POST"])
@role_required(Role.ADMIN)
def add_shopkeeper(shop_id: int):
    user = require_actor()
    shop = services.get_owned_shop(db.session, parish_id(), shop_id)
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
            flash(_("Cuenta creada para %(email)s.", email=keeper.email), "success")
            return redirect(url_for("shops.detail", shop_id=shop.id))
        except (ValidationFailed, Duplicate) as error:
            form_error(form, error, field="email")
    return _render_detail(shop, form, 422)


# --- another parish's request to join ---------------------------------------------------


@bp.route("/requests")
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def requests():
    """The parishes waiting for an answer to join the shop (the shopkeeper's page; the
    admin sees the same on the shops page)."""
    incoming = sharing.requests_to_decide(db.session, require_actor())
    return render_template(
        "shops/requests.html",
        incoming=incoming,
        parish_names=_parish_names([r.parish_id for r in incoming]),
        decide_form=DecideForm(),
    )


@bp.route("/requests/<int:request_id>/accept", methods=["POST"])
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def accept_request(request_id: int):
    """The shop takes the asking parish's vouchers from now on."""
    return _decide(request_id, accept=True)


@bp.route("/requests/<int:request_id>/decline", methods=["POST"])
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def decline_request(request_id: int):
    return _decide(request_id, accept=False)


def _decide(request_id: int, *, accept: bool):
    user = require_actor()
    asked = sharing.get_request_to_decide(db.session, user, request_id)
    form = DecideForm()
    back = url_for("shops.index" if user.role == Role.ADMIN else "shops.requests")
    if not form.validate_on_submit():
        return redirect(back)
    name = db.session.get(Parish, asked.parish_id).name
    try:
        sharing.decide(db.session, asked, accept, user)
    except DomainError as error:
        form_error(form, error)
        return redirect(back)
    if accept:
        flash(_("%(parish)s ya puede pagar con vales en el comercio.", parish=name), "success")
    else:
        flash(_("Solicitud de %(parish)s rechazada.", parish=name), "success")
    return redirect(back)


# --- the shop's own contact and bank details --------------------------------------------


@bp.route("/my-shop", methods=["GET", "POST"])
@role_required(Role.SHOPKEEPER)
def my_shop():
    """The shopkeeper keeps the shop's phone and bank details up to date; every change of
    the bank details is in the owning parish's audit log and on the next statements."""
    user = require_actor()
    shop = db.session.get(Shop, own_shop_id())
    form = (
        ShopContactForm()
        if request.method == "POST"
        else ShopContactForm(data={"phone": shop.phone, "payment_details": shop.payment_details})
    )
    if form.validate_on_submit():
        try:
            services.update_shop_contact(
                db.session,
                shop,
                phone=form.phone.data or "",
                payment_details=form.payment_details.data or "",
                user=user,
            )
            flash(_("Datos del comercio guardados."), "success")
            return redirect(url_for("shops.my_shop"))
        except ValidationFailed as error:
            form_error(form, error)
    status = 422 if form.errors else 200
    return render_template("shops/my_shop.html", shop=shop, form=form), status
