"""``flask --app wsgi doctor``: what a volunteer keeping the server would get wrong,
each checked and said in Spanish as ok or aviso (warning)."""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import click
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext

from voucher.config import WEAK_KEYS
from voucher.extensions import db, migrate

MIN_FREE_BYTES = 1 << 30
MAX_BACKUP_AGE_HOURS = 36
Finding = tuple[bool, str]


def _secret_key(app: Flask) -> Finding:
    secret = app.config.get("SECRET_KEY") or ""
    if secret in WEAK_KEYS or len(secret) < 32:
        return False, "La clave secreta (SECRET_KEY) es débil: use al menos 32 caracteres al azar."
    return True, "Clave secreta suficientemente larga."


def _voucher_key(app: Flask) -> Finding:
    if os.environ.get("VOUCHER_KEY") or app.config.get("VOUCHER_KEY"):
        return True, "Clave de los vales dada en VOUCHER_KEY."
    path = Path(app.config["VOUCHER_KEY_FILE"])
    if not path.exists():
        return False, f"Falta el archivo de clave de los vales: {path}."
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return False, f"La clave de los vales ({path}) la pueden leer otros: chmod 600 {path}."
    return True, f"Clave de los vales en {path}, solo legible por su dueño."


def _base_url(app: Flask) -> Finding:
    url = urlparse(app.config.get("VOUCHER_BASE_URL", ""))
    production = app.config.get("VOUCHER_ENV") == "production"
    if url.scheme not in ("http", "https") or not url.netloc:
        return False, "VOUCHER_BASE_URL no es una dirección web (https://…)."
    if production and url.scheme != "https":
        return False, "VOUCHER_BASE_URL debe empezar con https:// en producción."
    return True, f"Los QR apuntan a {url.scheme}://{url.netloc}."


def _migrations(_app: Flask) -> Finding:
    head = ScriptDirectory.from_config(migrate.get_config()).get_current_head()
    try:
        with db.engine.connect() as connection:
            current = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.SQLAlchemyError:
        current = None
    if current != head:
        return False, f"La base de datos no está al día (esquema {current}, falta {head}): " + (
            "ejecute flask --app wsgi db upgrade."
        )
    return True, "Base de datos al día."


def _backups(app: Flask) -> Finding:
    folder = app.config.get("VOUCHER_BACKUP_DIR")
    if not folder:
        return False, "No hay carpeta de copias (VOUCHER_BACKUP_DIR): vea «Copias de seguridad»."
    newest = max(Path(folder).glob("vales-*.backup"), default=None, key=lambda p: p.stat().st_mtime)
    if newest is None:
        return False, f"No hay copias en {folder}."
    hours = (time.time() - newest.stat().st_mtime) / 3600
    if hours > MAX_BACKUP_AGE_HOURS:
        return False, f"La copia más reciente ({newest.name}) tiene {hours:.0f} horas."
    return True, f"Copia reciente: {newest.name}."


def _sqlite_wal(_app: Flask) -> Finding:
    if db.engine.dialect.name != "sqlite":
        return True, f"Motor de base de datos: {db.engine.dialect.name}."
    with db.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    if str(mode).lower() != "wal":
        return False, f"SQLite no está en modo WAL (está en {mode})."
    return True, "SQLite en modo WAL."


def _disk(app: Flask) -> Finding:
    free = shutil.disk_usage(app.instance_path).free
    if free < MIN_FREE_BYTES:
        return False, f"Queda poco disco: {free / 2**30:.1f} GiB libres."
    return True, f"Disco: {free / 2**30:.0f} GiB libres."


CHECKS: list[Callable[[Flask], Finding]] = [
    _secret_key,
    _voucher_key,
    _base_url,
    _migrations,
    _backups,
    _sqlite_wal,
    _disk,
]


def findings(app: Flask) -> Iterator[Finding]:
    for check in CHECKS:
        yield check(app)


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check the installation: keys, address, schema, backups, SQLite, disk."""
    warnings = 0
    for ok, message in findings(current_app._get_current_object()):
        click.echo(f"{'ok   ' if ok else 'AVISO'}  {message}")
        warnings += not ok
    if warnings:
        raise click.ClickException(f"{warnings} aviso(s): revise lo marcado AVISO.")
    click.echo("Todo en orden.")
