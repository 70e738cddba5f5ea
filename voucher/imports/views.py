"""Familias → Importar: upload a spreadsheet, read the preview, confirm it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voucher.auth.access import get_scoped, parish_id, require_actor, role_required
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.errors import Conflict, DomainError
from voucher.extensions import db
from voucher.forms import form_error
from voucher.imports import plans, queries, rules, services
from voucher.imports.forms import ConfirmForm, FileForm, UploadForm
from voucher.imports.models import FamilyImport, ImportStatus
from voucher.imports.reading import MAX_BYTES, FileTooLarge
from voucher.responses import attachment, csv_response
from voucher.sqlite import reads_then_writes
from voucher.uploads import accepts_upload, apply_upload_limit

bp = Blueprint("imports", __name__, url_prefix="/families/import")
bp.url_value_preprocessor(apply_upload_limit)

IMPORT_ROLES = (Role.STAFF, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def uploaded_file(form: FileForm) -> tuple[str, bytes] | None:
    """The file's name and its bytes, read up to one byte past the limit (the caller
    refuses a larger one); None, with the message on the form, when no file came."""
    upload_file = form.file.data
    if upload_file is None or not getattr(upload_file, "filename", ""):
        form.file.errors = [_("Elija el archivo de la planilla.")]
        return None
    try:
        return upload_file.filename, upload_file.stream.read(MAX_BYTES + 1)
    finally:
        upload_file.close()


def _program_choices(form: UploadForm) -> None:
    form.program_id.choices = [("", _("No inscribir en un programa"))] + [
        (str(pid), name) for pid, name in queries.program_choices(parish_id(), db.session)
    ]


@bp.route("/", methods=["GET", "POST"])
@accepts_upload(MAX_BYTES)
@role_required(*IMPORT_ROLES)
@reads_then_writes
def upload():
    form = UploadForm()
    _program_choices(form)
    if form.validate_on_submit():
        uploaded = uploaded_file(form)
        if uploaded is not None:
            file_name, data = uploaded
            program = form.program_id.data
            try:
                if len(data) > MAX_BYTES:
                    raise FileTooLarge()
                imp, _plan = services.preview_import(
                    db.session,
                    parish_id(),
                    require_actor(),
                    file_name=file_name,
                    data=data,
                    program_id=int(program) if program and program.isdigit() else None,
                    consent_attested=bool(form.consent_attested.data),
                )
            except DomainError as error:
                form_error(form, error, field="file")
            else:
                return redirect(url_for(".preview", import_id=imp.id))
    return render_template("imports/upload.html", form=form, max_mb=MAX_BYTES // (1024 * 1024))


@bp.route("/<int:import_id>")
@role_required(*IMPORT_ROLES)
def preview(import_id: int):
    imp = get_scoped(FamilyImport, import_id)
    summary = plans.summary_of(imp)
    plan = None
    if imp.status == ImportStatus.PREVIEW:
        try:
            plan = services.plan_of(db.session, imp)
        except Conflict as error:
            flash(error.detail, "error")
    program = queries.program_of(db.session, imp.parish_id, imp.program_id or 0)
    return render_template(
        "imports/preview.html",
        imp=imp,
        plan=plan,
        summary=summary,
        result=plans.result_of(imp),
        program=program,
        form=ConfirmForm(),
        labels=ACTION_LABELS,
    )


ACTION_LABELS = {
    rules.UPDATE: _l("Se actualiza"),
    rules.SKIP: _l("Se omite"),
    rules.REJECT: _l("Rechazada"),
    rules.FLAG: _l("Revisar"),
}


@bp.route("/<int:import_id>/confirm", methods=["POST"])
@role_required(*IMPORT_ROLES)
@reads_then_writes
def confirm(import_id: int):
    imp = get_scoped(FamilyImport, import_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        accept = [int(v) for v in request.form.getlist("accept") if v.isdigit()]
        try:
            result = services.confirm_import(
                db.session, imp, require_actor(), accept_lines=accept, today=local_today()
            )
        except Conflict as error:
            form_error(form, error)
        else:
            flash(
                _(
                    "Importación lista: %(created)s familias registradas, %(updated)s "
                    "actualizadas.",
                    created=result["created"],
                    updated=result["updated"],
                ),
                "success",
            )
    return redirect(url_for(".preview", import_id=import_id))


@bp.route("/<int:import_id>/rejected.csv")
@role_required(*IMPORT_ROLES)
def rejected(import_id: int):
    imp = get_scoped(FamilyImport, import_id)
    try:
        plan = services.plan_of(db.session, imp)
    except Conflict as error:
        flash(error.detail, "error")
        return redirect(url_for(".preview", import_id=import_id))
    return csv_response(plan.rejected_csv(), f"filas-rechazadas-{imp.id}.csv")


@bp.route("/template.xlsx")
@role_required(*IMPORT_ROLES)
def template_xlsx():
    return attachment(rules.template_xlsx(), XLSX, "plantilla-familias.xlsx")


@bp.route("/template.csv")
@role_required(*IMPORT_ROLES)
def template_csv():
    return csv_response(rules.template_csv(), "plantilla-familias.csv")
