"""Programs on the web: the list, the admin's form, and who is enrolled (from the
program's page, and from the household's page: ``families.enrol``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from voucher.auth.access import get_scoped, parish_id, require_actor, role_required
from voucher.auth.models import Role
from voucher.errors import Conflict, DomainError, Duplicate, ValidationFailed
from voucher.extensions import db
from voucher.families.models import Family
from voucher.families.services import display_document
from voucher.families.views import FAMILY_ROLES
from voucher.families.views import bp as families_bp
from voucher.forms import form_error
from voucher.money import format_number
from voucher.programs import queries, services
from voucher.programs.forms import EnrolFamilyForm, EnrolForm, ProgramForm
from voucher.programs.models import Program

bp = Blueprint("programs", __name__, url_prefix="/programs")

PER_PAGE = 25
MAX_QUERY = 100


def _form_failed(form: ProgramForm, error: DomainError) -> None:
    """Field errors next to their fields (a taken name next to the name), and the
    refusal at the top of the page."""
    form_error(form, error, field="name")
    flash(error.detail, "error")


@bp.route("/")
@role_required(Role.ADMIN, Role.STAFF, Role.TREASURER)
def index():
    user = require_actor()
    return render_template(
        "programs/index.html",
        programs=queries.list_programs(db.session, parish_id()),
        can_open=user.role in (Role.ADMIN, Role.STAFF),
        is_admin=user.role == Role.ADMIN,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    form = ProgramForm()
    if form.validate_on_submit():
        try:
            program = services.create_program(
                db.session, parish_id(), form.to_input(), require_actor()
            )
        except (ValidationFailed, Duplicate) as error:
            _form_failed(form, error)
        else:
            flash(_("Programa creado."), "success")
            return redirect(url_for(".detail", program_id=program.id))
    return render_template("programs/form.html", form=form, program=None)


@bp.route("/<int:program_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(program_id: int):
    program = get_scoped(Program, program_id)
    form = ProgramForm(obj=program)
    if form.validate_on_submit():
        try:
            services.update_program(db.session, program, form.to_input(), require_actor())
        except (ValidationFailed, Duplicate) as error:
            _form_failed(form, error)
        else:
            flash(_("Programa guardado."), "success")
            return redirect(url_for(".detail", program_id=program.id))
    elif request.method == "GET":
        form.voucher_amount.data = format_number(program.voucher_amount)
        form.extra_member_amount.data = format_number(program.extra_member_amount)
        cap = program.voucher_amount_cap
        form.voucher_amount_cap.data = format_number(cap) if cap is not None else ""
    return render_template("programs/form.html", form=form, program=program)


@bp.route("/<int:program_id>")
@role_required(Role.ADMIN, Role.STAFF)
def detail(program_id: int):
    program = get_scoped(Program, program_id)
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    page = queries.enrolled_page(
        program, page=request.args.get("page", type=int), per_page=PER_PAGE
    )
    return render_template(
        "programs/detail.html",
        program=program,
        page=page,
        q=q,
        candidates=queries.enrolment_candidates(db.session, program, q),
        enrol_form=EnrolFamilyForm(),
        display_document=display_document,
        is_admin=require_actor().role == Role.ADMIN,
    )


def _enrol(program: Program, family: Family, form: EnrolForm | EnrolFamilyForm) -> bool:
    """Enrol through a page's form; a refusal is shown at the top of the next page."""
    try:
        services.enrol_family(db.session, program, family, require_actor())
    except Conflict as error:
        form_error(form, error)
        return False
    return True


@bp.route("/<int:program_id>/enrolments", methods=["POST"])
@role_required(Role.ADMIN, Role.STAFF)
def enrol(program_id: int):
    program = get_scoped(Program, program_id)
    form = EnrolFamilyForm()
    if form.validate_on_submit():
        raw = (form.family_id.data or "").strip()
        family = get_scoped(Family, int(raw)) if raw.isdigit() else None
        if family is None:
            flash(_("Elija una familia."), "error")
        elif _enrol(program, family, form):
            flash(_("La familia de %(name)s quedó inscrita.", name=family.head_name), "success")
    return redirect(url_for(".detail", program_id=program.id))


@families_bp.route("/<int:family_id>/enrol", methods=["POST"], endpoint="enrol")
@role_required(*FAMILY_ROLES)
def enrol_from_family_page(family_id: int):
    family = get_scoped(Family, family_id)
    form = EnrolForm()
    if form.validate_on_submit():
        raw = (form.program_id.data or "").strip()
        if not raw.isdigit():
            flash(_("Elija un programa."), "error")
            return redirect(url_for("families.detail", family_id=family.id))
        program = get_scoped(Program, int(raw))
        if _enrol(program, family, form):
            flash(_("Familia inscrita en %(program)s.", program=program.name), "success")
    return redirect(url_for("families.detail", family_id=family.id))
