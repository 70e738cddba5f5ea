"""Treasury forms. Money fields take what people type ($1.500.000, 1500000) and are read
with ``voucher.money.parse_clp``; the services check every rule again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from voucher.money import MAX_AMOUNT, parse_clp

METHOD_CHOICES = [
    SelectChoice("transfer", _l("Transferencia")),
    SelectChoice("cash", _l("Efectivo")),
    SelectChoice("cheque", _l("Cheque")),
]
FORMAT_CHOICES = [
    SelectChoice("pdf", _l("PDF para imprimir")),
    SelectChoice("csv", _l("Planilla (CSV)")),
]
SEPARATOR_CHOICES = [
    SelectChoice(";", _l("Punto y coma (Excel en español)")),
    SelectChoice(",", _l("Coma")),
]
DATE_MESSAGE = _l("Escriba una fecha válida.")


class QueryForm(FlaskForm):
    """A form read from the query string (a GET: nothing changes, no CSRF token)."""

    class Meta:
        csrf = False


def _money(form: FlaskForm, field: StringField) -> None:
    value = parse_clp(field.data or "")
    if value is None or not 0 < value <= MAX_AMOUNT:
        raise ValidationError(_l("Escriba un monto en pesos entre $1 y $100.000.000."))
    field.pesos = value


def _optional_int(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


class FundForm(FlaskForm):
    program = SelectField(_l("Programa"), coerce=int, validators=[InputRequired()])
    amount = StringField(
        _l("Monto recibido"), validators=[DataRequired(_l("Escriba el monto.")), _money]
    )
    received_on = DateField(_l("Fecha en que se recibió"), validators=[InputRequired(DATE_MESSAGE)])
    source = StringField(
        _l("De dónde viene"),
        validators=[DataRequired(_l("Escriba de dónde viene el dinero.")), Length(max=120)],
    )
    reference = StringField(_l("Referencia (opcional)"), validators=[Optional(), Length(max=120)])
    donor = SelectField(_l("Donante o campaña (opcional)"), coerce=_optional_int, default="")
    anonymous = BooleanField(_l("Aporte anónimo: no nombrar al donante en los papeles"))


class DonorForm(FlaskForm):
    name = StringField(
        _l("Nombre del donante o de la campaña"), validators=[DataRequired(), Length(max=120)]
    )
    is_campaign = BooleanField(_l("Es una campaña o colecta"))
    email = StringField(_l("Correo (opcional)"), validators=[Optional(), Length(max=254)])


class SettlementChooseForm(QueryForm):
    # Another parish's shop is not in the list: the view answers 404 for it, as elsewhere.
    shop_id = SelectField(
        _l("Comercio"), coerce=int, validate_choice=False, validators=[InputRequired()]
    )
    through = DateField(_l("Pagar canjes hasta el día"), validators=[InputRequired(DATE_MESSAGE)])


class SettlementPayForm(FlaskForm):
    shop_id = HiddenField()
    through = HiddenField()
    expected_amount = HiddenField()
    expected_count = HiddenField()
    idempotency_key = HiddenField()
    method = RadioField(
        _l("Medio de pago"),
        choices=METHOD_CHOICES,
        default="transfer",
        validators=[InputRequired(_l("Elija cómo paga."))],
    )
    reference = StringField(
        _l("Referencia (N° de transferencia o cheque)"), validators=[Optional(), Length(max=120)]
    )


class ReferenceForm(FlaskForm):
    reference = StringField(
        _l("Referencia (N° de transferencia o cheque)"), validators=[Length(max=120)]
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Motivo"), validators=[DataRequired(_l("Escriba el motivo.")), Length(max=200)]
    )


class BankFileForm(QueryForm):
    date = DateField(_l("Día de los pagos"), validators=[InputRequired(DATE_MESSAGE)])


class PeriodForm(QueryForm):
    date_from = DateField(_l("Desde"), validators=[InputRequired(DATE_MESSAGE)])
    date_to = DateField(_l("Hasta"), validators=[InputRequired(DATE_MESSAGE)])


class StatementReportForm(PeriodForm):
    # Another parish's shop is not in the list: the view answers 404 for it, as elsewhere.
    shop_id = SelectField(
        _l("Comercio"), coerce=int, validate_choice=False, validators=[InputRequired()]
    )
    format = RadioField(_l("Formato"), choices=FORMAT_CHOICES, default="pdf")
    sep = SelectField(_l("Separador de la planilla"), choices=SEPARATOR_CHOICES, default=";")


class ProgramReportForm(PeriodForm):
    format = RadioField(_l("Formato"), choices=FORMAT_CHOICES, default="pdf")
    sep = SelectField(_l("Separador de la planilla"), choices=SEPARATOR_CHOICES, default=";")


class TrialBalanceForm(QueryForm):
    at = DateField(_l("Al día"), validators=[InputRequired(DATE_MESSAGE)])
    format = RadioField(_l("Formato"), choices=FORMAT_CHOICES, default="pdf")
    sep = SelectField(_l("Separador de la planilla"), choices=SEPARATOR_CHOICES, default=";")


class JournalForm(QueryForm):
    date_from = DateField(_l("Desde (opcional)"), validators=[Optional()])
    date_to = DateField(_l("Hasta (opcional)"), validators=[Optional()])


class TwoPersonRuleForm(FlaskForm):
    enabled = BooleanField(
        _l("Cada pago a un comercio lo aprueba una segunda persona (tesorero/a o administrador/a)")
    )


class CloseMonthForm(FlaskForm):
    month = SelectField(_l("Mes a cerrar"), validators=[InputRequired()])
