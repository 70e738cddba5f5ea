"""Voucher sheets from the web: one voucher, a selection from the list, a round. The
printing use-case counts, audits and commits before it draws (vouchers.printing)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from voucher.auth.access import get_scoped, parish_id, role_required
from voucher.errors import DomainError, NotFound
from voucher.extensions import db
from voucher.forms import form_error
from voucher.responses import pdf_response
from voucher.sqlite import writes_database
from voucher.vouchers import printing
from voucher.vouchers.forms import PrintSelectionForm, parse_id
from voucher.vouchers.models import Round, Voucher
from voucher.vouchers.views.common import WRITERS, bp, printer


@bp.route("/<int:voucher_id>/pdf")
@role_required(*WRITERS)
@writes_database
def pdf(voucher_id: int):
    voucher = get_scoped(Voucher, voucher_id)
    filename = f"vale-{voucher.serial}.pdf"  # read before printing commits
    sheets = printing.print_sheets(db.session, [voucher], printer())
    return pdf_response(sheets, filename, no_store=True)


@bp.route("/print", methods=["POST"])
@role_required(*WRITERS)
def print_selected():
    form = PrintSelectionForm()
    if not form.validate_on_submit():
        flash(_("El formulario expiró. Recargue la página e intente de nuevo."), "error")
        return redirect(url_for(".index"))
    ids = [parse_id(text) for text in request.form.getlist("ids")]
    if not ids:
        flash(_("Marque los vales que quiere imprimir."), "error")
        return redirect(request.referrer or url_for(".index"))
    try:
        if None in ids:
            raise NotFound()
        vouchers = printing.vouchers_for_print(db.session, parish_id(), ids)
        sheets = printing.print_sheets(db.session, vouchers, printer())
    except DomainError as error:
        form_error(form, error)
        return redirect(url_for(".index"))
    return pdf_response(sheets, f"vales-{len(vouchers)}.pdf", no_store=True)


@bp.route("/rounds/<int:round_id>/pdf")
@role_required(*WRITERS)
@writes_database
def round_pdf(round_id: int):
    issue = get_scoped(Round, round_id)
    try:
        sheets = printing.print_round(db.session, issue, printer())
    except printing.NothingToPrint as error:
        flash(error.detail, "error")
        return redirect(url_for(".round_detail", round_id=round_id))
    return pdf_response(sheets, f"ronda-{round_id}.pdf", no_store=True)
