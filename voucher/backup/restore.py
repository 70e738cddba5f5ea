"""Reading a backup back: checked whole before anything is written, then loaded into an
empty database of either engine, its voucher key installed, and the result compared
with the manifest."""

from __future__ import annotations

import base64
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import downgrade, upgrade

from voucher.backup.archive import KEY_MEMBER, ArchiveInvalid, decoder, read
from voucher.backup.crypto import BackupUnreadable, decrypted_chunks
from voucher.backup.snapshot import books_summary, schema_revision, table_counts
from voucher.db import Base
from voucher.extensions import db, migrate
from voucher.installation import InstallationKey
from voucher.oversight.verify import verify_parish
from voucher.parishes.models import Parish
from voucher.vouchers.keys import adopt_key

INSERT_BATCH = 2000


class RestoreRefused(Exception):
    """The backup cannot be restored here; nothing was written."""


@dataclass
class Contents:
    revision: str
    manifest: dict[str, Any]
    voucher_key: bytes


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def _events(path: Path, passphrase: str):
    with path.open("rb") as source:
        yield from read(decrypted_chunks(source, passphrase))


def read_whole(path: Path, passphrase: str) -> Contents:
    """Decrypt and check every member against the manifest, writing nothing."""
    header, manifest, key = None, None, None
    try:
        for kind, value in _events(path, passphrase):
            if kind == "header":
                header = value
            elif kind == "file" and value[0] == KEY_MEMBER:
                key = value[1]
            elif kind == "manifest":
                manifest = value
    except (BackupUnreadable, ArchiveInvalid) as error:
        raise RestoreRefused(f"La copia no se puede usar: {error}.") from None
    except (ValueError, KeyError, TypeError):
        raise RestoreRefused("La copia no se puede usar: su contenido está dañado.") from None
    counts = {name: member.get("rows") for name, member in manifest["members"].items()}
    if key is None or counts != {**manifest["counts"], KEY_MEMBER: None}:
        raise RestoreRefused("La copia no se puede usar: el manifiesto no cuadra.")
    return Contents(header["revision"], manifest, key)


def _known_revision(revision: str) -> bool:
    script = ScriptDirectory.from_config(migrate.get_config())
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown or malformed ids
        return False


def _holds_data() -> list[str]:
    existing = set(sa.inspect(db.session.connection()).get_table_names())
    return [
        table.name
        for table in Base.metadata.sorted_tables
        if table.name != InstallationKey.__tablename__
        and table.name in existing
        and db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
    ]


def _key_file_for(contents: Contents) -> Path | None:
    """Where the voucher key goes, or None when it comes from VOUCHER_KEY (which must then
    be the backup's own key)."""
    raw = os.environ.get("VOUCHER_KEY") or current_app.config.get("VOUCHER_KEY")
    if raw:
        if base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)) != contents.voucher_key:
            raise RestoreRefused(
                "VOUCHER_KEY no es la clave de esta copia: quítela del entorno para que se "
                "instale la clave de la copia."
            )
        return None
    return Path(current_app.config["VOUCHER_KEY_FILE"])


def _migrate_to(revision: str) -> None:
    with db.engine.connect() as connection:
        has_schema = sa.inspect(connection).has_table("alembic_version")
        current = schema_revision(connection) if has_schema else None
    db.session.remove()
    if current is None:
        upgrade(revision=revision)
    elif current != revision:
        script = ScriptDirectory.from_config(migrate.get_config())
        ahead = revision in {r.revision for r in script.iterate_revisions(current, "base")}
        (downgrade if ahead else upgrade)(revision=revision)


def _load(path: Path, passphrase: str) -> None:
    """Every row, in the archive's order, in one transaction."""
    session = db.session
    session.execute(sa.delete(InstallationKey))  # the key check comes with the backup
    table, decode, batch = None, None, []
    for kind, value in _events(path, passphrase):
        if kind == "table":
            table = Base.metadata.tables[value.name]
            decode, batch = decoder(table, value.columns), []
        elif kind == "row":
            batch.append(decode(value))
            if len(batch) >= INSERT_BATCH:
                session.execute(table.insert(), batch)
                batch = []
        elif kind == "end" and batch:
            session.execute(table.insert(), batch)
            batch = []
    if db.engine.dialect.name == "postgresql":
        _reset_sequences()


