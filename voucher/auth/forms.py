from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
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
    locale = SelectField(_l("Idioma"), choices=[("es_CL", "Español"), ("en", "English")])
