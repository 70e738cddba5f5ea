"""What the treasury's screens share: the blueprint, who may look, the default period."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, request
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from voucher.auth.forms import EmptyForm
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.errors import DomainError
from voucher.forms import form_error
from voucher.treasury import queries
from voucher.treasury.forms import PeriodForm

bp = Blueprint("treasury", __name__, url_prefix="/treasury")

TREASURY = (Role.TREASURER, Role.ADMIN)
PAGE_SIZE = 50
# A service's field names, as the treasury's period forms call them.
PERIOD_ALIASES = {"from": "date_from", "to": "date_to"}


def month_start(day: date) -> date:
    return day.replace(day=1)


def default_period(form: PeriodForm, tz: str) -> None:
    """A page opened without a period shows this month so far."""
    today = local_today(tz)
    if not request.args:
        form.date_from.data = month_start(today)
        form.date_to.data = today


def shop_choices(session: Session, parish_id: int) -> list[SelectChoice]:
    return [SelectChoice(id_, name) for id_, name in queries.shop_choices(session, parish_id)]


def refused(error: DomainError) -> None:
    """A button whose page is left by a redirect was refused: nothing it wrote stays, and
    its messages go to the top of the next page."""
    form_error(EmptyForm(formdata=None), error)
