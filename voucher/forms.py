"""Shared form plumbing for the web views."""

from __future__ import annotations

from typing import Any

from flask import flash


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
