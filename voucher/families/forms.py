"""Household forms. They carry what was typed; the rules live in the services, which
report errors per field (shown next to each field)."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from voucher.errors import DomainError
from voucher.families.services import FamilyInput
from voucher.forms import put_errors

DOCUMENT_CHOICES = [
    SelectChoice("rut", _l("RUT")),
    SelectChoice("passport", _l("Pasaporte")),
    SelectChoice("other", _l("Otro documento")),
]


def parse_count(text: str | int | None) -> int | None:
    """'3' -> 3; anything that is not a whole number -> None (the service explains)."""
    cleaned = "" if text is None else str(text).strip()
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 4 else None


def show_errors(form: FlaskForm, error: DomainError) -> None:
    """The refusal at the top of the page and each field error next to its field."""
    flash(error.detail, "error")
    put_errors(form, error)


class FamilyForm(FlaskForm):
    head_name = StringField(_l("Nombre de la jefa o jefe de hogar"))
    # validate_choice=False: the service refuses an unknown type with a Spanish message.
    document_type = SelectField(
        _l("Tipo de documento"), choices=DOCUMENT_CHOICES, validate_choice=False
    )
    document_number = StringField(_l("Número de documento"))
    household_adults = StringField(_l("Adultos en el hogar"), default="1")
    household_children = StringField(_l("Niñas y niños en el hogar"), default="0")
    address = StringField(_l("Dirección"))
    sector = StringField(_l("Sector o población"))
    phone = StringField(_l("Teléfono"))
    notes = TextAreaField(_l("Notas"))

    def to_input(self, *, consent: bool = False) -> FamilyInput:
        return FamilyInput(
            head_name=self.head_name.data or "",
            document_type=self.document_type.data or "",
            document_number=self.document_number.data or "",
            household_adults=parse_count(self.household_adults.data),
            household_children=parse_count(self.household_children.data),
            address=self.address.data or "",
            sector=self.sector.data or "",
            phone=self.phone.data or "",
            notes=self.notes.data or "",
            consent=consent,
        )


class NewFamilyForm(FamilyForm):
    consent = BooleanField(
        _l("La familia autorizó guardar estos datos para recibir ayuda de la parroquia")
    )

    def to_input(self, *, consent: bool = False) -> FamilyInput:
        return super().to_input(consent=bool(self.consent.data))


class EnrolForm(FlaskForm):
    """Enrol the household shown in one of its parish's programs."""

    program_id = SelectField(_l("Programa"), validate_choice=False)
