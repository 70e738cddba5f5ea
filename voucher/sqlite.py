"""SQLite settings for a multi-process web app: WAL, foreign keys, a busy timeout,
and write transactions opened with BEGIN IMMEDIATE so concurrent writers queue for
the lock instead of failing with "database is locked" half-way through."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


def writes_database(view: Any) -> Any:
    """Mark a GET view that writes (a scan log, a print count) so it takes the lock."""
    view.writes_database = True
    return view


def _read_only_request() -> bool:
    if not has_request_context() or request.method not in READ_ONLY_METHODS:
        return False
    if request.path.startswith("/api/"):
        return False  # API calls record token use and scans: always writers
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "writes_database", False)


def configure_engine_events(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # Reads (page views) stay deferred so they never wait for a writer; every
        # other transaction takes the write lock up front.
        connection.exec_driver_sql("BEGIN" if _read_only_request() else "BEGIN IMMEDIATE")
