"""File answers (PDF, CSV, any download) written once for the web and the API."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response


def attachment(
    data: bytes | str | Iterable[str] | Iterable[bytes],
    mimetype: str,
    filename: str,
    *,
    no_store: bool = False,
) -> Response:
    """A download named ``filename``. ``no_store`` for papers that carry bearer codes
    (voucher sheets): no cache keeps a copy."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def pdf_response(data: bytes, filename: str, *, no_store: bool = False) -> Response:
    return attachment(data, "application/pdf", filename, no_store=no_store)


def csv_response(text: str | Iterable[str], filename: str) -> Response:
    """CSV as Excel in Chile opens it: UTF-8 with a BOM, so accents read right. ``text``
    may be a generator of lines (streamed)."""
    body = "\ufeff" + text if isinstance(text, str) else _with_bom(text)
    response = attachment(body, "text/csv", filename)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return response


def _with_bom(lines: Iterable[str]) -> Iterable[str]:
    yield "\ufeff"
    yield from lines


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """Text a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
    ``@``) gets a leading apostrophe, so it shows as written."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
