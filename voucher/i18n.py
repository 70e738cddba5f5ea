"""Spanish (Chile) first, English second; money and dates formatted one way everywhere."""

from __future__ import annotations

from datetime import date

from flask import Flask, g, has_request_context, request, session
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from voucher import dates, money
from voucher.extensions import babel

SUPPORTED = ("es_CL", "en")

MONTH_NAMES = (
    _l("enero"),
    _l("febrero"),
    _l("marzo"),
    _l("abril"),
    _l("mayo"),
    _l("junio"),
    _l("julio"),
    _l("agosto"),
    _l("septiembre"),
    _l("octubre"),
    _l("noviembre"),
    _l("diciembre"),
)


def month_label(day: date) -> str:
    """The month of ``day`` and its year, in the reader's language: 'noviembre 2026'."""
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


def cycle_label(cycle_key: str) -> str:
    """A cycle as people say it: '2026-12' -> 'diciembre 2026'; 'once' -> 'una sola vez'."""
    if cycle_key == "once":
        return gettext("una sola vez")
    try:
        year, month = (int(part) for part in cycle_key.split("-"))
        return month_label(date(year, month, 1))
    except ValueError:
        return cycle_key


def select_locale() -> str:
    if not has_request_context():
        return "es_CL"
    requested = request.args.get("lang")
    if requested:
        requested = "es_CL" if requested.startswith("es") else requested
        if requested in SUPPORTED:
            session["lang"] = requested
            return requested
    if session.get("lang") in SUPPORTED:
        return session["lang"]
    user = g.get("api_user") or (current_user if current_user.is_authenticated else None)
    if user is not None and user.locale in SUPPORTED:
        return user.locale
    if request.path.startswith("/api/"):
        best = request.accept_languages.best_match(["es", "en"])
        return "en" if best == "en" else "es_CL"
    return "es_CL"


def parish_timezone() -> str:
    if not has_request_context():
        return dates.DEFAULT_TZ
    user = g.get("api_user") or (current_user if current_user.is_authenticated else None)
    parish = getattr(user, "parish", None)
    return parish.timezone if parish is not None else dates.DEFAULT_TZ


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=parish_timezone)
    app.jinja_env.filters["clp"] = money.format_clp
    app.jinja_env.filters["number"] = money.format_number
    app.jinja_env.filters["date"] = dates.format_date
    app.jinja_env.filters["cycle"] = cycle_label
    app.jinja_env.filters["datetime"] = lambda m: dates.format_datetime(m, parish_timezone())
    app.jinja_env.filters["time"] = lambda m: dates.format_time(m, parish_timezone())
