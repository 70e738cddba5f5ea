"""The import screens' forms: the upload, and the confirmation (flagged rows to accept)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField


class FileForm(FlaskForm):
    file = FileField(_l("Planilla (.xlsx o .csv)"))


class UploadForm(FileForm):
    program_id = SelectField(_l("Inscribir a las familias nuevas en"), validate_choice=False)
    consent_attested = BooleanField(
        _l(
            "Declaro que todas las familias de la planilla autorizaron por escrito guardar "
            "sus datos (consentimiento recogido en papel)"
        )
    )


class ConfirmForm(FlaskForm):
    """The flagged lines to import anyway arrive as ``accept`` checkboxes."""
