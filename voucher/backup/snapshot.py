"""Writing a backup: one consistent read of every table while the app keeps serving."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from voucher.backup.archive import KEY_MEMBER, ArchiveWriter
from voucher.backup.crypto import EncryptingWriter
from voucher.db import Base
from voucher.sqlite import SNAPSHOT

BATCH = 5000


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction that sees the database as it was when it began: on
    PostgreSQL REPEATABLE READ READ ONLY; on SQLite a deferred read transaction (WAL keeps
    its snapshot while writers go on)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            options: dict[str, Any] = {
                "isolation_level": "REPEATABLE READ",
                "postgresql_readonly": True,
            }
        else:
            options = {SNAPSHOT: True}
        connection = connection.execution_options(**options)
        with connection.begin():
            yield connection


def schema_revision(connection: Connection) -> str:
    return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


def books_summary(connection: Connection) -> dict[str, Any]:
    """Each parish's ledger chain tip and trial balance (debits, credits per account)."""
    tips: dict[str, Any] = {}
    for parish_id, seq, chain_hash in connection.execute(
        sa.text("SELECT parish_id, seq, hash FROM ledger_head ORDER BY parish_id")
    ):
        tips[str(parish_id)] = {"seq": seq, "hash": chain_hash}
    balances: dict[str, dict[str, list[int]]] = {}
    for parish_id, code, debits, credits in connection.execute(
        sa.text(
            "SELECT parish_id, code, debits_posted, credits_posted FROM ledger_account "
            "ORDER BY parish_id, code"
        )
    ):
        balances.setdefault(str(parish_id), {})[code] = [int(debits), int(credits)]
    return {"chain_tips": tips, "trial_balances": balances}


def table_counts(connection: Connection) -> dict[str, int]:
    return {
        table.name: connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def _rows(connection: Connection, table: sa.Table) -> Iterator[tuple]:
    statement = sa.select(table).order_by(*table.primary_key.columns)
    result = connection.execute(statement.execution_options(yield_per=BATCH))
    for partition in result.partitions():
        yield from partition


def create_backup(engine: Engine, out: BinaryIO, passphrase: str, voucher_key: bytes) -> dict:
    """Write the whole database, the voucher key and a manifest to ``out``, encrypted;
    answer the manifest."""
    encrypted = EncryptingWriter(out, passphrase)
    archive = ArchiveWriter(encrypted)
    with snapshot(engine) as connection:
        revision = schema_revision(connection)
        created_at = datetime.now().astimezone()
        archive.header(revision, created_at)
        counts = {
            table.name: archive.table(
                table.name, [c.name for c in table.columns], _rows(connection, table)
            )
            for table in Base.metadata.sorted_tables
        }
        manifest = {
            "revision": revision,
            "created_at": created_at,
            "counts": counts,
            **books_summary(connection),
        }
    archive.file(KEY_MEMBER, voucher_key)
    archive.manifest(manifest)
    encrypted.close()
    return {**manifest, "members": archive.members}
