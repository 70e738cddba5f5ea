"""Web forms for pairing and unlinking a shop's phones."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional


class PairingForm(FlaskForm):
    device_name = StringField(
        _l("Nombre del teléfono (por ejemplo, Caja 1)"), validators=[Length(max=200)]
    )


class UnlinkForm(FlaskForm):
    next = HiddenField(validators=[Optional(), Length(max=300)])
