"""Spreadsheets as parishes keep them, written by a real xlsx writer (openpyxl) or as
Excel in Chile saves a CSV (``;`` or ``,``; UTF-8 with or without BOM, Windows-1252)."""

from __future__ import annotations

import csv
import io

import openpyxl

from tests.factories import rut_for

HEADER = ["Nombre", "RUT", "Dirección", "Teléfono", "N° integrantes", "Sector", "Consentimiento"]


def xlsx(rows: list[list], *, title_rows: list[list] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in title_rows or []:
        sheet.append(row)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], *, sep: str = ";", encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    return buffer.getvalue().encode(encoding)


def family_rows(count: int, start: int = 1) -> list[list]:
    """``count`` valid families, each with its own RUT and address."""
    return [
        [
            f"Persona Número {n} Muñoz",
            rut_for(n),
            f"Calle Ñuble {n}",
            f"+56 9 {n:08d}",
            str(1 + n % 6),
            "Villa Esperanza",
            "sí",
        ]
        for n in range(start, start + count)
    ]


def mixed_rows() -> list[list]:
    """The header and rows with one of each problem (line numbers in comments)."""
    return [
        HEADER,  # line 1
        [
            "María Núñez Soto",
            "12.345.678-5",
            "Pasaje Los Aromos 12",
            "",
            "4",
            "Villa",
            "sí",
        ],  # 2 ok
        ["Pedro Rojas", "12.345.678-9", "Calle 1", "", "2", "", "sí"],  # 3 bad check digit
        ["", rut_for(3), "Calle 3", "", "1", "", "sí"],  # 4 no name
        ["Ana Pérez", rut_for(4), "Calle 4", "", "tres", "", "sí"],  # 5 size not a number
        ["Luis Soto", rut_for(5), "Calle 5", "", "2", "", ""],  # 6 no consent
        ["María Núñez", "12345678-5", "Otra 1", "", "1", "", "sí"],  # 7 duplicate of line 2
        ["Rosa Díaz", rut_for(7), "Calle 7", "", "3", "", "x"],  # 8 ok
    ]


def multipart(data: bytes, name: str, **fields) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it (built here: the test client would
    spill a large one to a temporary file it never closes)."""
    boundary = "----valesimport7MA4YWxkTrZu0gW"
    parts = []
    for key, value in fields.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
        parts.append(f"{head}{text}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
