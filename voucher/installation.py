"""What ties a database to the key files beside it.

The voucher key lives outside the database (so a stolen dump can neither forge nor
print vouchers), which makes it easy to restore one without the other. The database
keeps a check value of each key (an HMAC of a fixed text under the key: it tells nothing
about the key); at start, a key that does not match, or a missing key file for a
database that already has vouchers, stops the app with a message naming the file
expected, instead of a new key that would make every printed voucher unknown."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Mapped, Session, mapped_column

from voucher.db import Base, UTCDateTime, utcnow

VOUCHER_KEY = "voucher_key"
CHAIN_KEY = "ledger_chain_key"  # app.extensions: the key sealing the ledger's hash chains


class InstallationKey(Base):
    """The check value of a key kept outside the database."""

    __tablename__ = "installation_key"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    check_value: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KeyMismatch(RuntimeError):
    """The key at hand is not the one this database's vouchers were made with."""


def check_value(key: bytes) -> str:
    return hmac.new(key, b"vales: this key belongs to this database", hashlib.sha256).hexdigest()


def derived_key(master: bytes, purpose: str) -> bytes:
    """A key for one purpose, derived from the voucher key (HMAC of the purpose's name):
    knowing one derived key tells nothing about the master or the others."""
    return hmac.new(master, f"vales: {purpose}".encode(), hashlib.sha256).digest()


def stored_check(session: Session, name: str = VOUCHER_KEY) -> str | None:
    return session.scalar(
        sa.select(InstallationKey.check_value).where(InstallationKey.name == name)
    )


def key_file_missing(where: str) -> KeyMismatch:
    return KeyMismatch(
        f"Falta la clave de los vales: esta base de datos ya tiene vales y su clave debe "
        f"estar en {where}. Restaure ese archivo desde la copia de seguridad (o indique "
        f"dónde está con VOUCHER_KEY_FILE). No se creó una clave nueva: con otra clave "
        f"ningún vale impreso sería reconocido."
    )


def ensure_key_belongs(session: Session, key: bytes, where: str, name: str = VOUCHER_KEY) -> None:
    """Refuse a key whose check value differs from the one stored; store it the first
    time (a new database, or one from before check values were kept)."""
    expected = stored_check(session, name)
    if expected is None:
        session.add(InstallationKey(name=name, check_value=check_value(key)))
        session.flush()
    elif not hmac.compare_digest(expected, check_value(key)):
        raise KeyMismatch(
            f"La clave de los vales ({where}) no es la de esta base de datos: los vales "
            f"impresos no serían reconocidos. Use el archivo de clave que acompaña a esta "
            f"base de datos (el de la misma copia de seguridad)."
        )


def document_index_key() -> bytes | None:
    """The key of the documents' cross-parish index, derived from the voucher key (so it
    too lives outside the database), or None where the deployment turned the check off
    (CROSS_PARISH_CHECK) or no key is loaded (a command run before the app started)."""
    if not has_app_context() or not current_app.config.get("CROSS_PARISH_CHECK", True):
        return None
    master = current_app.extensions.get("voucher_master_key")
    if master is None:
        return None
    return hmac.new(master, b"vales: documents across parishes", hashlib.sha256).digest()