def _reset_sequences() -> None:
    """PostgreSQL: each id sequence continues after the highest id restored."""
    quote = db.engine.dialect.identifier_preparer.quote
    for table in Base.metadata.sorted_tables:
        if "id" in table.columns and table.columns["id"].autoincrement in (True, "auto"):
            name = quote(table.name)
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence(:name, 'id'), "  # noqa: S608
                    f"COALESCE((SELECT MAX(id) FROM {name}), 1), "
                    f"(SELECT MAX(id) FROM {name}) IS NOT NULL)"
                ),
                {"name": name},
            )


def _install_key(key_file: Path | None, key: bytes) -> None:
    if key_file is None:
        return
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=key_file.parent, prefix=".voucher_key.")
    with os.fdopen(fd, "w", encoding="ascii") as handle:  # mkstemp: mode 600
        handle.write(base64.urlsafe_b64encode(key).decode() + "\n")
    os.replace(temporary, key_file)


def compare(manifest: dict[str, Any]) -> Outcome:
    """The database against the manifest: row counts, chain tips, trial balances, and
    ``ledger verify`` of every parish."""
    outcome = Outcome()
    with db.engine.connect() as connection:
        outcome.counts = table_counts(connection)
        books = books_summary(connection)
    for name, expected in manifest["counts"].items():
        if outcome.counts.get(name) != expected:
            outcome.failures.append(
                f"{name}: {outcome.counts.get(name)} filas, la copia tiene {expected}"
            )
    for part in ("chain_tips", "trial_balances"):
        if books[part] != manifest[part]:
            outcome.failures.append(f"{part} no coincide con la copia")
    for parish in db.session.scalars(sa.select(Parish).order_by(Parish.id)):
        report = verify_parish(db.session, parish)
        outcome.failures += [f"{parish.slug}: {failure}" for failure in report.failures]
    db.session.rollback()
    return outcome


def restore(path: Path, passphrase: str) -> Outcome:
    """Load the backup at ``path`` into this app's database, which must be empty.
    Refuses (RestoreRefused, nothing written) a wrong passphrase, a damaged or cut file,
    a file from a newer schema, and a database that holds data."""
    contents = read_whole(path, passphrase)
    if not _known_revision(contents.revision):
        raise RestoreRefused(
            f"La copia es de una versión más nueva de Vales (esquema {contents.revision}): "
            f"actualice Vales antes de restaurarla."
        )
    key_file = _key_file_for(contents)
    if busy := _holds_data():
        raise RestoreRefused(
            "La base de datos de destino ya tiene datos (" + ", ".join(busy[:5]) + "): "
            "restaure solo en una base vacía."
        )
    db.session.rollback()
    _migrate_to(contents.revision)
    try:
        _load(path, passphrase)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.remove()
    upgrade()
    _install_key(key_file, contents.voucher_key)
    adopt_key(current_app, contents.voucher_key)  # the restored books are sealed with it
    return compare(contents.manifest)


def check(app: Flask, path: Path, passphrase: str) -> Outcome:
    """Restore into a temporary SQLite database and compare it with the manifest (the
    app factory, kept in ``app.extensions["app_factory"]``, builds the scratch app)."""
    contents = read_whole(path, passphrase)
    with tempfile.TemporaryDirectory(prefix="vales-check-") as folder:
        config = {
            key: value
            for key, value in app.config.items()
            if key.isupper() and key not in ("SQLALCHEMY_DATABASE_URI", "VOUCHER_KEY_FILE")
        }
        config |= {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/check.sqlite3",
            "VOUCHER_KEY": base64.urlsafe_b64encode(contents.voucher_key).decode(),
            "VOUCHER_KEY_FILE": str(Path(folder) / "voucher_key"),
        }
        scratch = app.extensions["app_factory"](config)
        with scratch.app_context():
            try:
                return restore(path, passphrase)
            finally:
                db.session.remove()
                db.engine.dispose()
