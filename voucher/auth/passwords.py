"""What a new password must not be: short, one of the most common ones (or one of them
with a few digits added), a single repeated character, the person's e-mail, or
something with the parish's name in it."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

MIN_PASSWORD = 10
MAX_PASSWORD = 200
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_EDGES = "0123456789!@#$%&*.,-_+?¡¿ "


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _plain(text: str) -> str:
    """Lower case, accents and spaces gone: "San Estéban" and "sanesteban" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def _is_common(password: str) -> bool:
    lowered = password.casefold()
    candidates = {lowered, lowered.strip(_EDGES), lowered.rstrip(_EDGES), lowered.lstrip(_EDGES)}
    listed = common_passwords()
    return any(len(c) >= 4 and c in listed for c in candidates) or len(set(lowered)) < 4


def _parish_words(parish_name: str) -> set[str]:
    words = {_plain(parish_name)}
    lowered = parish_name.casefold().split()
    if lowered and lowered[0] in {"parroquia", "capilla", "iglesia", "santuario"}:
        words.add(_plain(" ".join(lowered[1:])))
    return {word for word in words if len(word) >= 4}


def problems(password: str, *, email: str = "", parish_name: str = "") -> list[str]:
    """The reasons ``password`` is refused, in Spanish (the catalog translates them)."""
    found = []
    if len(password) < MIN_PASSWORD:
        found.append("short")
    elif len(password) > MAX_PASSWORD:
        found.append("long")
    elif _is_common(password):
        found.append("common")
    plain = _plain(password)
    if email and (
        password.strip().casefold() == email.strip().casefold()
        or (len(_plain(email.split("@")[0])) >= 4 and plain == _plain(email.split("@")[0]))
    ):
        found.append("email")
    if parish_name and any(word in plain for word in _parish_words(parish_name)):
        found.append("parish")
    return found
