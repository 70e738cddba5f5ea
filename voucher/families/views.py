"""Households on the web: search, register, edit, and the privacy actions.

The household's own page (its programs and vouchers), enrolling it and exporting all
that is kept about it belong to this blueprint too, but read the packages above this
one: ``voucher.programs.views`` and ``voucher.vouchers.views.family_page`` add them."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from voucher.auth.access import get_scoped, parish_id, require_actor, role_required
from voucher.auth.forms import EmptyForm
from voucher.auth.models import Role
from voucher.errors import Conflict, DomainError, Duplicate, ValidationFailed
from voucher.extensions import db
from voucher.families import queries, services
from voucher.families.forms import FamilyForm, NewFamilyForm
from voucher.families.models import DocumentType, Family
from voucher.forms import form_error
from voucher.sqlite import writes_database

bp = Blueprint("families", __name__, url_prefix="/families")

FAMILY_ROLES = (Role.STAFF, Role.ADMIN)
PER_PAGE = 25
MAX_QUERY = 100


def _form_failed(form: FamilyForm, error: DomainError) -> None:
    if isinstance(error, services.PossibleDuplicate):
        form_error(form, error, field="other_family_reason")
        link = url_for(".detail", family_id=error.existing_id)
        form.other_family_reason.errors[-1] = Markup('{} <a href="{}">{}</a>').format(
            error.detail, link, _("Abrir la familia ya registrada")
        )
        flash(_("Posible familia duplicada: revise antes de registrar."), "error")
    elif isinstance(error, Duplicate):
        form_error(form, error, field="document_number")
        link = url_for(".detail", family_id=error.existing_id)
        form.document_number.errors[-1] = Markup('{} <a href="{}">{}</a>').format(
            error.detail, link, _("Ver la familia ya registrada")
        )
        flash(_("Este documento ya está registrado en la parroquia."), "error")
    else:
        flash(error.detail, "error")
        form_error(form, error)


@bp.route("/")
@role_required(*FAMILY_ROLES)
def index():
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    page = queries.search_page(
        parish_id(), q, page=request.args.get("page", type=int), per_page=PER_PAGE
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
                db.session,
                parish_id(),
                form.to_input(),
                require_actor(),
                other_family_reason=form.other_family_reason.data or "",
            )
        except (ValidationFailed, Duplicate) as error:
            _form_failed(form, error)
        else:
            flash(_("Familia registrada."), "success")
            if services.check_other_parishes(db.session, family, require_actor()):
                flash(
                    _("Este documento también está inscrito en otra parroquia de la diócesis."),
                    "info",
                )
            return redirect(url_for(".detail", family_id=family.id))
    elif request.method == "GET":
        form.document_type.data = DocumentType.RUT.value
    return render_template("families/form.html", form=form, family=None)


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
            flash(_("Datos de la familia guardados."), "success")
            return redirect(url_for(".detail", family_id=family.id))
    else:
        # The edit form shows the household's data: that is a view too.
        services.record_view(db.session, family, require_actor())
    return render_template("families/form.html", form=form, family=family)


def _set_active(family_id: int, active: bool) -> Response:
    family = get_scoped(Family, family_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.set_active(db.session, family, active, require_actor())
        except Conflict as error:
            form_error(form, error)
        else:
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


@bp.route("/<int:family_id>/anonymise", methods=["POST"])
@role_required(Role.ADMIN)
def anonymise(family_id: int):
    family = get_scoped(Family, family_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.anonymise_family(db.session, family, require_actor())
        except Conflict as error:
            form_error(form, error)
        else:
            flash(
                _("Datos personales borrados. Los vales y la contabilidad se conservan."),
                "success",
            )
    return redirect(url_for(".detail", family_id=family.id))
