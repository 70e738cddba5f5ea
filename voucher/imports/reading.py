"""Reading a spreadsheet people already keep: ``.xlsx`` (formulas as their cached values,
never evaluated) or ``.csv`` as Excel in Chile saves it (``;`` or ``,``; UTF-8 with or
without BOM, or Windows-1252), detected, not asked.

Pure: bytes in, rows of text out. The limits are checked before anything is parsed: the
size, the row count, and for an xlsx how far its zip would expand (a zip bomb)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from voucher.errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# A 10,000-row sheet is a few MB of XML; anything that expands past this is not a list
# of families.
MAX_EXPANDED_BYTES = 64 * 1024 * 1024
MAX_RATIO = 200
MAX_COLUMNS = 60
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old .xls


class FileTooLarge(DomainError):
    status = 413
    reason = "file_too_large"
    message = _l("El archivo pesa más de 5 MB. Divídalo en partes más pequeñas.")


class TooManyRows(DomainError):
    status = 413
    reason = "too_many_rows"
    message = _l("El archivo tiene más de 10.000 filas. Divídalo en partes más pequeñas.")


class UnreadableFile(DomainError):
    status = 422
    reason = "unreadable_file"
    message = _l("No se pudo leer el archivo.")


EMPTY = _l("El archivo está vacío: no tiene filas con datos.")
WRONG_TYPE = _l(
    "Este archivo no es una planilla .xlsx ni un .csv. En Excel use «Guardar como» y elija "
    "«Libro de Excel (.xlsx)» o «CSV (delimitado por comas)»."
)
OLD_XLS = _l(
    "Los archivos .xls antiguos no se pueden leer. En Excel use «Guardar como» y elija "
    "«Libro de Excel (.xlsx)»."
)
BROKEN_XLSX = _l("El archivo .xlsx está dañado o incompleto. Ábralo en Excel y guárdelo de nuevo.")
ZIP_BOMB = _l("El archivo .xlsx se expande a un tamaño que no corresponde a una planilla.")


@dataclass
class Sheet:
    """The file's rows as text cells, each with its line number in the file (1 = first)."""

    kind: str  # "xlsx" or "csv"
    rows: list[tuple[int, list[str]]]
    encoding: str = ""
    separator: str = ""


def read_sheet(data: bytes) -> Sheet:
    """Refuses (FileTooLarge, TooManyRows, UnreadableFile) before parsing what cannot be
    a list: too big, too many rows, an old .xls, a binary file, a zip bomb."""
    if len(data) > MAX_BYTES:
        raise FileTooLarge()
    if not data.strip():
        raise UnreadableFile(EMPTY)
    if data.startswith(XLSX_MAGIC):
        sheet = _read_xlsx(data)
    elif data.startswith(OLE_MAGIC):
        raise UnreadableFile(OLD_XLS)
    else:
        sheet = _read_csv(data)
    if not any(any(cells) for _line, cells in sheet.rows):
        raise UnreadableFile(EMPTY)
    return sheet


# --- csv ---------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was written in: UTF-8 (with or without BOM) when it
    decodes as such, else Windows-1252 (what Excel in Spanish saves as "CSV")."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 reads them instead of failing.
        return data.decode("cp1252", errors="replace"), "cp1252"


def guess_separator(text: str) -> str:
    """``;`` (Excel in Spanish), ``,`` or a tab: the one the first line uses most."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> Sheet:
    if b"\x00" in data[:4096]:
        raise UnreadableFile(WRONG_TYPE)
    # Counted before parsing: a line is at least its line break.
    if data.count(b"\n") > MAX_ROWS + 1:
        raise TooManyRows()
    text, encoding = decode_text(data)
    if _looks_binary(text):
        raise UnreadableFile(WRONG_TYPE)
    separator = guess_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for record in reader:
            rows.append((line, [cell.strip() for cell in record[:MAX_COLUMNS]]))
            line = reader.line_num + 1
    except csv.Error:
        raise UnreadableFile(
            _l("El archivo CSV está mal formado cerca de la línea %(line)s.", line=line)
        ) from None
    if len(rows) > MAX_ROWS + 1:
        raise TooManyRows()
    return Sheet("csv", rows, encoding=encoding, separator=separator)


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > len(sample) // 100 + 2


# --- xlsx --------------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnreadableFile(BROKEN_XLSX) from None
    with archive:
        entries = archive.infolist()
        if "xl/workbook.xml" not in {entry.filename for entry in entries}:
            raise UnreadableFile(WRONG_TYPE)
        total = 0
        for entry in entries:
            total += entry.file_size
            if entry.file_size > MAX_RATIO * max(entry.compress_size, 1) and entry.file_size > (
                1024 * 1024
            ):
                raise UnreadableFile(ZIP_BOMB)
        if total > MAX_EXPANDED_BYTES:
            raise UnreadableFile(ZIP_BOMB)


def _read_xlsx(data: bytes) -> Sheet:
    _check_zip(data)
    # openpyxl is imported here, once a file is an xlsx: it is the slowest import of the app.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        raise UnreadableFile(BROKEN_XLSX) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise UnreadableFile(EMPTY)
        declared = sheet.max_row or 0
        if declared > MAX_ROWS + 1 and sheet.max_column:
            raise TooManyRows()
        rows: list[tuple[int, list[str]]] = []
        try:
            for number, values in enumerate(
                sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1
            ):
                if number > MAX_ROWS + 1:
                    raise TooManyRows()
                cells = [cell_text(value) for value in values]
                while cells and not cells[-1]:
                    cells.pop()
                rows.append((number, cells))
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as error:
            raise UnreadableFile(BROKEN_XLSX) from error
    finally:
        book.close()
    while rows and not any(rows[-1][1]):
        rows.pop()
    return Sheet("xlsx", rows)


def cell_text(value: object) -> str:
    """A cell as people read it: 12345678.0 -> '12345678', a date -> '31-12-2026'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return " ".join(str(value).split())
