"""Voucher forms. They carry what was typed; the rules live in the services, which
report errors per field (shown next to each field)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

STATUS_CHOICES = [
    SelectChoice("", _l("Todos")),
    SelectChoice("active", _l("Vigentes")),
    SelectChoice("redeemed", _l("Usados")),
    SelectChoice("expired", _l("Vencidos")),
    SelectChoice("cancelled", _l("Anulados")),
]


def parse_id(text: str | None) -> int | None:
    """'12' -> 12; anything that is not a positive whole number -> None."""
    cleaned = (text or "").strip()
    if not cleaned.isdigit() or len(cleaned) > 18:
        return None
    value = int(cleaned)
    return value if value > 0 else None


class VoucherFilterForm(FlaskForm):
    """The list's filters travel in the query string: no CSRF needed to read."""

    class Meta:
        csrf = False

    status = SelectField(_l("Estado"), choices=STATUS_CHOICES, default="", validate_choice=False)
    program = SelectField(_l("Programa"), choices=[], default="", validate_choice=False)
    serial = StringField(_l("Buscar por serie"), validators=[Length(max=30)])


class IssueForm(FlaskForm):
    # validate_choice=False: the service refuses an inactive program in plain words.
    program_id = SelectField(_l("Programa"), choices=[], validate_choice=False)
    limit_override_reason = TextAreaField(
        _l("Entregar igual, sobre el límite del ciclo: ¿por qué?"),
        render_kw={"rows": 2, "maxlength": 200},
    )


class ReasonForm(FlaskForm):
    """Cancel or replace: the service requires a reason and says so next to the field."""

    reason = TextAreaField(_l("Motivo"), render_kw={"rows": 2, "maxlength": 200})


class RoundProgramForm(FlaskForm):
    """Choosing the program of a new round only reads: it travels in the query string."""

    class Meta:
        csrf = False

    program_id = SelectField(_l("Programa"), choices=[], validate_choice=False)


class RoundConfirmForm(FlaskForm):
    # Own ids: the page also holds the program chooser, whose select is "program_id".
    program_id = HiddenField(id="confirm-program")
    # What the preview showed: if either changed meanwhile, the preview is shown again.
    expected = HiddenField(id="confirm-expected")
    after_round = HiddenField(id="confirm-after-round")


class DeliveryForm(FlaskForm):
    """One tap: the paper reached its family (``note``: who collected it, if not them)."""

    note = StringField(_l("Retiró (si no fue la familia)"), validators=[Length(max=120)])
    next = HiddenField()


class PrintSelectionForm(FlaskForm):
    """Carries the CSRF token; the selected ids are read from the repeated ``ids`` field."""
