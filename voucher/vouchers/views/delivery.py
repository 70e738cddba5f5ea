"""Handing the papers out on the web: a round's or one voucher's delivery list (PDF and
CSV, in print order) and the one-tap "entregado" per paper."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from voucher.auth.access import get_scoped, require_actor, role_required, safe_next
from voucher.errors import DomainError
from voucher.extensions import db
from voucher.forms import form_error
from voucher.responses import csv_response, pdf_response
from voucher.vouchers import delivery
from voucher.vouchers.forms import DeliveryForm
from voucher.vouchers.models import Round, Voucher
from voucher.vouchers.views.common import WRITERS, bp, today


def _separator() -> str:
    return ";" if request.args.get("sep") == ";" else ","


@bp.route("/rounds/<int:round_id>/delivery.pdf")
@role_required(*WRITERS)
def round_delivery_pdf(round_id: int):
    listing = delivery.round_delivery(db.session, get_scoped(Round, round_id), today=today())
    return pdf_response(delivery.delivery_pdf(listing), f"{listing.filename}.pdf")


@bp.route("/rounds/<int:round_id>/delivery.csv")
@role_required(*WRITERS)
def round_delivery_csv(round_id: int):
    listing = delivery.round_delivery(db.session, get_scoped(Round, round_id), today=today())
    return csv_response(delivery.delivery_csv(listing, _separator()), f"{listing.filename}.csv")


@bp.route("/<int:voucher_id>/delivery.pdf")
@role_required(*WRITERS)
def voucher_delivery_pdf(voucher_id: int):
    listing = delivery.voucher_delivery(db.session, get_scoped(Voucher, voucher_id))
    return pdf_response(delivery.delivery_pdf(listing), f"{listing.filename}.pdf")


@bp.route("/<int:voucher_id>/delivery.csv")
@role_required(*WRITERS)
def voucher_delivery_csv(voucher_id: int):
    listing = delivery.voucher_delivery(db.session, get_scoped(Voucher, voucher_id))
    return csv_response(delivery.delivery_csv(listing, _separator()), f"{listing.filename}.csv")


@bp.route("/<int:voucher_id>/delivered", methods=["POST"])
@role_required(*WRITERS)
def delivered(voucher_id: int):
    voucher = get_scoped(Voucher, voucher_id)
    form = DeliveryForm()
    back = safe_next(form.next.data) or url_for(".detail", voucher_id=voucher_id)
    if not form.validate_on_submit():
        expired = _("El formulario expiró. Recargue la página e intente de nuevo.")
        flash((form.note.errors or [expired])[0], "error")
        return redirect(back)
    try:
        delivery.mark_delivered(
            db.session, voucher, user=require_actor(), today=today(), note=form.note.data
        )
    except DomainError as error:
        form_error(form, error)
        for message in form.note.errors:
            flash(message, "error")
        return redirect(back)
    flash(_("Vale %(serial)s entregado.", serial=voucher.serial), "success")
    return redirect(back)
