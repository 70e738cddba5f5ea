"""Pure rules of a family import: which column is which, what each row says, why a row
is refused, and the files handed back (template, rejected rows). No database."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from voucher.families.models import DocumentType
from voucher.families.rules import search_key
from voucher.families.services import MAX_HOUSEHOLD, FamilyInput, clean_input
from voucher.imports.reading import Sheet, UnreadableFile
from voucher.responses import spreadsheet_text

# Reason codes (api.md): the action each row gets in the preview.
CREATE, UPDATE, SKIP, REJECT, FLAG = "create", "update", "skip", "reject", "flag"

# Column names, once accents, case, punctuation and filler words are taken out.
HEADERS: dict[str, tuple[str, ...]] = {
    "head_name": (
        "nombre",
        "nombres",
        "nombre completo",
        "nombre apellidos",
        "jefe hogar",
        "jefa hogar",
        "jefe jefa hogar",
        "jefa jefe hogar",
        "nombre jefe hogar",
        "nombre jefa hogar",
        "nombre jefe jefa hogar",
        "nombre jefa jefe hogar",
        "titular",
        "beneficiario",
        "beneficiaria",
        "responsable",
    ),
    "document_number": (
        "rut",
        "run",
        "documento",
        "documento identidad",
        "rut pasaporte",
        "rut documento",
        "pasaporte",
        "cedula",
        "cedula identidad",
        "dni",
        "rut jefe hogar",
        "rut jefa hogar",
    ),
    "document_type": ("tipo documento", "tipo doc"),
    "address": ("direccion", "domicilio", "direccion particular"),
    "phone": ("telefono", "fono", "celular", "movil", "telefono contacto", "whatsapp"),
    "household_size": ("integrantes", "personas", "grupo familiar", "integrantes hogar"),
    "household_adults": ("adultos", "adultas adultos", "adultos hogar"),
    "household_children": ("ninos", "ninas ninos", "ninos ninas", "ninos as", "menores", "hijos"),
    "sector": ("sector", "poblacion", "villa", "barrio", "sector poblacion"),
    "notes": ("observaciones", "observacion", "notas", "nota", "comentarios", "obs"),
    "consent": ("consentimiento", "autoriza", "autorizacion", "consiente", "autoriza datos"),
}
_FILLER = {"n", "no", "nro", "num", "numero", "de", "del", "la", "el", "los", "las", "o", "y"}
_FILLER |= {"total", "cantidad", "a", "e", "s"}
KNOWN = {key: name for name, keys in HEADERS.items() for key in keys}
# A header not in the list above still says what it is by one of these words.
_WORDS = [
    ("document_type", {"tipo"}),
    ("document_number", {"rut", "run", "documento", "pasaporte", "cedula"}),
    ("address", {"direccion", "domicilio"}),
    ("phone", {"telefono", "fono", "celular"}),
    ("household_size", {"integrantes", "personas"}),
    ("household_adults", {"adultos"}),
    ("household_children", {"ninos", "ninas", "menores"}),
    ("consent", {"consentimiento", "autoriza", "autorizacion"}),
    ("notes", {"observaciones", "notas", "comentarios"}),
    ("sector", {"sector", "poblacion"}),
    ("head_name", {"nombre", "jefe", "jefa", "titular"}),
]
TEMPLATE_HEADERS = [
    "Nombre jefa o jefe de hogar",
    "RUT o documento",
    "Tipo de documento",
    "Dirección",
    "Teléfono",
    "Adultos",
    "Niños",
    "Sector",
    "Observaciones",
    "Consentimiento",
]
TEMPLATE_EXAMPLE = [
    "María Soto Pérez",
    "12.345.678-5",
    "RUT",
    "Pasaje Los Aromos 1234",
    "+56 9 1234 5678",
    "2",
    "3",
    "Villa Esperanza",
    "",
    "sí",
]
YES = {"si", "s", "x", "yes", "y", "true", "1", "autoriza", "ok", "verdadero"}
HEADER_SEARCH_ROWS = 10

REASONS = {
    "head_name": "missing_name",
    "document_number": "invalid_document",
    "document_type": "invalid_document",
    "household_adults": "invalid_household_size",
    "household_children": "invalid_household_size",
    "household_size": "invalid_household_size",
    "consent": "missing_consent",
}

NO_HEADER = _l(
    "No se encontró la fila de títulos. La primera fila debe tener los títulos de las "
    "columnas, por ejemplo «Nombre» y «RUT» (descargue la plantilla)."
)
NO_NAME_COLUMN = _l("Falta la columna del nombre (por ejemplo «Nombre» o «Jefe(a) de hogar»).")
NO_DOCUMENT_COLUMN = _l("Falta la columna del documento (por ejemplo «RUT» o «Documento»).")


def header_key(text: str) -> str:
    """'N° Integrantes' -> 'integrantes'; 'Jefe(a) de hogar' -> 'jefe hogar'."""
    words = re.sub(r"[^a-z0-9]+", " ", search_key(text)).split()
    return " ".join(word for word in words if word not in _FILLER)


def column_for(text: str) -> str | None:
    key = header_key(text)
    if not key:
        return None
    if key in KNOWN:
        return KNOWN[key]
    words = set(key.split())
    return next((name for name, clue in _WORDS if words & clue), None)


@dataclass
class Columns:
    header_line: int
    index: dict[str, int]  # field -> column position
    titles: dict[str, str]  # field -> the header as written
    unknown: list[str]


def find_columns(sheet: Sheet) -> Columns:
    """The header row (the first of the top rows naming at least two known columns) and
    which column holds what. Refuses a file with no name or no document column."""
    return match_columns(
        sheet,
        column_for,
        [("head_name", NO_NAME_COLUMN), ("document_number", NO_DOCUMENT_COLUMN)],
    )


def match_columns(
    sheet: Sheet,
    name_of: Callable[[str], str | None],
    required: list[tuple[str, Any]],
) -> Columns:
    """The header row (the first of the top rows naming at least two columns ``name_of``
    knows) and which column holds what. Refuses a file missing a ``required`` column
    (with its message) or with no header row at all."""
    for line, cells in sheet.rows[:HEADER_SEARCH_ROWS]:
        index: dict[str, int] = {}
        titles: dict[str, str] = {}
        unknown: list[str] = []
        for position, title in enumerate(cells):
            if not title:
                continue
            name = name_of(title)
            if name is None or name in index:
                unknown.append(title)
                continue
            index[name] = position
            titles[name] = title
        if len(index) >= 2:
            for name, message in required:
                if name not in index:
                    raise UnreadableFile(message)
            return Columns(line, index, titles, unknown)
    raise UnreadableFile(NO_HEADER)


@dataclass
class Row:
    """One data row: what it says, and what is wrong with it (first reason only)."""

    line: int
    cells: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    message: str = ""

    @property
    def key(self) -> tuple[Any, str]:
        return (self.values.get("document_type"), self.values.get("document_number", ""))


def _count(text: str) -> int | None:
    cleaned = text.strip()
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 4 else None


def _document_type(text: str, raw_type: str, header: str) -> str:
    kind = header_key(raw_type)
    if kind:
        if "rut" in kind or "run" in kind:
            return DocumentType.RUT.value
        if "pasaporte" in kind or "passport" in kind:
            return DocumentType.PASSPORT.value
        return DocumentType.OTHER.value
    header = header_key(header)
    if header in {"pasaporte"}:
        return DocumentType.PASSPORT.value
    # A RUT is digits and a check digit (0-9 or K): anything else is another document.
    if re.fullmatch(r"[\d.\s]{6,12}-?\s*[\dkK]", text.strip()):
        return DocumentType.RUT.value
    return DocumentType.RUT.value if header in {"rut", "run"} else DocumentType.OTHER.value


def read_row(line: int, cells: list[str], columns: Columns, *, consent_attested: bool) -> Row:
    """A row checked with the registration form's rules; ``reason`` empty when it is fine."""
    row = Row(line, cells)

    def cell(name: str) -> str:
        position = columns.index.get(name)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    number = cell("document_number")
    adults, children = 1, 0
    size_text = cell("household_size")
    adults_text, children_text = cell("household_adults"), cell("household_children")
    bad_count = None
    if adults_text or children_text:
        adults = _count(adults_text) if adults_text else 1
        children = _count(children_text) if children_text else 0
        bad_count = (
            ("household_adults", adults_text)
            if adults is None
            else ("household_children", children_text)
            if children is None
            else None
        )
    elif size_text:
        size = _count(size_text)
        if size is None or size < 1:
            bad_count = ("household_size", size_text)
        else:
            adults = size
    consent = consent_attested or search_key(cell("consent")).strip(" .") in YES
    data = FamilyInput(
        head_name=cell("head_name"),
        document_type=_document_type(
            number, cell("document_type"), columns.titles["document_number"]
        ),
        document_number=number,
        household_adults=adults if adults is not None else -1,
        household_children=children if children is not None else -1,
        address=cell("address"),
        sector=cell("sector"),
        phone=cell("phone"),
        notes=cell("notes"),
        consent=consent,
    )
    values, errors = clean_input(data, require_consent=True)
    row.values = values
    if bad_count is not None:
        column, text = bad_count
        row.reason = "invalid_household_size"
        row.message = str(
            _l(
                "La columna «%(column)s» debe ser un número de personas (dice «%(text)s»).",
                column=columns.titles.get(column, column),
                text=text[:40],
            )
        )
        return row
    if not errors:
        return row
    # The first problem in the order people read a row: name, document, household, consent.
    order = ["head_name", "document_type", "document_number", "household_adults"]
    order += ["household_children", "consent"]
    errors.sort(key=lambda e: order.index(e[0]) if e[0] in order else len(order))
    name, message = errors[0]
    row.reason = REASONS.get(name, "invalid_value")
    if name == "consent":
        message = _l(
            "Falta el consentimiento: marque «sí» en la columna Consentimiento, o declare "
            "al importar que el consentimiento se recogió en papel."
        )
    elif name == "head_name" and cell("head_name"):
        row.reason = "invalid_value"
    elif name in ("household_adults", "household_children"):
        message = _l(
            "El número de personas del hogar no es válido (de 1 a %(max)s adultos).",
            max=MAX_HOUSEHOLD,
        )
    elif name == "document_number" and not number:
        message = _l("Falta el RUT o documento.")
    row.message = str(message)
    return row


