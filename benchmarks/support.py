"""Shared benchmark plumbing: a throw-away database built by the migrations."""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

BENCH_KEY = base64.urlsafe_b64encode(b"b" * 32).decode()


@contextlib.contextmanager
def temporary_database(admin_url: str | None = None) -> Iterator[str]:
    """A new empty database: a SQLite file, or a fresh PostgreSQL database next to
    ``admin_url``; removed afterwards."""
    if not admin_url:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    url = sa.engine.make_url(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"vales_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


def make_app(database_url: str, **extra):
    """The real app on ``database_url``, migrated to the latest schema."""
    os.environ.setdefault("VOUCHER_KEY", BENCH_KEY)
    from flask_migrate import upgrade

    from voucher import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "VOUCHER_KEY": BENCH_KEY,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            **extra,
        }
    )
    with app.app_context():
        upgrade()
    return app


def rut_for(n: int, base: int = 10_000_000) -> str:
    """A valid RUT built from any number (computes the modulo-11 check digit)."""
    body = base + n
    total, factor = 0, 2
    for digit in reversed(str(body)):
        total += int(digit) * factor
        factor = 2 if factor == 7 else factor + 1
    check = 11 - total % 11
    dv = {10: "K", 11: "0"}.get(check, str(check))
    return f"{body}-{dv}"


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start


def best_of(runs: int, func) -> float:
    """Best wall time of ``runs`` calls, in seconds."""
    times = []
    for _ in range(runs):
        with Timer() as t:
            func()
        times.append(t.seconds)
    return min(times)
