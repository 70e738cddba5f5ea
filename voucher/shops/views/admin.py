"""The admin's shop pages: the parish's shops, registering and editing one, enrolling
one another parish registered, pausing it, and its shopkeepers' accounts."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from voucher.auth.access import parish_id, require_actor, role_required
from voucher.auth.models import Role
from voucher.errors import DomainError, Duplicate, ValidationFailed
from voucher.extensions import db
from voucher.forms import form_error
from voucher.shops import queries, services
from voucher.shops.forms import EnrolByRutForm, EnrolmentForm, ShopForm, ShopkeeperForm
from voucher.shops.models import Shop
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
    rows = queries.parish_shop_rows(db.session, parish_id())
    keepers = queries.active_shopkeepers(db.session, [shop.id for shop, _enrolled in rows])
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
    """Enrol a shop another parish registered, found by its RUT."""
    user = require_actor()
    form = EnrolByRutForm()
    if form.validate_on_submit():
        try:
            shop = services.find_shop_by_rut(db.session, form.rut.data)
            services.enrol_shop(db.session, shop, parish_id(), user)
            message = _("%(name)s ya participa en los vales de la parroquia.", name=shop.name)
            flash(message, "success")
            return redirect(url_for("shops.detail", shop_id=shop.id))
        except DomainError as error:
            form_error(form, error, field="rut")
    return _render_index(form, 422)


@bp.route("/<int:shop_id>")
@role_required(Role.ADMIN)
def detail(shop_id: int):
    return _render_detail(queries.get_parish_shop(db.session, parish_id(), shop_id))


def _render_detail(shop: Shop, keeper_form: ShopkeeperForm | None = None, status: int = 200):
    link = queries.enrolment(db.session, shop, parish_id())
    return render_template(
        "shops/detail.html",
        shop=shop,
        enrolled=bool(link and link.active),
        keepers=queries.shopkeepers(db.session, shop),
        keeper_form=keeper_form or ShopkeeperForm(),
        enrolment_form=EnrolmentForm(),
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
    shop = queries.get_parish_shop(db.session, parish_id(), shop_id)
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
    shop = queries.get_parish_shop(db.session, parish_id(), shop_id)
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
