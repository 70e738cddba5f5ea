"""gunicorn's access log without secrets: the repository's ``gunicorn.conf.py`` makes
gunicorn log through :class:`RedactingLogger`, whose lines carry the path without its
query string (searches by RUT or name), with voucher codes and one-time tokens blanked
out of it, and no referrer (a page opened from a QR would bring its code along)."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

HIDDEN = "…"
# The segment after these is a voucher code or a one-time token, whatever it looks like.
_SECRET_AFTER = {"r", "by-code", "pairings", "pair", "reset", "p"}
# Anything else long that mixes letters and digits is treated as one too (a code is 13
# symbols, tokens longer); ids are digits only and route words have no digits.
_LOOKS_SECRET = re.compile(r"(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9_~%-]{13,}")
_DROPPED_HEADERS = ("{authorization}i", "{cookie}i", "{referer}i", "{idempotency-key}i")


def redact_path(path: str) -> str:
    """``/r/P58B-Q7HS-5RFC-Z`` → ``/r/…``; ``/api/v1/vouchers/by-code/X`` → ``…/by-code/…``;
    numeric ids and route words stay."""
    parts = path.split("/")
    for index, part in enumerate(parts):
        if not part:
            continue
        if (index and parts[index - 1] in _SECRET_AFTER) or _LOOKS_SECRET.fullmatch(part):
            parts[index] = HIDDEN
    return "/".join(parts)


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO") or "")
        atoms["U"] = path
        atoms["q"] = ""
        atoms["f"] = "-"
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        for header in _DROPPED_HEADERS:
            atoms.pop(header, None)
        return atoms
