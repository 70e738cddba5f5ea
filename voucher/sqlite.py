"""SQLite settings for a multi-process web app: WAL, foreign keys, a busy timeout,
and write transactions opened with BEGIN IMMEDIATE so concurrent writers queue for
the lock instead of failing with "database is locked" half-way through.

Writers also queue on an advisory file lock next to the database before BEGIN
IMMEDIATE: SQLite's own busy handler waits by sleeping in growing steps (up to 100 ms),
so a freed lock could sit idle while every waiter sleeps; the file lock hands it over
at once. The database lock stays the guard; the file lock only orders the queue.
Threads of one process line up on an in-process lock first, so that only one of them
polls the file lock while the others sleep.

A view marked ``@reads_then_writes`` starts deferred (reading, holding no lock) and
takes the write lock at its first INSERT/UPDATE/DELETE: the read-only transaction is
ended there and an IMMEDIATE one begins, so everything written (and read after that)
is serialized as usual. Use it only where the reads before the first write are
re-checked by the writes themselves (a conditional UPDATE, a unique key), as
READ COMMITTED code on PostgreSQL does."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}
BUSY_TIMEOUT_MS = 5000
_LOCK_FD = "vales_writer_lock_fd"
_LOCK_HELD = "vales_writer_lock_held"
_UPGRADE = "vales_upgrade_on_write"
_QUEUE = "vales_process_queue"
_PROCESS_QUEUES: dict[str, threading.Lock] = {}  # one per database file
# A SAVEPOINT counts as a write: ending the read part after it would release it.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC", "SAVEPO")
# Execution option of a connection that only reads one consistent snapshot (a backup):
# it begins deferred and never queues for the write lock.
SNAPSHOT = "vales_snapshot"


def writes_database(view: Any) -> Any:
    """Mark a GET view that writes (a scan log, a print count) so it takes the lock."""
    view.writes_database = True
    return view


def reads_then_writes(view: Any) -> Any:
    """Mark a view that reads first and takes the write lock only at its first write."""
    view.reads_then_writes = True
    return view


def _view() -> Any:
    return current_app.view_functions.get(request.endpoint or "")


def _begin_mode() -> str:
    """'deferred' for page views, 'upgrade' for reads-then-writes views, else 'immediate'."""
    if not has_request_context():
        return "immediate"
    view = _view()
    if getattr(view, "reads_then_writes", False):
        return "upgrade"
    if request.method not in READ_ONLY_METHODS:
        return "immediate"
    if request.path.startswith("/api/"):
        return "immediate"  # API calls record token use and scans: always writers
    return "immediate" if getattr(view, "writes_database", False) else "deferred"


# --- the writers' queue ---------------------------------------------------------------


def _open_queue(dbapi_connection: Any, info: dict) -> None:
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    path = row[2] if row else ""
    if path:  # not for in-memory databases
        info[_LOCK_FD] = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o600)
        info[_QUEUE] = _PROCESS_QUEUES.setdefault(path, threading.Lock())


def _join_queue(info: dict) -> None:
    """Wait (at most the busy timeout) for the writers' file lock. Threads of one
    process first queue on an in-process lock, which sleeps without polling: only
    the thread at its head polls the file lock, so the waiting threads do not take
    the interpreter away from the one that holds the database."""
    fd = info.get(_LOCK_FD)
    if fd is None or info.get(_LOCK_HELD):
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    queue = info[_QUEUE]
    if not queue.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
        return  # fall back on SQLite's own busy timeout
    if _poll_file_lock(fd, deadline):
        info[_LOCK_HELD] = True
    else:
        queue.release()  # fall back on SQLite's own busy timeout


def _poll_file_lock(fd: int, deadline: float) -> bool:
    """Take the file lock, trying at least every 0.5 ms until ``deadline``; False on
    time out or on an error (SQLite's own lock still guards the database)."""
    pause = 0.0002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.0005)
        except OSError:
            return False


def _leave_queue(info: dict) -> None:
    if info.pop(_LOCK_HELD, False):
        with contextlib.suppress(OSError):
            fcntl.flock(info[_LOCK_FD], fcntl.LOCK_UN)
        info[_QUEUE].release()


def _begin_immediate(dbapi_connection: Any, info: dict) -> None:
    _join_queue(info)
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
    except Exception:
        _leave_queue(info)
        raise


def configure_engine_events(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "do_connect")
    def private_file(_dialect: Any, _record: Any, cargs: tuple, _cparams: dict) -> None:
        # The database holds families' data: created readable by its owner only (SQLite
        # gives its -wal and -shm files the database file's mode).
        path = cargs[0] if cargs else ""
        local = path and path != ":memory:" and not path.startswith("file:")
        if local and not os.path.exists(path):
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        _open_queue(dbapi_connection, connection_record.info)

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # Reads (page views) stay deferred so they never wait for a writer; every
        # other transaction takes the write lock up front.
        mode = "deferred" if connection.get_execution_options().get(SNAPSHOT) else _begin_mode()
        info = connection.info
        info[_UPGRADE] = mode == "upgrade"
        if mode == "immediate":
            _begin_immediate(connection.connection.dbapi_connection, info)
        else:
            connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def before_write(connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
        info = connection.info
        if info.get(_UPGRADE) and statement.lstrip()[:6].upper() in _WRITES:
            # First write of a reads-then-writes transaction: end the read-only part
            # and continue holding the write lock.
            info[_UPGRADE] = False
            dbapi_connection = connection.connection.dbapi_connection
            dbapi_connection.execute("COMMIT")
            _begin_immediate(dbapi_connection, info)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def on_end(connection: Any) -> None:
        connection.info[_UPGRADE] = False

    _release_on_return(engine)


def _release_on_return(engine: Engine) -> None:
    @event.listens_for(engine.pool, "checkin")
    def on_checkin(_dbapi_connection: Any, connection_record: Any) -> None:
        # A connection goes back to the pool right after its COMMIT or ROLLBACK: the
        # next writer may go (releasing at the "commit" event would be before it).
        _leave_queue(connection_record.info)

    @event.listens_for(engine.pool, "close")
    def on_close(_dbapi_connection: Any, connection_record: Any) -> None:
        _leave_queue(connection_record.info)
        fd = connection_record.info.pop(_LOCK_FD, None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
