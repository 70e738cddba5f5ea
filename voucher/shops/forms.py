"""Web forms for shops, shopkeepers and the redemption screens. The rules (RUT,
categories, amounts) live in the services; these forms only carry what was typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from voucher.shops.services import ACCOUNT_TYPES


class ShopForm(FlaskForm):
    name = StringField(_l("Nombre del comercio"), validators=[DataRequired(), Length(max=120)])
    rut = StringField(_l("RUT"), validators=[DataRequired(), Length(max=20)])
    owner_name = StringField(_l("Nombre del dueño o dueña"), validators=[Length(max=120)])
    address = StringField(_l("Dirección"), validators=[Length(max=200)])
    phone = StringField(_l("Teléfono"), validators=[Length(max=30)])
    food = BooleanField(_l("Alimentos"), default=True)
    hygiene = BooleanField(_l("Higiene"), default=True)
    payment_details = TextAreaField(
        _l("Otros datos para pagarle"),
        validators=[Length(max=500)],
    )
    bank_name = StringField(_l("Banco"), validators=[Length(max=60)])
    account_type = SelectField(
        _l("Tipo de cuenta"),
        choices=[
            SelectChoice("", _l("(sin cuenta registrada)")),
            *(SelectChoice(kind, label) for kind, label in ACCOUNT_TYPES.items()),
        ],
        default="",
    )
    account_number = StringField(_l("Número de cuenta"), validators=[Length(max=40)])
    payment_email = StringField(_l("Correo para avisarle el pago"), validators=[Length(max=254)])

    def categories(self) -> list[str]:
        return [c for c, field in (("food", self.food), ("hygiene", self.hygiene)) if field.data]


class ShopContactForm(FlaskForm):
    """What the shop's own shopkeeper may change."""

    phone = StringField(_l("Teléfono"), validators=[Length(max=30)])
    payment_details = TextAreaField(
        _l("Datos para pagarle (banco, tipo y número de cuenta)"),
        validators=[Length(max=500)],
    )


class EnrolByRutForm(FlaskForm):
    rut = StringField(_l("RUT del comercio"), validators=[DataRequired(), Length(max=20)])


class EnrolmentForm(FlaskForm):
    """Pause or resume the shop in this parish ("1" resume, "0" pause)."""

    active = HiddenField(validators=[DataRequired()])


class DecideForm(FlaskForm):
    """Accept or decline another parish's request to join the shop (the button says
    which)."""


class ShopkeeperForm(FlaskForm):
    name = StringField(_l("Nombre"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Correo"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Contraseña inicial (al menos 10 caracteres)"),
        validators=[DataRequired(), Length(max=200)],
    )


class RedeemForm(FlaskForm):
    """The amount screen. ``key`` is generated when the form is shown, so a double tap
    or a reload sends the same key and is charged once."""

    code = HiddenField(validators=[DataRequired(), Length(max=300)])
    key = HiddenField(validators=[DataRequired(), Length(max=100)])
    amount = StringField(_l("Monto de la compra"), validators=[Length(max=30)])


class VoidForm(FlaskForm):
    reason = StringField(_l("Motivo (opcional)"), validators=[Optional(), Length(max=200)])
    next = HiddenField(validators=[Optional(), Length(max=300)])
