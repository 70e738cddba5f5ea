"""``flask --app wsgi backup create|check|restore``."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from voucher.backup.restore import Outcome, RestoreRefused, check, restore
from voucher.backup.snapshot import create_backup
from voucher.extensions import db
from voucher.vouchers.keys import master_key

backup_cli = AppGroup("backup", help="Copias de seguridad cifradas: crear, comprobar, restaurar.")
PASSPHRASE_ENV = "VOUCHER_BACKUP_PASSPHRASE"  # noqa: S105  (a variable name)
MIN_PASSPHRASE = 12
NAME_FORMAT = "vales-%Y%m%d-%H%M%S.backup"


def _passphrase(*, confirm: bool) -> str:
    value = os.environ.get(PASSPHRASE_ENV) or click.prompt(
        "Contraseña de la copia", hide_input=True, confirmation_prompt=confirm
    )
    if confirm and len(value) < MIN_PASSPHRASE:
        raise click.ClickException(
            f"La contraseña de la copia debe tener al menos {MIN_PASSPHRASE} caracteres."
        )
    return value


def _rotate(folder: Path, keep: int) -> list[Path]:
    backups = sorted(folder.glob("vales-*.backup"))
    old = backups[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
    return old


@backup_cli.command("create")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), help="With --dir: keep the newest N.")
def create_command(file: Path | None, folder: Path | None, keep: int | None) -> None:
    """Write an encrypted backup of the whole database and the voucher key to FILE (or to
    a dated file in --dir, keeping the newest --keep)."""
    if (file is None) == (folder is None):
        raise click.UsageError("Indique FILE o --dir (uno de los dos).")
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / datetime.now().strftime(NAME_FORMAT)
    if file.exists():
        raise click.ClickException(f"{file} ya existe: no se sobrescribe.")
    passphrase = _passphrase(confirm=True)
    partial = file.with_name(file.name + ".partial")
    try:
        with partial.open("xb") as out:
            os.chmod(partial, 0o600)
            manifest = create_backup(db.engine, out, passphrase, master_key())
        partial.rename(file)
    finally:
        partial.unlink(missing_ok=True)
    rows = sum(manifest["counts"].values())
    click.echo(f"Copia creada: {file} ({rows} filas, esquema {manifest['revision']}).")
    if folder is not None and keep:
        for old in _rotate(folder, keep):
            click.echo(f"Copia antigua borrada: {old.name}")


def _report(outcome: Outcome, success: str) -> None:
    if outcome.ok:
        click.echo(success)
        return
    for failure in outcome.failures:
        click.echo(f"  ✗ {failure}", err=True)
    raise click.ClickException("La copia no coincide con lo restaurado (detalle arriba).")


@backup_cli.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_command(file: Path) -> None:
    """Decrypt FILE, check every member, restore it into a temporary database and run
    ledger verify there."""
    try:
        outcome = check(current_app._get_current_object(), file, _passphrase(confirm=False))
    except RestoreRefused as refused:
        raise click.ClickException(str(refused)) from None
    _report(outcome, f"Copia en buen estado: {file} ({sum(outcome.counts.values())} filas).")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Load FILE into this (empty) database, install its voucher key, and compare."""
    try:
        outcome = restore(file, _passphrase(confirm=False))
    except RestoreRefused as refused:
        raise click.ClickException(str(refused)) from None
    _report(outcome, f"Copia restaurada y verificada ({sum(outcome.counts.values())} filas).")
