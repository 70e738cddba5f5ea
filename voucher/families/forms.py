"""Household forms. They carry what was typed; the rules live in the services, which
report errors per field (shown next to each field)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from voucher.families.services import FamilyInput
from voucher.forms import parse_count

DOCUMENT_CHOICES = [
    SelectChoice("rut", _l("RUT")),
    SelectChoice("passport", _l("Pasaporte")),
    SelectChoice("other", _l("Otro documento")),
]


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
    other_family_reason = StringField(_l("Es otra familia: ¿por qué?"))

    def to_input(self, *, consent: bool = False) -> FamilyInput:
        return super().to_input(consent=bool(self.consent.data))
