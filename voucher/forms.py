"""Shared form plumbing for the web views."""

from __future__ import annotations

from typing import Any

from flask import flash

from voucher.errors import DomainError, ValidationFailed
from voucher.extensions import db


def put_errors(form: Any, error: Any, aliases: dict[str, str] | None = None) -> None:
    """Put a service's field errors (``ValidationFailed.errors``) next to their fields,
    so the form keeps what was typed; an error whose field is not on this form becomes a
    message at the top of the page. ``aliases`` maps service field names to form names."""
    for name, message in getattr(error, "errors", []):
        field = form._fields.get((aliases or {}).get(name, name))
        if field is None:
            flash(str(message), "error")
        else:
            field.errors = [*field.errors, str(message)]


def form_error(
    form: Any,
    error: DomainError,
    aliases: dict[str, str] | None = None,
    field: str | None = None,
    category: str = "error",
) -> None:
    """A service refused the form's action: nothing it wrote stays (the request's
    transaction is rolled back now, so the page drawn again reads the database as it
    was), and its message goes next to the fields it names, next to ``field``, or at
    the top of the page (as a message of ``category``: "info" for a refusal that only
    says what happened meanwhile)."""
    db.session.rollback()
    if isinstance(error, ValidationFailed):
        put_errors(form, error, aliases)
    elif field is not None and field in form._fields:
        form._fields[field].errors = [*form._fields[field].errors, error.detail]
    else:
        flash(error.detail, category)


def parse_count(text: str | int | None) -> int | None:
    """'3' -> 3; anything that is not a whole number -> None (the service explains)."""
    cleaned = "" if text is None else str(text).strip()
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 4 else None
