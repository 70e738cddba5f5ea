"""API endpoints: bringing a parish's families in from a spreadsheet (api.md, "Bringing
families in"). The same services as the web screens: preview, then confirm."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, StrictInt
from spectree.model_adapter.pydantic_adapter import BaseFile
from werkzeug.datastructures import FileStorage

from voucher.api.core import Strict, bp, example, responses, spec
from voucher.api.docs import file_response
from voucher.auth.access import get_scoped, parish_id, require_actor, role_required
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.errors import ValidationFailed
from voucher.extensions import db
from voucher.imports import plans, services
from voucher.imports.models import FamilyImport
from voucher.imports.reading import MAX_BYTES, FileTooLarge
from voucher.imports.rules import template_csv, template_xlsx
from voucher.responses import attachment, csv_response
from voucher.shops import import_rows as shop_rows
from voucher.shops import importing as shop_importing
from voucher.shops.import_models import ShopImport
from voucher.sqlite import reads_then_writes
from voucher.uploads import accepts_upload

IMPORT_ROLES = (Role.STAFF, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_FILE = _l("Adjunte el archivo (.xlsx o .csv) en el campo file.")


class ImportForm(BaseModel):
    file: BaseFile = Field(description="The spreadsheet: .xlsx or .csv (`;` or `,`), 5 MB at most.")
    program_id: int | None = Field(None, ge=1, le=2**31 - 1)
    consent_attested: bool | None = Field(
        None,
        description="true when the person importing attests consent was collected on "
        "paper for every row (rows without a consent column are then accepted).",
    )


class ImportCounts(BaseModel):
    create: int
    update: int
    skip: int
    reject: int
    flag: int


class ImportRow(BaseModel):
    line: int = Field(description="The row's line in the file (the header is line 1).")
    action: Literal["update", "skip", "reject", "flag"]
    reason_code: str = Field(
        examples=["invalid_document"],
        description="invalid_document, missing_name, invalid_household_size, "
        "missing_consent, duplicate_in_file, already_registered, possible_duplicate, "
        "registered_in_other_parish, invalid_value",
    )
    message: str
    existing_id: int | None = None


class ImportPreviewOut(BaseModel):
    id: int
    status: Literal["preview"]
    expires_at: datetime
    file_name: str
    sha256: str
    counts: ImportCounts
    rows: list[ImportRow]
    unknown_columns: list[str] = Field(description="Columns not recognised: ignored.")
    same_file_import_id: int | None = Field(
        None, description="An earlier confirmed import of this very file, if any."
    )


class ConfirmIn(Strict):
    model_config = example({"accept_lines": [7]})

    accept_lines: list[StrictInt] | None = Field(
        None, max_length=10_000, description="Flagged rows to import anyway, by line."
    )


class ConfirmOut(BaseModel):
    id: int
    status: Literal["done"]
    created: int
    updated: int
    skipped: int
    enrolled: int


def read_upload(upload: Any) -> tuple[str, bytes]:
    """The uploaded file's name and bytes; refuses no file (422) and one over the limit
    (413)."""
    if not isinstance(upload, FileStorage):
        raise ValidationFailed([("file", NO_FILE)])
    try:
        data = upload.stream.read(MAX_BYTES + 1)
    finally:
        upload.close()  # a large upload is a temporary file
    if len(data) > MAX_BYTES:
        raise FileTooLarge()
    return upload.filename or "archivo", data


def preview_out(imp: FamilyImport | ShopImport, plan: plans.Plan) -> ImportPreviewOut:
    summary = plans.summary_of(imp)
    return ImportPreviewOut(
        id=imp.id,
        status="preview",
        expires_at=imp.expires_at,
        file_name=imp.file_name,
        sha256=imp.sha256,
        counts=ImportCounts(**plan.counts),
        rows=[
            ImportRow(
                line=o.line,
                action=o.action,
                reason_code=o.reason_code,
                message=o.message,
                existing_id=o.existing_id,
            )
            for o in plan.listed
        ],
        unknown_columns=summary.get("unknown_columns", []),
        same_file_import_id=summary.get("same_file_import_id"),
    )


@bp.post("/families/imports")
@accepts_upload(MAX_BYTES)
@spec.validate(
    form=ImportForm,
    resp=responses(HTTP_201=ImportPreviewOut, problems=(413, 415)),
    tags=["families"],
)
@role_required(*IMPORT_ROLES)
@reads_then_writes
def preview_family_import(form: ImportForm):
    """Preview a spreadsheet of families: what would be created, updated, skipped,
    rejected (with each row's line and reason) or flagged for a person to decide.
    Nothing is written but the preview, which expires after a day. A file over 5 MB or
    10,000 rows is a 413; an unreadable, empty or wrong-type file a 422 `unreadable_file`."""
    file_name, data = read_upload(form.file)
    imp, plan = services.preview_import(
        db.session,
        parish_id(),
        require_actor(),
        file_name=file_name,
        data=data,
        program_id=form.program_id,
        consent_attested=bool(form.consent_attested),
    )
    return preview_out(imp, plan), 201


@bp.post("/families/imports/<int:import_id>/confirm")
@spec.validate(
    json=ConfirmIn, resp=responses(HTTP_200=ConfirmOut, problems=(404, 409)), tags=["families"]
)
@role_required(*IMPORT_ROLES)
@reads_then_writes
def confirm_family_import(import_id, json: ConfirmIn):
    # import_id carries no annotation: see enrol_family in api/families.py.
    """Write every accepted row of a preview in one transaction (flagged rows only when
    listed in `accept_lines`), audited as one import. A confirmed import is a 409
    `already_confirmed`, one past its day a 409 `expired`."""
    imp = get_scoped(FamilyImport, import_id)
    result = services.confirm_import(
        db.session,
        imp,
        require_actor(),
        accept_lines=json.accept_lines,
        today=local_today(),
    )
    return ConfirmOut(
        id=imp.id, status="done", **{k: result[k] for k in ConfirmOut.model_fields if k in result}
    )


@bp.get("/families/imports/template.xlsx")
@spec.validate(resp=responses(), tags=["families"])
@role_required(*IMPORT_ROLES)
def family_import_template_xlsx():
    """The template: the expected headers and one example row (Excel)."""
    return attachment(template_xlsx(), XLSX, "plantilla-familias.xlsx")


@bp.get("/families/imports/template.csv")
@spec.validate(resp=responses(), tags=["families"])
@role_required(*IMPORT_ROLES)
def family_import_template_csv():
    """The template as CSV (`;`, UTF-8 with BOM, as Excel in Chile opens it)."""
    return csv_response(template_csv(), "plantilla-familias.csv")


class ShopImportForm(BaseModel):
    file: BaseFile = Field(description="The spreadsheet: .xlsx or .csv (`;` or `,`), 5 MB at most.")


@bp.post("/shops/imports")
@accepts_upload(MAX_BYTES)
@spec.validate(
    form=ShopImportForm,
    resp=responses(HTTP_201=ImportPreviewOut, problems=(413, 415)),
    tags=["shops"],
)
@role_required(Role.ADMIN)
@reads_then_writes
def preview_shop_import(form: ShopImportForm):
    """Preview a spreadsheet of shops: what would be created (and enrolled in the parish),
    updated, skipped, rejected (with each row's line and reason) or flagged (a RUT another
    parish registered: confirm its line to ask to join that shop). Nothing is written but
    the preview; limits and problems as for families."""
    file_name, data = read_upload(form.file)
    imp, plan = shop_importing.preview_import(
        db.session, parish_id(), require_actor(), file_name=file_name, data=data
    )
    return preview_out(imp, plan), 201


@bp.post("/shops/imports/<int:import_id>/confirm")
@spec.validate(
    json=ConfirmIn, resp=responses(HTTP_200=ConfirmOut, problems=(404, 409)), tags=["shops"]
)
@role_required(Role.ADMIN)
@reads_then_writes
def confirm_shop_import(import_id, json: ConfirmIn):
    # import_id carries no annotation: see enrol_family in api/families.py.
    """Write every accepted row of a shop preview in one transaction, audited as one
    import; a flagged line listed in `accept_lines` sends that parish's request to join
    the shop (never an enrolment). 409 `already_confirmed` / `expired` as for families."""
    imp = get_scoped(ShopImport, import_id)
    result = shop_importing.confirm_import(
        db.session, imp, require_actor(), accept_lines=json.accept_lines
    )
    return ConfirmOut(
        id=imp.id, status="done", **{k: result[k] for k in ConfirmOut.model_fields if k in result}
    )


@bp.get("/shops/imports/template.xlsx")
@spec.validate(resp=responses(), tags=["shops"])
@role_required(Role.ADMIN)
def shop_import_template_xlsx():
    """The shops template: the expected headers and one example row (Excel)."""
    return attachment(shop_rows.template_xlsx(), XLSX, "plantilla-comercios.xlsx")


@bp.get("/shops/imports/template.csv")
@spec.validate(resp=responses(), tags=["shops"])
@role_required(Role.ADMIN)
def shop_import_template_csv():
    """The shops template as CSV (`;`, UTF-8 with BOM)."""
    return csv_response(shop_rows.template_csv(), "plantilla-comercios.csv")


file_response("/api/v1/shops/imports/template.xlsx", "get", XLSX)
file_response("/api/v1/shops/imports/template.csv", "get", "text/csv")
file_response("/api/v1/families/imports/template.xlsx", "get", XLSX)
file_response("/api/v1/families/imports/template.csv", "get", "text/csv")
