"""Parishes: the tenants."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.errors import Duplicate, ValidationFailed
from voucher.ledger.chart import open_parish_books
from voucher.parishes.models import Parish

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
STOP_WORDS = {
    "parroquia",
    "de",
    "del",
    "la",
    "el",
    "los",
    "las",
    "san",
    "santa",
    "nuestra",
    "señora",
}


def default_prefix(name: str) -> str:
    """'Parroquia Jesús Maestro' -> 'JM'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in re.findall(r"[A-Za-z]+", plain) if w.lower() not in STOP_WORDS]
    letters = "".join(w[0] for w in words)[:4].upper()
    return letters or "VL"


def create_parish(session: Session, *, slug: str, name: str, prefix: str | None = None) -> Parish:
    """Refuses a malformed or taken slug and an empty name."""
    slug = slug.strip().lower()
    errors = []
    if not SLUG_RE.match(slug):
        errors.append(("slug", "Use 3 a 40 letras minúsculas, números o guiones."))
    if not name.strip():
        errors.append(("name", "Escriba el nombre de la parroquia."))
    prefix = (prefix or default_prefix(name)).upper()
    if not re.fullmatch(r"[A-Z]{1,6}", prefix):
        errors.append(("prefix", "El prefijo de serie usa de 1 a 6 letras."))
    if errors:
        raise ValidationFailed(errors)
    Duplicate.refuse_existing(
        session,
        sa.select(Parish.id).where(Parish.slug == slug),
        "Ya existe una parroquia con ese identificador.",
    )
    parish = Parish(slug=slug, name=name.strip(), serial_prefix=prefix)
    session.add(parish)
    session.flush()
    open_parish_books(session, parish.id)
    return parish
