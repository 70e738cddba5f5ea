"""Text that may reach the database: no NUL or other control characters (PostgreSQL
refuses NUL, SQLite would store it; neither belongs in a name or an address), and JSON
nested no deeper than any real request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 20
# C0 controls and DEL, except tab, line feed and carriage return (a pasted address).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def too_deep(value: Any, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, dict):
        return any(too_deep(item, depth + 1) for item in value.values())
    if isinstance(value, list):
        return any(too_deep(item, depth + 1) for item in value)
    return False


def fields_with_control_characters(value: Any, path: str = "") -> Iterator[str]:
    """The dotted paths of every string (or key) in ``value`` holding a control character."""
    if isinstance(value, str):
        if has_control_characters(value):
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if has_control_characters(str(key)):
                yield where
            yield from fields_with_control_characters(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from fields_with_control_characters(
                item, f"{path}.{index}" if path else str(index)
            )
