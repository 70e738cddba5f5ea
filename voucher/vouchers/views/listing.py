"""The parish's vouchers: the filtered list, one voucher's page, cancel and replace."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from voucher.auth.access import get_scoped, parish_id, require_actor, role_required
from voucher.errors import DomainError
from voucher.extensions import db
from voucher.families.models import Family
from voucher.forms import form_error
from voucher.programs.models import Program
from voucher.programs.queries import list_programs
from voucher.vouchers import queries, services
from voucher.vouchers.forms import (
    DeliveryForm,
    PrintSelectionForm,
    ReasonForm,
    VoucherFilterForm,
    parse_id,
)
from voucher.vouchers.keys import code_keys
from voucher.vouchers.models import Voucher
from voucher.vouchers.rules import effective_status, state_of
from voucher.vouchers.views.common import (
    PER_PAGE,
    READERS,
    WRITERS,
    bp,
    can_write,
    family_url,
    program_choices,
    today,
)


@bp.route("/")
@role_required(*READERS)
def index():
    pid = parish_id()
    form = VoucherFilterForm(request.args)
    programs = list_programs(db.session, pid)
    form.program.choices = [SelectChoice("", _("Todos")), *program_choices(programs)]
    status = form.status.data if form.status.data in queries.STATUS_FILTERS else None
    day = today()
    page = queries.voucher_page(
        pid,
        today=day,
        page=request.args.get("page", type=int),
        per_page=PER_PAGE,
        status=status,
        program_id=parse_id(form.program.data),
        family_id=parse_id(request.args.get("family_id")),
        serial=(form.serial.data or "")[: queries.SERIAL_SEARCH_MAX],
    )
    families = queries.family_names(db.session, pid, sorted({v.family_id for v in page.items}))
    rows = [(voucher, effective_status(state_of(voucher), day).value) for voucher in page.items]
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "vouchers/index.html",
        form=form,
        page=page,
        rows=rows,
        args=args,
        programs={p.id: p for p in programs},
        families=families,
        family_url=family_url,
        can_write=can_write(),
        print_form=PrintSelectionForm(),
    )


@bp.route("/<int:voucher_id>")
@role_required(*READERS)
def detail(voucher_id: int):
    voucher = get_scoped(Voucher, voucher_id)
    return _detail_page(voucher, ReasonForm(prefix="cancel"), ReasonForm(prefix="replace"))


def _detail_page(voucher: Voucher, cancel_form: ReasonForm, replace_form: ReasonForm):
    status = effective_status(state_of(voucher), today()).value
    user = require_actor()
    return render_template(
        "vouchers/detail.html",
        voucher=voucher,
        status=status,
        family=db.session.get(Family, voucher.family_id),
        family_link=family_url(voucher.family_id) if user.role in WRITERS else None,
        program=db.session.get(Program, voucher.program_id),
        redemptions=queries.redemptions_of(db.session, voucher),
        replacements=queries.replacements_of(db.session, voucher),
        can_write=user.role in WRITERS,
        cancel_form=cancel_form,
        replace_form=replace_form,
        delivery_form=DeliveryForm(formdata=None),
    )


@bp.route("/<int:voucher_id>/cancel", methods=["POST"])
@role_required(*WRITERS)
def cancel(voucher_id: int):
    voucher = get_scoped(Voucher, voucher_id)
    form = ReasonForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            services.cancel_voucher(
                db.session, voucher, reason=form.reason.data, user=require_actor()
            )
        except DomainError as error:
            return _action_failed(voucher_id, error, cancel_form=form)
        flash(_("Vale anulado. Su saldo volvió al fondo del programa."), "success")
    return redirect(url_for(".detail", voucher_id=voucher_id))


@bp.route("/<int:voucher_id>/replace", methods=["POST"])
@role_required(*WRITERS)
def replace(voucher_id: int):
    voucher = get_scoped(Voucher, voucher_id)
    form = ReasonForm(prefix="replace")
    if form.validate_on_submit():
        try:
            services.replace_voucher(
                db.session,
                voucher,
                reason=form.reason.data,
                user=require_actor(),
                keys=code_keys(),
            )
        except DomainError as error:
            return _action_failed(voucher_id, error, replace_form=form)
        flash(
            _("Vale reemplazado: el papel anterior ya no sirve. Imprima el vale nuevo."),
            "success",
        )
    return redirect(url_for(".detail", voucher_id=voucher_id))


def _action_failed(
    voucher_id: int,
    error: DomainError,
    *,
    cancel_form: ReasonForm | None = None,
    replace_form: ReasonForm | None = None,
):
    """The detail page again, with the refused form keeping what was typed."""
    form_error(cancel_form or replace_form, error)
    voucher = get_scoped(Voucher, voucher_id)
    cancel_form = cancel_form or ReasonForm(prefix="cancel", formdata=None)
    replace_form = replace_form or ReasonForm(prefix="replace", formdata=None)
    return _detail_page(voucher, cancel_form, replace_form), error.status
