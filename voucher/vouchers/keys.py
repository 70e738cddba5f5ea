"""The voucher key lives outside the database (instance/voucher_key by default), so a
database dump alone can neither forge nor print vouchers. Losing it makes printed
codes unverifiable: back it up with the database."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from flask import Flask, current_app

from voucher.vouchers.codes import CodeKeys, load_or_create_master_key


def init_code_keys(app: Flask) -> None:
    raw = os.environ.get("VOUCHER_KEY") or app.config.get("VOUCHER_KEY")
    if raw:
        master = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    else:
        master = load_or_create_master_key(Path(app.config["VOUCHER_KEY_FILE"]))
    app.extensions["voucher_code_keys"] = CodeKeys(master)


def code_keys() -> CodeKeys:
    return current_app.extensions["voucher_code_keys"]