def data_rows(sheet: Sheet, columns: Columns) -> list[tuple[int, list[str]]]:
    """The rows below the header that have something written."""
    return [
        (line, cells)
        for line, cells in sheet.rows
        if line > columns.header_line and any(c.strip() for c in cells)
    ]


# --- files handed back -------------------------------------------------------------------


def template_csv() -> str:
    """The template as CSV (``;``, as Excel in Spanish opens it)."""
    return sheet_template_csv(TEMPLATE_HEADERS, TEMPLATE_EXAMPLE)


def template_xlsx() -> bytes:
    """The template as an Excel workbook: the headers in bold and one example row."""
    return sheet_template_xlsx("Familias", TEMPLATE_HEADERS, TEMPLATE_EXAMPLE)


def sheet_template_csv(headers: list[str], example: list[str]) -> str:
    """A template as CSV (``;``, as Excel in Spanish opens it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerow(example)
    return buffer.getvalue()


def sheet_template_xlsx(title: str, headers: list[str], example: list[str]) -> bytes:
    """A template as an Excel workbook: the headers in bold and one example row."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for position, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = max(14, len(header) + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rejected_csv(header: list[str], rows: list[tuple[list[str], str]]) -> str:
    """The rows to fix, as they were, with a last column "motivo"; text a spreadsheet
    would run as a formula is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    width = max([len(header), *(len(cells) for cells, _m in rows)])
    writer.writerow(
        [spreadsheet_text(h) for h in header] + [""] * (width - len(header)) + ["motivo"]
    )
    for cells, reason in rows:
        padded = list(cells) + [""] * (width - len(cells))
        writer.writerow([spreadsheet_text(c) for c in padded] + [spreadsheet_text(reason)])
    return buffer.getvalue()
