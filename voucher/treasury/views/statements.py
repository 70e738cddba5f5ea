"""Shop statements: the treasurer's page of one shop (where a redemption can be voided)
and its downloads, and the shopkeeper's own statement in each parish."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from voucher.auth.access import get_scoped, require_actor, role_required, shop_id
from voucher.auth.models import Role
from voucher.dates import DEFAULT_TZ
from voucher.errors import DomainError, ValidationFailed
from voucher.extensions import db
from voucher.forms import put_errors
from voucher.money import format_clp
from voucher.parishes.models import Parish
from voucher.shops.models import Shop
from voucher.shops.redemption import void_redemption
from voucher.treasury import statement as statement_data
from voucher.treasury.documents import statement_totals
from voucher.treasury.forms import PeriodForm, ReasonForm
from voucher.treasury.statement_files import statement_file, statement_scope
from voucher.treasury.views.common import PERIOD_ALIASES, TREASURY, bp, default_period, refused
from voucher.vouchers.models import Redemption


def _statement_or_errors(form: PeriodForm, parish: Parish, shop: Shop):
    try:
        return statement_data.shop_statement(
            db.session, parish, shop, form.date_from.data, form.date_to.data
        )
    except ValidationFailed as error:
        put_errors(form, error, PERIOD_ALIASES)
        return None


@bp.route("/shops/<int:shop_id>/statement")
@role_required(*TREASURY)
def shop_statement(shop_id: int):
    user = require_actor()
    parish, shop = statement_scope(db.session, user, shop_id)
    form = PeriodForm(request.args)
    default_period(form, parish.timezone)
    valid = not request.args or form.validate()
    result = _statement_or_errors(form, parish, shop) if valid else None
    return (
        render_template(
            "treasury/statement.html",
            shop=shop,
            form=form,
            result=result,
            totals=statement_totals(result.statement) if result else None,
            can_void=user.role == Role.TREASURER,
            void_form=ReasonForm(),
        ),
        200 if result else 422,
    )


def _download(shop_id_: int, kind: str, parish_id: int | None = None) -> Response:
    """The statement the actor may read, for the period in the query string."""
    parish, shop = statement_scope(db.session, require_actor(), shop_id_, parish_id=parish_id)
    form = PeriodForm(request.args)
    if not form.validate():
        raise ValidationFailed(
            [(name, message) for name, errors in form.errors.items() for message in errors]
        )
    sep = ";" if request.args.get("sep", ";") == ";" else ","
    return statement_file(
        db.session, parish, shop, form.date_from.data, form.date_to.data, kind=kind, sep=sep
    )


@bp.route("/shops/<int:shop_id>/statement.pdf")
@role_required(*TREASURY)
def shop_statement_pdf(shop_id: int):
    return _download(shop_id, "pdf")


@bp.route("/shops/<int:shop_id>/statement.csv")
@role_required(*TREASURY)
def shop_statement_csv(shop_id: int):
    return _download(shop_id, "csv")


@bp.route("/redemptions/<int:redemption_id>/void", methods=["POST"])
@role_required(Role.TREASURER)
def void(redemption_id: int):
    redemption = get_scoped(Redemption, redemption_id)
    form = ReasonForm()
    back = url_for(
        "treasury.shop_statement",
        shop_id=redemption.shop_id,
        date_from=request.form.get("date_from") or None,
        date_to=request.form.get("date_to") or None,
    )
    if not form.validate_on_submit():
        flash(_("Escriba el motivo de la anulación."), "error")
        return redirect(back)
    try:
        void_redemption(db.session, redemption, user=require_actor(), reason=form.reason.data)
    except DomainError as error:
        refused(error)
    else:
        flash(
            _(
                "Canje N° %(no)s anulado: %(amount)s vuelven al vale.",
                no=f"{redemption.id:06d}",
                amount=format_clp(redemption.amount),
            ),
            "success",
        )
    return redirect(back)


@bp.route("/my-statement")
@role_required(Role.SHOPKEEPER)
def my_statement():
    shop = db.session.get(Shop, shop_id())
    parishes = statement_data.shop_parishes(db.session, shop.id)
    form = PeriodForm(request.args)
    default_period(form, parishes[0].timezone if parishes else DEFAULT_TZ)
    valid = not request.args or form.validate()
    statements = []
    if valid:
        for parish in parishes:
            result = _statement_or_errors(form, parish, shop)
            if result is None:
                valid = False
                break
            statements.append((parish, result.statement, statement_totals(result.statement)))
    return (
        render_template("treasury/my_statement.html", shop=shop, form=form, statements=statements),
        200 if valid else 422,
    )


@bp.route("/my-statement/<int:parish_id_>.pdf")
@role_required(Role.SHOPKEEPER)
def my_statement_pdf(parish_id_: int):
    return _download(shop_id(), "pdf", parish_id_)


@bp.route("/my-statement/<int:parish_id_>.csv")
@role_required(Role.SHOPKEEPER)
def my_statement_csv(parish_id_: int):
    return _download(shop_id(), "csv", parish_id_)
