"""Households on the web: search, register, edit, enrol, and the privacy actions."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import SelectChoice

from voucher.auth.access import get_scoped, parish_id, require_actor, role_required
from voucher.auth.forms import EmptyForm
from voucher.auth.models import Role, User
from voucher.dates import local_today
from voucher.errors import Conflict, DomainError, Duplicate, ValidationFailed
from voucher.extensions import db
from voucher.families import services
from voucher.families.forms import EnrolForm, FamilyForm, NewFamilyForm, show_errors
from voucher.families.models import DocumentType, Family
from voucher.programs.models import Program
from voucher.programs.services import enrol_family, programs_open_to
from voucher.sqlite import writes_database
from voucher.vouchers.rules import effective_status
from voucher.vouchers.services import state_of

bp = Blueprint("families", __name__, url_prefix="/families")

FAMILY_ROLES = (Role.STAFF, Role.ADMIN)
PER_PAGE = 25
MAX_QUERY = 100


def _endpoint_exists(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def _form_failed(form: FamilyForm, error: DomainError) -> None:
    db.session.rollback()
    if isinstance(error, Duplicate):
        link = url_for(".detail", family_id=error.existing_id)
        form.document_number.errors = [
            *form.document_number.errors,
            Markup('{} <a href="{}">{}</a>').format(
                error.detail, link, _("Ver la familia ya registrada")
            ),
        ]
        flash(_("Este documento ya está registrado en la parroquia."), "error")
    else:
        show_errors(form, error)


@bp.route("/")
@role_required(*FAMILY_ROLES)
def index():
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    page = db.paginate(
        services.search(db.session, parish_id(), q), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "families/index.html", page=page, q=q, display_document=services.display_document
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*FAMILY_ROLES)
def new():
    form = NewFamilyForm()
    if form.validate_on_submit():
        try:
            family = services.create_family(
                db.session, parish_id(), form.to_input(), require_actor()
            )
        except (ValidationFailed, Duplicate) as error:
            _form_failed(form, error)
        else:
            db.session.commit()
            flash(_("Familia registrada."), "success")
            return redirect(url_for(".detail", family_id=family.id))
    elif request.method == "GET":
        form.document_type.data = DocumentType.RUT.value
    return render_template("families/form.html", form=form, family=None)


@bp.route("/<int:family_id>")
@writes_database  # records who viewed the household
@role_required(*FAMILY_ROLES)
def detail(family_id: int):
    family = get_scoped(Family, family_id)
    user = require_actor()
    services.record_view(db.session, family, user)
    db.session.commit()
    today = local_today(user.parish.timezone)
    vouchers = [
        (voucher, effective_status(state_of(voucher), today).value)
        for voucher in services.vouchers_of(db.session, family)
    ]
    enrol_form = EnrolForm()
    enrol_form.program_id.choices = [
        SelectChoice(str(p.id), p.name) for p in programs_open_to(db.session, family)
    ]
    return render_template(
        "families/detail.html",
        family=family,
        document=services.display_document(family),
        consent_by=db.session.get(User, family.consent_by_id) if family.consent_by_id else None,
        enrolments=services.enrolments(db.session, family),
        vouchers=vouchers,
        enrol_form=enrol_form,
        is_admin=user.role == Role.ADMIN,
        can_issue=_endpoint_exists("vouchers.issue"),
        can_link_voucher=_endpoint_exists("vouchers.detail"),
    )


@bp.route("/<int:family_id>/edit", methods=["GET", "POST"])
@writes_database  # records who viewed the household
@role_required(*FAMILY_ROLES)
def edit(family_id: int):
    family = get_scoped(Family, family_id)
    if family.anonymised_at is not None:
        flash(_("Esta familia fue anonimizada: sus datos ya no se pueden editar."), "error")
        return redirect(url_for(".detail", family_id=family.id))
    form = FamilyForm(obj=family)
    if form.validate_on_submit():
        try:
            services.update_family(db.session, family, form.to_input(), require_actor())
        except (ValidationFailed, Duplicate) as error:
            _form_failed(form, error)
        else:
            db.session.commit()
            flash(_("Datos de la familia guardados."), "success")
            return redirect(url_for(".detail", family_id=family.id))
    else:
        # The edit form shows the household's data: that is a view too.
        services.record_view(db.session, family, require_actor())
        db.session.commit()
    return render_template("families/form.html", form=form, family=family)


def _set_active(family_id: int, active: bool) -> Response:
    family = get_scoped(Family, family_id)
    if EmptyForm().validate_on_submit():
        try:
            services.set_active(db.session, family, active, require_actor())
        except Conflict as error:
            db.session.rollback()
            flash(error.detail, "error")
        else:
            db.session.commit()
            flash(_("Familia reactivada.") if active else _("Familia desactivada."), "success")
    return redirect(url_for(".detail", family_id=family_id))


@bp.route("/<int:family_id>/deactivate", methods=["POST"])
@role_required(*FAMILY_ROLES)
def deactivate(family_id: int):
    return _set_active(family_id, False)


@bp.route("/<int:family_id>/reactivate", methods=["POST"])
@role_required(*FAMILY_ROLES)
def reactivate(family_id: int):
    return _set_active(family_id, True)


@bp.route("/<int:family_id>/enrol", methods=["POST"])
@role_required(*FAMILY_ROLES)
def enrol(family_id: int):
    family = get_scoped(Family, family_id)
    form = EnrolForm()
    if form.validate_on_submit():
        raw = (form.program_id.data or "").strip()
        if not raw.isdigit():
            flash(_("Elija un programa."), "error")
            return redirect(url_for(".detail", family_id=family.id))
        program = get_scoped(Program, int(raw))
        try:
            enrol_family(db.session, program, family, require_actor())
        except Conflict as error:
            db.session.rollback()
            flash(error.detail, "error")
        else:
            db.session.commit()
            flash(_("Familia inscrita en %(program)s.", program=program.name), "success")
    return redirect(url_for(".detail", family_id=family.id))


@bp.route("/<int:family_id>/export", methods=["POST"])
@role_required(Role.ADMIN)
def export(family_id: int):
    family = get_scoped(Family, family_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for(".detail", family_id=family.id))
    data = services.export_family(db.session, family, require_actor())
    db.session.commit()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="familia-{family.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<int:family_id>/anonymise", methods=["POST"])
@role_required(Role.ADMIN)
def anonymise(family_id: int):
    family = get_scoped(Family, family_id)
    if EmptyForm().validate_on_submit():
        try:
            services.anonymise_family(db.session, family, require_actor())
        except Conflict as error:
            db.session.rollback()
            flash(error.detail, "error")
        else:
            db.session.commit()
            flash(
                _("Datos personales borrados. Los vales y la contabilidad se conservan."),
                "success",
            )
    return redirect(url_for(".detail", family_id=family.id))
