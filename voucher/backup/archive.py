"""The backup's plaintext: JSON lines, engine-neutral.

    {"kind": "header", "format": "vales-backup", "version": 1, "revision": …, "created_at": …}
    {"kind": "table", "name": …, "columns": […]}      then one JSON array per row,
    {"kind": "end", "name": …, "rows": N, "sha256": …} in dependency order;
    {"kind": "file", "name": "voucher_key", "data": base64, "sha256": …}
    {"kind": "manifest", …}                            last: counts, chain tips, trial
                                                       balances and every member's SHA-256

Values are JSON numbers, strings, booleans and null; dates and times are ISO 8601 text,
read back by the column's type."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any, BinaryIO

import sqlalchemy as sa

FORMAT = "vales-backup"
VERSION = 1
KEY_MEMBER = "voucher_key"


class ArchiveInvalid(Exception):
    """The archive does not hold what its manifest says."""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)  # string enums


class ArchiveWriter:
    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.members: dict[str, dict[str, Any]] = {}

    def _line(self, text: str) -> bytes:
        data = (text + "\n").encode()
        self._out.write(data)
        return data

    def header(self, revision: str, created_at: datetime) -> None:
        record = {"kind": "header", "format": FORMAT, "version": VERSION}
        self._line(_json({**record, "revision": revision, "created_at": created_at}))

    def table(self, name: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> int:
        self._line(_json({"kind": "table", "name": name, "columns": columns}))
        digest, count = hashlib.sha256(), 0
        for row in rows:
            digest.update(self._line(_json(list(row))))
            count += 1
        self.members[name] = {"rows": count, "sha256": digest.hexdigest()}
        self._line(_json({"kind": "end", "name": name, **self.members[name]}))
        return count

    def file(self, name: str, data: bytes) -> None:
        sha = hashlib.sha256(data).hexdigest()
        self.members[name] = {"sha256": sha}
        encoded = base64.b64encode(data).decode()
        self._line(_json({"kind": "file", "name": name, "data": encoded, "sha256": sha}))

    def manifest(self, manifest: dict[str, Any]) -> None:
        self._line(_json({"kind": "manifest", **manifest, "members": self.members}))


def lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        *whole, pending = pending.split(b"\n")
        yield from whole
    if pending:
        raise ArchiveInvalid("la copia termina a mitad de una línea")


class Table:
    """One table as read back: its name, columns and rows (decoded by ``decode``)."""

    def __init__(self, name: str, columns: list[str]) -> None:
        self.name, self.columns = name, columns


def read(chunks: Iterable[bytes]) -> Iterator[tuple[str, Any]]:
    """Events in file order: ("header", dict), ("table", Table), ("row", list),
    ("end", Table), ("file", (name, bytes)), ("manifest", dict). Every member's row count
    and SHA-256 are checked against its end record and the manifest."""
    seen: dict[str, dict[str, Any]] = {}
    current, digest, count = None, hashlib.sha256(), 0
    manifest = None
    for raw in lines(chunks):
        if manifest is not None:
            raise ArchiveInvalid("hay datos después del manifiesto")
        if current is not None and raw.startswith(b"["):
            digest.update(raw + b"\n")
            count += 1
            yield "row", json.loads(raw)
            continue
        record = json.loads(raw)
        kind = record.get("kind") if isinstance(record, dict) else None
        if kind == "table" and current is None:
            current, digest, count = Table(record["name"], record["columns"]), hashlib.sha256(), 0
            yield "table", current
        elif kind == "end" and current is not None and record["name"] == current.name:
            seen[current.name] = {"rows": count, "sha256": digest.hexdigest()}
            if record["rows"] != count or record["sha256"] != digest.hexdigest():
                raise ArchiveInvalid(f"la tabla {current.name} no coincide con su suma")
            yield "end", current
            current = None
        elif kind == "file" and current is None:
            data = base64.b64decode(record["data"])
            if hashlib.sha256(data).hexdigest() != record["sha256"]:
                raise ArchiveInvalid(f"el archivo {record['name']} no coincide con su suma")
            seen[record["name"]] = {"sha256": record["sha256"]}
            yield "file", (record["name"], data)
        elif kind == "header" and not seen and current is None:
            if record.get("format") != FORMAT or record.get("version") != VERSION:
                raise ArchiveInvalid("formato de copia desconocido")
            yield "header", record
        elif kind == "manifest" and current is None:
            if record.get("members") != seen:
                raise ArchiveInvalid("el manifiesto no coincide con el contenido")
            manifest = record
            yield "manifest", record
        else:
            raise ArchiveInvalid("la copia tiene un registro fuera de lugar")
    if manifest is None:
        raise ArchiveInvalid("a la copia le falta el manifiesto")


def decoder(table: sa.Table, columns: list[str]) -> Any:
    """A function turning a row as stored into the values to insert into ``table``."""
    converters = []
    for name in columns:
        column = table.columns.get(name)
        if column is None:
            raise ArchiveInvalid(f"la columna {table.name}.{name} no existe en esta versión")
        converters.append((name, _converter(column.type)))

    def decode(row: list[Any]) -> dict[str, Any]:
        return {
            name: (convert(value) if value is not None and convert else value)
            for (name, convert), value in zip(converters, row, strict=True)
        }

    return decode


def _converter(column_type: Any) -> Any:
    base = getattr(column_type, "impl", column_type)
    if isinstance(base, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(base, sa.Date):
        return date.fromisoformat
    return None
