"""One request, one transaction, on the web and the API alike.

Services flush and raise typed errors; they never commit. The request commits here,
once, after its view answered with a success (any 1xx–3xx status); an error answer
(4xx/5xx, a domain error, an exception) rolls everything back. Work that must join the
transaction at its very end (the API's Idempotency-Key record) registers a step with
``before_commit``; what to answer when the commit itself collides with a concurrent
twin registers with ``on_conflict``."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, g, session
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voucher.extensions import db
from voucher.handlers import error_response


def before_commit(step: Callable[[], None]) -> None:
    """Run ``step`` inside the request's transaction, just before it commits."""
    g.setdefault("before_commit", []).append(step)


def on_conflict(answer: Callable[[], Response | None]) -> None:
    """What to answer when the commit breaks a unique key a concurrent request took
    first; returning None falls back to the generic 409."""
    g.on_conflict = answer


def commit_now(db_session: Session) -> None:
    """End the request's transaction before its answer is ready: for a use-case whose
    last step is slow and writes nothing (drawing thousands of voucher sheets), so no
    write lock is held meanwhile. What it wrote is committed here; the hook after the
    view finds nothing left. Views and services never call it; such a use-case says
    why it does (``voucher.vouchers.printing``)."""
    db_session.commit()


def commit_request(response: Response) -> Response:
    steps = g.pop("before_commit", [])
    answer = g.pop("on_conflict", None)
    if response.status_code >= 400:
        db.session.rollback()
        return response
    if not db.session().in_transaction() and not steps:
        return response
    try:
        for step in steps:
            step()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        session.pop("_flashes", None)  # what the view announced did not happen
        replacement = answer() if answer is not None else None
        if replacement is None:
            replacement = error_response(
                409,
                "conflict",
                gettext("La operación chocó con otra simultánea. Intente de nuevo."),
            )
        return replacement
    return response


def register_transaction(app: Flask) -> None:
    app.after_request(commit_request)
