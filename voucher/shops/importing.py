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
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.db import utcnow
from voucher.imports import rules
from voucher.imports.models import ImportStatus
from voucher.imports.plans import (
    AlreadyConfirmed,
    ImportExpired,
    Outcome,
    Plan,
    already_registered,
    keep_preview,
)
from voucher.imports.reading import read_sheet
from voucher.shops.import_models import ShopImport
from voucher.shops.import_rows import (
    FIELD_LABELS,
    NO_NAME_COLUMN,
    NO_RUT_COLUMN,
    UPDATABLE,
    column_for,
    read_row,
    reject,
)
from voucher.shops.models import Shop, ShopParish
from voucher.shops.services import (
    ShopInput,
    amend_shop,
    create_shop,
    enrol_shop,
)
from voucher.shops.sharing import request_to_join


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
            reject(
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
    changes = {}
    if owned:
        for name in UPDATABLE:
            value = outcome.values[name]
            # An empty cell never erases what the parish already knows.
            if value not in ("", None) and value != getattr(shop, name):
                changes[name] = value
    already_registered(
        outcome,
        shop.id,
        changes,
        FIELD_LABELS,
        updating=_l("Ya registrado (comercio N° %(id)s): se actualizarán %(fields)s."),
        skipping=_l("Ya registrado (comercio N° %(id)s): se omite."),
    )


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
