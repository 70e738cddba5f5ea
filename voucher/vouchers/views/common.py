"""The vouchers blueprints and the small pieces their screens share."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, url_for
from werkzeug.routing import BuildError
from wtforms import SelectChoice

from voucher.auth.access import actor, current_parish, require_actor
from voucher.auth.models import Role
from voucher.config import site_base_url
from voucher.dates import local_today
from voucher.programs.models import Program
from voucher.vouchers.keys import code_keys
from voucher.vouchers.printing import PrintRun

bp = Blueprint("vouchers", __name__, url_prefix="/vouchers")
# The QR on the paper opens /r/<code>: short, at the site root, no login needed.
public = Blueprint("public", __name__)

READERS = (Role.STAFF, Role.ADMIN, Role.TREASURER)
WRITERS = (Role.STAFF, Role.ADMIN)
PER_PAGE = 50


def today() -> date:
    """Today in the acting user's parish."""
    return local_today(current_parish().timezone)


def endpoint_url(endpoint: str, fallback: str, **values: Any) -> str:
    """``url_for`` for a page another module provides, with its documented path as a
    fallback while that module is not registered."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


def program_choices(programs: list[Program]) -> list[SelectChoice]:
    return [SelectChoice(str(p.id), p.name) for p in programs]


def family_url(family_id: int) -> str:
    return endpoint_url("families.detail", f"/families/{family_id}", family_id=family_id)


def can_write() -> bool:
    user = actor()
    return user is not None and user.role in WRITERS


def issuer() -> dict[str, Any]:
    """Who issues, in which parish, with which code keys: the arguments the issuing
    use-cases (one voucher, a round) take from the request."""
    return {"parish": current_parish(), "user": require_actor(), "keys": code_keys()}


def printer() -> PrintRun:
    """Who prints, where, and how codes become links: the printing use-cases' argument."""
    return PrintRun(**issuer(), base_url=site_base_url())
