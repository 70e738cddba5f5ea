"""Contention is a wait, never an error page: on PostgreSQL a deadlock or serialization
failure re-runs the request's work (it rolled back whole) a bounded number of times; on
SQLite a lock held past the busy timeout, or PostgreSQL still colliding after the
retries, answers 503 with Retry-After and a message saying nothing was changed."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, g
from sqlalchemy.exc import DBAPIError

from voucher.extensions import db

ATTEMPTS = 3
RETRY_AFTER_SECONDS = 2
# PostgreSQL SQLSTATEs that mean "the same work may well succeed if tried again".
TRANSIENT_STATES = {"40001", "40P01", "55P03"}


def is_transient(error: BaseException) -> bool:
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        text = str(original).lower()
        return "locked" in text or "busy" in text
    return getattr(original, "sqlstate", None) in TRANSIENT_STATES


def _retryable(error: BaseException) -> bool:
    return is_transient(error) and not isinstance(getattr(error, "orig", None), sqlite3.Error)


def with_retries(dispatch: Callable[[], Any]) -> Callable[[], Any]:
    def dispatch_again_on_collision() -> Any:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return dispatch()
            except DBAPIError as error:
                if attempt == ATTEMPTS or not _retryable(error):
                    raise
                db.session.rollback()
                for name in ("before_commit", "on_conflict"):
                    g.pop(name, None)  # what the failed attempt staged
                time.sleep(0.02 * attempt)
        raise AssertionError("unreachable")

    return dispatch_again_on_collision


def register_contention(app: Flask) -> None:
    app.dispatch_request = with_retries(app.dispatch_request)  # type: ignore[method-assign]
