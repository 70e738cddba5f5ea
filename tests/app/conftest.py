"""The English catalog is compiled before any app is created, so `pytest` alone works
(`make` compiles it too; the .mo files are git-ignored)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "voucher" / "translations"


def compile_catalogs() -> None:
    """Write each messages.mo that is missing or older than its .po (atomic, xdist-safe)."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        tmp_path = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.tmp")
        with tmp_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(tmp_path, mo_path)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    compile_catalogs()
