"""A shop file's rows as a parish keeps them: the columns recognised (Spanish headers and
their variants), each row read and checked with the shop form's own rules, and the template
to download. Pure: no database."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l

from voucher.families.rules import normalise_rut, search_key
from voucher.imports import rules
from voucher.imports.plans import Outcome
from voucher.shops.services import ShopInput, clean_input

# Column names once accents, case, punctuation and filler words are taken out
# (imports.rules.header_key).
HEADERS: dict[str, tuple[str, ...]] = {
    "name": (
        "nombre",
        "comercio",
        "nombre comercio",
        "nombre fantasia",
        "local",
        "negocio",
        "almacen",
        "razon social",
    ),
    "rut": ("rut", "r u t", "rut comercio", "rut empresa", "rol unico tributario"),
    "owner_name": (
        "dueno",
        "duena",
        "dueno a",
        "duena o",
        "propietario",
        "propietaria",
        "propietario a",
        "nombre dueno",
        "encargado",
        "encargada",
        "contacto",
    ),
    "address": ("direccion", "domicilio", "direccion comercio"),
    "phone": ("telefono", "fono", "celular", "movil", "whatsapp"),
    "categories": ("categorias", "categoria", "rubro", "rubros", "tipo comercio", "vende"),
    "bank_name": ("banco",),
    "account_type": ("tipo cuenta", "tipo cta"),
    "account_number": ("cuenta", "cta", "numero cuenta", "cuenta bancaria", "cta cte"),
    "payment_email": ("correo", "email", "e mail", "mail", "correo electronico"),
}
KNOWN = {key: name for name, keys in HEADERS.items() for key in keys}
_WORDS = [
    ("account_type", {"tipo"}),
    ("rut", {"rut"}),
    ("account_number", {"cuenta", "cta"}),
    ("bank_name", {"banco"}),
    ("payment_email", {"correo", "email", "mail"}),
    ("address", {"direccion", "domicilio"}),
    ("phone", {"telefono", "fono", "celular"}),
    ("categories", {"categorias", "categoria", "rubro"}),
    ("owner_name", {"dueno", "duena", "propietario", "propietaria"}),
    ("name", {"nombre", "comercio", "fantasia"}),
]
TEMPLATE_HEADERS = [
    "Nombre de fantasía",
    "RUT",
    "Dueño(a)",
    "Dirección",
    "Teléfono",
    "Categorías",
    "Banco",
    "Tipo de cuenta",
    "N° de cuenta",
    "Correo",
]
TEMPLATE_EXAMPLE = [
    "Almacén Don Pepe",
    "76.086.428-5",
    "José Pérez",
    "Av. Central 456",
    "+56 9 8765 4321",
    "Alimentos y aseo",
    "BancoEstado",
    "Cuenta corriente",
    "12345678",
    "almacen@example.cl",
]
FOOD = {"alimentos", "alimento", "comida", "abarrotes", "almacen", "food", "viveres"}
HYGIENE = {"higiene", "aseo", "limpieza", "hygiene", "perfumeria"}
BOTH = {"ambos", "ambas", "todo", "todos", "todas"}
ACCOUNT_KINDS = [
    ("rut", {"cuentarut", "rut"}),
    ("vista", {"vista", "chequera"}),
    ("ahorro", {"ahorro", "ahorros"}),
    ("corriente", {"corriente", "cte", "cc"}),
]
UPDATABLE = ("owner_name", "address", "phone", "bank_name", "account_type")
UPDATABLE += ("account_number", "payment_email")
FIELD_LABELS = {
    "owner_name": _l("dueño(a)"),
    "address": _l("dirección"),
    "phone": _l("teléfono"),
    "bank_name": _l("banco"),
    "account_type": _l("tipo de cuenta"),
    "account_number": _l("número de cuenta"),
    "payment_email": _l("correo"),
}
NO_NAME_COLUMN = _l("Falta la columna del nombre del comercio (por ejemplo «Nombre» o «Comercio»).")
NO_RUT_COLUMN = _l("Falta la columna del RUT del comercio.")


def column_for(text: str) -> str | None:
    key = rules.header_key(text)
    if not key:
        return None
    if key in KNOWN:
        return KNOWN[key]
    words = set(key.split())
    return next((name for name, clue in _WORDS if words & clue), None)


def categories_of(text: str) -> list[str] | None:
    """'Alimentos y aseo' -> ['food', 'hygiene']; None when no category is recognised."""
    words = set(re.sub(r"[^a-z]+", " ", search_key(text)).split())
    if words & BOTH:
        return ["food", "hygiene"]
    found = [name for name, clue in (("food", FOOD), ("hygiene", HYGIENE)) if words & clue]
    return found or None


def account_type_of(text: str) -> str | None:
    """'Cuenta corriente', 'Cta. Cte.', 'CuentaRUT' -> its code; '' when empty."""
    words = set(re.sub(r"[^a-z]+", " ", search_key(text)).split())
    if not words:
        return ""
    return next((kind for kind, clue in ACCOUNT_KINDS if words & clue), None)


def read_row(line: int, cells: list[str], columns: rules.Columns) -> Outcome:
    """A row checked with the shop form's rules: an Outcome to create, or to reject with
    the first reason in the order people read the row (name, RUT, categories, the rest)."""

    def cell(name: str) -> str:
        position = columns.index.get(name)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    outcome = Outcome(line, cells, rules.CREATE)
    name, rut_text = cell("name"), cell("rut")
    if not name:
        return reject(outcome, "missing_name", _l("Falta el nombre del comercio."))
    if not rut_text:
        return reject(outcome, "invalid_document", _l("Falta el RUT del comercio."))
    try:
        normalise_rut(rut_text)
    except ValueError as error:
        return reject(outcome, "invalid_document", str(error))
    categories = categories_of(cell("categories"))
    if categories is None:
        return reject(
            outcome,
            "invalid_value",
            _l(
                "Indique al menos una categoría: Alimentos, Higiene o ambas (dice «%(text)s»).",
                text=cell("categories")[:40],
            ),
        )
    kind = account_type_of(cell("account_type"))
    if kind is None:
        return reject(
            outcome,
            "invalid_value",
            _l(
                "Tipo de cuenta no reconocido (dice «%(text)s»): corriente, vista, ahorro o "
                "CuentaRUT.",
                text=cell("account_type")[:40],
            ),
        )
    values, errors = clean_input(
        ShopInput(
            name=name,
            rut=rut_text,
            categories=categories,
            owner_name=cell("owner_name"),
            address=cell("address"),
            phone=cell("phone"),
            bank_name=cell("bank_name"),
            account_type=kind,
            account_number=cell("account_number"),
            payment_email=cell("payment_email"),
        )
    )
    outcome.values = values
    if errors:
        field_name, message = errors[0]
        title = columns.titles.get(field_name, field_name)
        return reject(
            outcome,
            "invalid_value",
            _l("Columna «%(column)s»: %(message)s", column=title, message=message),
        )
    return outcome


def reject(outcome: Outcome, reason: str, message: Any) -> Outcome:
    outcome.action, outcome.reason_code, outcome.message = rules.REJECT, reason, str(message)
    return outcome


def template_csv() -> str:
    return rules.sheet_template_csv(TEMPLATE_HEADERS, TEMPLATE_EXAMPLE)


def template_xlsx() -> bytes:
    return rules.sheet_template_xlsx("Comercios", TEMPLATE_HEADERS, TEMPLATE_EXAMPLE)
