"""A shop import: a parish brings in the shops it already works with from its
spreadsheet. The same steps as a family import (imports/): the file read with the same
limits, the columns recognised the same way, a preview that writes nothing, then a
confirmation that writes every accepted row in one transaction, audited as one import.

A RUT the parish already has is skipped (or updated where the file says something new,
when the parish owns the shop); a RUT another parish registered is flagged: the parish
may ask to join that shop (sharing.py), never enrol it directly, and the other parish is
never named."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.db import utcnow
from voucher.families.rules import normalise_rut, search_key
from voucher.imports import rules
from voucher.imports.models import ImportStatus
from voucher.imports.reading import read_sheet
from voucher.imports.services import (
    AlreadyConfirmed,
    ImportExpired,
    Outcome,
    Plan,
    keep_preview,
)
from voucher.shops.import_models import ShopImport
from voucher.shops.models import Shop, ShopParish
from voucher.shops.services import (
    ShopInput,
    amend_shop,
    clean_input,
    create_shop,
    enrol_shop,
)
from voucher.shops.sharing import request_to_join

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
        return _reject(outcome, "missing_name", _l("Falta el nombre del comercio."))
    if not rut_text:
        return _reject(outcome, "invalid_document", _l("Falta el RUT del comercio."))
    try:
        normalise_rut(rut_text)
    except ValueError as error:
        return _reject(outcome, "invalid_document", str(error))
    categories = categories_of(cell("categories"))
    if categories is None:
        return _reject(
            outcome,
            "invalid_value",
            _l(
                "Indique al menos una categoría: Alimentos, Higiene o ambas (dice «%(text)s»).",
                text=cell("categories")[:40],
            ),
        )
    kind = account_type_of(cell("account_type"))
    if kind is None:
        return _reject(
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
        return _reject(
            outcome,
            "invalid_value",
            _l("Columna «%(column)s»: %(message)s", column=title, message=message),
        )
    return outcome


def _reject(outcome: Outcome, reason: str, message: Any) -> Outcome:
    outcome.action, outcome.reason_code, outcome.message = rules.REJECT, reason, str(message)
    return outcome


def make_plan(session: Session, parish_id: int, data: bytes) -> Plan:
    """Read ``data`` and decide each row against the shops registered (writes nothing).
    Refuses an unreadable, oversize or headerless file (imports/reading.py)."""
    sheet = read_sheet(data)
    columns = rules.match_columns(
        sheet, column_for, [("name", NO_NAME_COLUMN), ("rut", NO_RUT_COLUMN)]
    )
    header = next(cells for line, cells in sheet.rows if line == columns.header_line)
    outcomes = [read_row(line, cells, columns) for line, cells in rules.data_rows(sheet, columns)]
    seen: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.action != rules.CREATE:
            continue
        rut = outcome.values["rut"]
        if rut in seen:
            _reject(
                outcome,
                "duplicate_in_file",
                _l("El mismo RUT ya aparece en la línea %(line)s del archivo.", line=seen[rut]),
            )
        else:
            seen[rut] = outcome.line
    registered = _registered(session, parish_id, list(seen))
    for outcome in outcomes:
        if outcome.action == rules.CREATE and outcome.values["rut"] in registered:
            _against_existing(outcome, parish_id, *registered[outcome.values["rut"]])
    return Plan(sheet, columns, header, outcomes)


def _registered(session: Session, parish_id: int, ruts: list[str]) -> dict[str, tuple]:
    """The shops already registered with these RUTs: the shop, and whether it takes part
    in the parish."""
    found: dict[str, tuple] = {}
    for start in range(0, len(ruts), 500):
        chunk = ruts[start : start + 500]
        rows = session.execute(
            sa.select(Shop, ShopParish.shop_id)
            .outerjoin(
                ShopParish,
                sa.and_(ShopParish.shop_id == Shop.id, ShopParish.parish_id == parish_id),
            )
            .where(Shop.rut.in_(chunk))
        )
        found.update({shop.rut: (shop, linked is not None) for shop, linked in rows})
    return found


def _against_existing(outcome: Outcome, parish_id: int, shop: Shop, linked: bool) -> None:
    outcome.existing_id = shop.id
    owned = shop.owner_parish_id == parish_id
    if not owned and not linked:
        outcome.action, outcome.reason_code = rules.FLAG, "registered_in_other_parish"
        outcome.existing_id = None  # nothing of the other parish's shop is shown
        outcome.message = str(
            _l(
                "Este RUT ya está registrado por otra parroquia. Márquelo para pedir "
                "adherirse a ese comercio (el comercio o esa parroquia debe aceptar)."
            )
        )
        return
    outcome.reason_code = "already_registered"
    changes = {}
    if owned:
        for name in UPDATABLE:
            value = outcome.values[name]
            # An empty cell never erases what the parish already knows.
            if value not in ("", None) and value != getattr(shop, name):
                changes[name] = value
    if changes:
        outcome.action, outcome.changes = rules.UPDATE, changes
        outcome.message = str(
            _l(
                "Ya registrado (comercio N° %(id)s): se actualizarán %(fields)s.",
                id=shop.id,
                fields=", ".join(str(FIELD_LABELS[name]) for name in changes),
            )
        )
    else:
        outcome.action = rules.SKIP
        outcome.message = str(_l("Ya registrado (comercio N° %(id)s): se omite.", id=shop.id))


def summary_of(imp: ShopImport) -> dict[str, Any]:
    return json.loads(imp.summary or "{}")


def result_of(imp: ShopImport) -> dict[str, Any]:
    return json.loads(imp.result or "{}")


def done_with_same_file(session: Session, parish_id: int, sha256: str) -> ShopImport | None:
    return session.scalar(
        sa.select(ShopImport)
        .where(
            ShopImport.parish_id == parish_id,
            ShopImport.sha256 == sha256,
            ShopImport.status == ImportStatus.DONE,
        )
        .order_by(ShopImport.id.desc())
        .limit(1)
    )


def preview_import(
    session: Session,
    parish_id: int,
    user: Any,
    *,
    file_name: str,
    data: bytes,
    now: datetime | None = None,
) -> tuple[ShopImport, Plan]:
    """Read the file and keep it as a preview for a day; writes no shop."""
    plan = make_plan(session, parish_id, data)
    same = done_with_same_file(session, parish_id, hashlib.sha256(data).hexdigest())
    imp = keep_preview(
        session,
        ShopImport,
        parish_id=parish_id,
        user=user,
        file_name=file_name,
        data=data,
        plan=plan,
        now=now,
        same=same,
    )
    return imp, plan


def plan_of(session: Session, imp: ShopImport) -> Plan:
    if imp.status == ImportStatus.DONE:
        raise AlreadyConfirmed()
    if imp.content is None:
        raise ImportExpired()
    return make_plan(session, imp.parish_id, imp.content)


def confirm_import(
    session: Session,
    imp: ShopImport,
    user: Any,
    *,
    accept_lines: list[int] | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Create and enrol the new shops, update the parish's own where the file says
    something new, and ask to join the flagged shops whose line is in ``accept_lines``,
    in the caller's transaction. Refuses a confirmed import (409 already_confirmed) and
    one past its day (409 expired)."""
    now = now or utcnow()
    if imp.status == ImportStatus.DONE:
        raise AlreadyConfirmed()
    if imp.expires_at <= now:
        raise ImportExpired()
    plan = plan_of(session, imp)
    claimed = session.execute(
        sa.update(ShopImport)
        .where(ShopImport.id == imp.id, ShopImport.status == ImportStatus.PREVIEW)
        .values(status=ImportStatus.DONE)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AlreadyConfirmed()
    accepted = set(accept_lines or ())
    created = updated = enrolled = 0
    requested: list[int] = []
    for outcome in plan.outcomes:
        if outcome.action == rules.CREATE:
            values = outcome.values
            shop = create_shop(session, _input_of(values), user)
            enrol_shop(session, shop, imp.parish_id, user)
            created += 1
            enrolled += 1
        elif outcome.action == rules.UPDATE:
            shop = session.get(Shop, outcome.existing_id)
            amend_shop(session, shop, outcome.changes, imp.parish_id, user)
            updated += 1
        elif outcome.action == rules.FLAG and outcome.line in accepted:
            shop = session.scalar(sa.select(Shop).where(Shop.rut == outcome.values["rut"]))
            request_to_join(session, shop, imp.parish_id, user)
            requested.append(outcome.line)
    counts = plan.counts
    result = {
        "created": created,
        "updated": updated,
        "skipped": counts[rules.SKIP] + counts[rules.FLAG] - len(requested),
        "rejected": counts[rules.REJECT],
        "enrolled": enrolled,
        "join_requested": len(requested),
    }
    imp.status = ImportStatus.DONE
    imp.confirmed_at = now
    imp.confirmed_by_id = getattr(user, "id", None)
    imp.content = None
    imp.result = json.dumps(result)
    record(
        session,
        "shops_imported",
        user=user,
        parish_id=imp.parish_id,
        obj=imp,
        file_name=imp.file_name,
        sha256=imp.sha256,
        join_requested_lines=requested,
        **result,
    )
    return result


def _input_of(values: dict[str, Any]) -> ShopInput:
    """A checked row back as the form's input (create_shop checks and audits it)."""
    flags = (("food", "accepts_food"), ("hygiene", "accepts_hygiene"))
    fields = {k: v for k, v in values.items() if k not in dict(flags).values()}
    return ShopInput(**fields, categories=[name for name, key in flags if values[key]])


def template_csv() -> str:
    return rules.sheet_template_csv(TEMPLATE_HEADERS, TEMPLATE_EXAMPLE)


def template_xlsx() -> bytes:
    return rules.sheet_template_xlsx("Comercios", TEMPLATE_HEADERS, TEMPLATE_EXAMPLE)
