"""The voucher key lives outside the database (instance/voucher_key by default), so a
database dump alone can neither forge nor print vouchers. Losing it makes printed
codes unverifiable: back it up with the database."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from voucher.extensions import db
from voucher.installation import (
    CHAIN_KEY,
    InstallationKey,
    KeyMismatch,
    derived_key,
    ensure_key_belongs,
    key_file_missing,
    stored_check,
)
from voucher.vouchers.codes import CodeKeys, load_or_create_master_key
from voucher.vouchers.models import Voucher


def init_code_keys(app: Flask) -> None:
    """Load the voucher key and check that it belongs to the database (a database with
    vouchers and no key file, or another key, stops the app: KeyMismatch)."""
    with app.app_context():
        try:
            master = _belonging_key(app)
        except KeyMismatch:
            db.session.remove()
            db.engine.dispose()  # the app will not start: leave no connection open
            raise
        db.session.remove()
    adopt_key(app, master)


def adopt_key(app: Flask, master: bytes) -> None:
    """Use ``master`` from now on: the codes' keys and the ledger chain's key come from it
    (at start, and after a restore brings the database's own key)."""
    app.extensions["voucher_code_keys"] = CodeKeys(master)
    app.extensions["voucher_master_key"] = master
    app.extensions[CHAIN_KEY] = derived_key(master, "ledger hash chain")


def _belonging_key(app: Flask) -> bytes:
    raw = os.environ.get("VOUCHER_KEY") or app.config.get("VOUCHER_KEY")
    schema_ready = sa.inspect(db.engine).has_table(InstallationKey.__tablename__)
    if raw:
        where = "VOUCHER_KEY"
        master = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    else:
        path = Path(app.config["VOUCHER_KEY_FILE"])
        where = str(path)
        if not path.exists() and schema_ready and _has_vouchers_or_check():
            raise key_file_missing(where)
        master = load_or_create_master_key(path)
    if schema_ready:
        ensure_key_belongs(db.session, master, where)
        db.session.commit()  # the first check value, kept once
    return master


def _has_vouchers_or_check() -> bool:
    return (
        stored_check(db.session) is not None
        or db.session.scalar(sa.select(Voucher.id).limit(1)) is not None
    )


def code_keys() -> CodeKeys:
    return current_app.extensions["voucher_code_keys"]


def master_key() -> bytes:
    """The master key itself: only for the backup, which carries it encrypted."""
    return current_app.extensions["voucher_master_key"]
