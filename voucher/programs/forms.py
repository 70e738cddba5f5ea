"""Program forms. They carry what was typed; the services check the values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField

from voucher.forms import parse_count
from voucher.money import parse_clp
from voucher.programs.models import CATEGORY_LABELS
from voucher.programs.services import ProgramInput

CATEGORY_CHOICES = [SelectChoice(c.value, label) for c, label in CATEGORY_LABELS.items()]
ALLOTMENT_CHOICES = [
    SelectChoice("flat", _l("El mismo valor para cada familia")),
    SelectChoice("household", _l("Según el tamaño del hogar")),
]
CYCLE_CHOICES = [SelectChoice("monthly", _l("Mensual")), SelectChoice("once", _l("Una sola vez"))]


class ProgramForm(FlaskForm):
    name = StringField(_l("Nombre del programa"))
    category = SelectField(_l("Categoría"), choices=CATEGORY_CHOICES, validate_choice=False)
    voucher_amount = StringField(_l("Valor de cada vale (pesos)"))
    validity_days = StringField(_l("Días de vigencia del vale"), default="30")
    cycle = SelectField(_l("Ciclo"), choices=CYCLE_CHOICES, validate_choice=False)
    per_cycle_limit = StringField(_l("Vales por familia en cada ciclo"), default="1")
    active = BooleanField(_l("Programa activo (se pueden entregar vales)"), default=True)
    allotment = SelectField(_l("Valor del vale"), choices=ALLOTMENT_CHOICES, validate_choice=False)
    extra_member_amount = StringField(
        _l("Monto adicional por cada integrante después del primero (pesos)"), default="0"
    )
    voucher_amount_cap = StringField(_l("Tope por vale (pesos, opcional)"))

    def to_input(self) -> ProgramInput:
        return ProgramInput(
            name=self.name.data or "",
            category=self.category.data or "",
            voucher_amount=parse_clp((self.voucher_amount.data or "").strip() or None),
            validity_days=parse_count(self.validity_days.data),
            cycle=self.cycle.data or "",
            per_cycle_limit=parse_count(self.per_cycle_limit.data),
            active=bool(self.active.data),
            allotment=self.allotment.data or "flat",
            extra_member_amount=parse_clp((self.extra_member_amount.data or "0").strip() or "0"),
            voucher_amount_cap=_optional_clp(self.voucher_amount_cap.data),
        )


def _optional_clp(text: str | None) -> int | None:
    """An empty field is no cap; anything else must read as pesos (else -1: refused)."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    value = parse_clp(cleaned)
    return -1 if value is None else value


class EnrolFamilyForm(FlaskForm):
    """The household chosen on a program page (one button per search result)."""

    family_id = HiddenField()


class EnrolForm(FlaskForm):
    """Enrol the household shown (on its own page) in one of its parish's programs."""

    program_id = SelectField(_l("Programa"), validate_choice=False)
