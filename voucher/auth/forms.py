from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Correo"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Contraseña"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Mantener la sesión abierta en este teléfono"))


class EmptyForm(FlaskForm):
    """For button-only actions: carries the CSRF token."""


class TokenForm(FlaskForm):
    name = StringField(_l("Nombre del token"), validators=[DataRequired(), Length(max=80)])


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Idioma"), choices=[SelectChoice("es_CL", "Español"), SelectChoice("en", "English")]
    )


class UserForm(FlaskForm):
    """A parish account (staff, treasurer or admin); shop accounts are made on the shop page."""

    name = StringField(_l("Nombre"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Correo"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(
        _l("Perfil"),
        choices=[
            SelectChoice("staff", _l("Voluntario/a (familias y vales)")),
            SelectChoice("treasurer", _l("Tesorero/a")),
            SelectChoice("admin", _l("Administrador/a")),
        ],
    )
    password = PasswordField(
        _l("Contraseña inicial (al menos 10 caracteres)"),
        validators=[DataRequired(), Length(max=200)],
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Contraseña actual"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("Contraseña nueva"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repita la contraseña nueva"), validators=[DataRequired(), Length(max=200)]
    )


class PasswordResetForm(FlaskForm):
    new = PasswordField(_l("Contraseña nueva"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repita la contraseña nueva"), validators=[DataRequired(), Length(max=200)]
    )


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Perfil"),
        choices=[
            SelectChoice("staff", _l("Voluntario/a (familias y vales)")),
            SelectChoice("treasurer", _l("Tesorero/a")),
            SelectChoice("admin", _l("Administrador/a")),
        ],
    )
