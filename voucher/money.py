"""Integer pesos: formatting and forgiving parsing. Chilean pesos have no minor unit."""

from __future__ import annotations

import re

MAX_AMOUNT = 100_000_000  # a hundred million pesos: no single movement is larger

_AMOUNT_RE = re.compile(r"^\$?\s*([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)$")  # ASCII digits only


def format_clp(amount: int) -> str:
    """12345 -> '$12.345'; -5000 -> '-$5.000'."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("money is integer pesos")
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,}".replace(",", ".")


def format_number(amount: int) -> str:
    """12345 -> '12.345' (no currency sign, for table columns)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".")


def format_percent(fraction: float | None) -> str:
    """0.3527 -> '35,3 %' (Chilean decimal comma); None -> '—'."""
    if fraction is None:
        return "—"
    return f"{fraction * 100:.1f}".replace(".", ",") + " %"


def format_decimal(value: float | None) -> str:
    """3.5 -> '3,5'; 4.0 -> '4'; None -> '—'."""
    if value is None:
        return "—"
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text.replace(".", ",")


def parse_clp(text: str | int | None) -> int | None:
    """Read what a person types: '12000', '12.000', '$12.000', ' $ 12000 '.

    Returns None when the text is not a whole number of pesos (no decimals,
    no negative numbers, no letters).
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text
    if text is None:
        return None
    cleaned = text.strip().replace(" ", "")
    if not _AMOUNT_RE.match(cleaned):
        return None
    return int(cleaned.lstrip("$").replace(".", ""))
