"""Comercios → Importar desde una planilla: the admin uploads the parish's spreadsheet of
shops, reads the preview, confirms it (the same steps as the families import)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from voucher.auth.access import get_scoped, parish_id, require_actor, role_required
from voucher.auth.models import Role
from voucher.errors import Conflict, DomainError
from voucher.extensions import db
from voucher.forms import form_error
from voucher.imports import plans
from voucher.imports.forms import ConfirmForm, FileForm
from voucher.imports.models import ImportStatus
from voucher.imports.reading import MAX_BYTES, FileTooLarge
from voucher.imports.views import ACTION_LABELS, XLSX, uploaded_file
from voucher.responses import attachment, csv_response
from voucher.shops import import_rows, importing
from voucher.shops.import_models import ShopImport
from voucher.shops.views.blueprint import bp
from voucher.sqlite import reads_then_writes
from voucher.uploads import accepts_upload


@bp.route("/import/", methods=["GET", "POST"])
@accepts_upload(MAX_BYTES)
@role_required(Role.ADMIN)
@reads_then_writes
def import_upload():
    form = FileForm()
    if form.validate_on_submit() and (uploaded := uploaded_file(form)) is not None:
        file_name, data = uploaded
        try:
            if len(data) > MAX_BYTES:
                raise FileTooLarge()
            imp, _plan = importing.preview_import(
                db.session, parish_id(), require_actor(), file_name=file_name, data=data
            )
        except DomainError as error:
            form_error(form, error, field="file")
        else:
            return redirect(url_for(".import_preview", import_id=imp.id))
    return render_template("shops/import_upload.html", form=form, max_mb=MAX_BYTES // (1024 * 1024))


@bp.route("/import/<int:import_id>")
@role_required(Role.ADMIN)
def import_preview(import_id: int):
    imp = get_scoped(ShopImport, import_id)
    plan = None
    if imp.status == ImportStatus.PREVIEW:
        try:
            plan = importing.plan_of(db.session, imp)
        except Conflict as error:
            flash(error.detail, "error")
    return render_template(
        "shops/import_preview.html",
        imp=imp,
        plan=plan,
        summary=plans.summary_of(imp),
        result=plans.result_of(imp),
        form=ConfirmForm(),
        labels=ACTION_LABELS,
    )


@bp.route("/import/<int:import_id>/confirm", methods=["POST"])
@role_required(Role.ADMIN)
@reads_then_writes
def import_confirm(import_id: int):
    imp = get_scoped(ShopImport, import_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        accept = [int(v) for v in request.form.getlist("accept") if v.isdigit()]
        try:
            result = importing.confirm_import(db.session, imp, require_actor(), accept_lines=accept)
        except DomainError as error:
            form_error(form, error)
        else:
            flash(
                _(
                    "Importación lista: %(created)s comercios registrados, %(updated)s "
                    "actualizados.",
                    created=result["created"],
                    updated=result["updated"],
                ),
                "success",
            )
    return redirect(url_for(".import_preview", import_id=import_id))


@bp.route("/import/<int:import_id>/rejected.csv")
@role_required(Role.ADMIN)
def import_rejected(import_id: int):
    imp = get_scoped(ShopImport, import_id)
    try:
        plan = importing.plan_of(db.session, imp)
    except Conflict as error:
        flash(error.detail, "error")
        return redirect(url_for(".import_preview", import_id=import_id))
    return csv_response(plan.rejected_csv(), f"comercios-rechazados-{imp.id}.csv")


@bp.route("/import/template.xlsx")
@role_required(Role.ADMIN)
def import_template_xlsx():
    return attachment(import_rows.template_xlsx(), XLSX, "plantilla-comercios.xlsx")


@bp.route("/import/template.csv")
@role_required(Role.ADMIN)
def import_template_csv():
    return csv_response(import_rows.template_csv(), "plantilla-comercios.csv")
