"""A family import: preview a file (nothing written but the preview row), then confirm it
(every accepted row written in one transaction, audited as one import).

Confirming reads the stored file again and checks it against the families registered by
then, so a family registered at the desk between preview and confirmation is skipped,
not duplicated; and a file imported twice creates nothing the second time."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.db import utcnow
from voucher.errors import Conflict, ValidationFailed
from voucher.families import queries as family_queries
from voucher.families import rules as family_rules
from voucher.families.models import Family
from voucher.families.services import digest_of
from voucher.imports import queries, rules
from voucher.imports.models import FamilyImport, ImportStatus
from voucher.imports.reading import Sheet, read_sheet
from voucher.installation import document_index_key
from voucher.programs.models import Enrolment

PREVIEW_LIFETIME = timedelta(days=1)
UPDATABLE = ("address", "sector", "phone", "household_adults", "household_children")


class AlreadyConfirmed(Conflict):
    reason = "already_confirmed"
    message = _l("Esta importación ya fue confirmada.")


class ImportExpired(Conflict):
    reason = "expired"
    message = _l("La vista previa venció (dura un día). Suba el archivo de nuevo.")


class ImportRaced(Conflict):
    reason = "conflict"
    message = _l(
        "Mientras tanto se registró una familia del archivo. Revise la vista previa de nuevo."
    )


@dataclass
class Outcome:
    """What one data row of the file becomes."""

    line: int
    cells: list[str]
    action: str
    reason_code: str = ""
    message: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    existing_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    sheet: Sheet
    columns: rules.Columns
    header: list[str]
    outcomes: list[Outcome]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            (rules.CREATE, rules.UPDATE, rules.SKIP, rules.REJECT, rules.FLAG), 0
        )
        for outcome in self.outcomes:
            counts[outcome.action] += 1
        return counts

    @property
    def listed(self) -> list[Outcome]:
        """The rows not created as they are (api.md lists only these)."""
        return [o for o in self.outcomes if o.action != rules.CREATE]

    def rejected_csv(self) -> str:
        return rules.rejected_csv(
            self.header,
            [(o.cells, o.message) for o in self.outcomes if o.action == rules.REJECT],
        )


def make_plan(session: Session, parish_id: int, data: bytes, *, consent_attested: bool) -> Plan:
    """Read ``data`` and decide each row against the parish's families (writes nothing).
    Refuses an unreadable, oversize or headerless file (reading.py)."""
    sheet = read_sheet(data)
    columns = rules.find_columns(sheet)
    header = next(cells for line, cells in sheet.rows if line == columns.header_line)
    known = queries.known_families(session, parish_id)
    by_address: dict[str, list[queries.Known]] = defaultdict(list)
    by_phone: dict[str, list[queries.Known]] = defaultdict(list)
    for family in known.values():
        if family.anonymised:
            continue
        if key := family_rules.address_key(family.address):
            by_address[key].append(family)
        if key := family_rules.phone_key(family.phone):
            by_phone[key].append(family)
    seen: dict[tuple[str, str], int] = {}
    outcomes: list[Outcome] = []
    for line, cells in rules.data_rows(sheet, columns):
        row = rules.read_row(line, cells, columns, consent_attested=consent_attested)
        outcome = Outcome(line, cells, rules.CREATE, values=row.values)
        outcomes.append(outcome)
        if row.reason:
            outcome.action, outcome.reason_code, outcome.message = (
                rules.REJECT,
                row.reason,
                row.message,
            )
            continue
        key = (row.values["document_type"].value, row.values["document_number"])
        if key in seen:
            outcome.action, outcome.reason_code = rules.REJECT, "duplicate_in_file"
            outcome.message = str(
                _l(
                    "El mismo documento ya aparece en la línea %(line)s del archivo.",
                    line=seen[key],
                )
            )
            continue
        seen[key] = line
        existing = known.get(key)
        if existing is not None:
            _against_existing(outcome, existing)
            continue
        twin = _possible_twin(row.values, by_address, by_phone)
        if twin is not None:
            family, why = twin
            outcome.action, outcome.reason_code, outcome.existing_id = (
                rules.FLAG,
                "possible_duplicate",
                family.id,
            )
            outcome.message = str(
                _l(
                    "Posible duplicado de la familia N° %(id)s (%(name)s, %(why)s). Márquela "
                    "solo si es otra familia.",
                    id=family.id,
                    name=family.head_name,
                    why=why,
                )
            )
    _flag_other_parishes(session, parish_id, outcomes)
    return Plan(sheet, columns, header, outcomes)


def _flag_other_parishes(session: Session, parish_id: int, outcomes: list[Outcome]) -> None:
    """New rows whose document is registered in another parish of the deployment are
    flagged for a person to decide; the other parish is never named."""
    key = document_index_key()
    if key is None:
        return
    fresh = {o.line: o for o in outcomes if o.action == rules.CREATE}
    digests = {line: digest_of(o.values, key) for line, o in fresh.items()}
    elsewhere = family_queries.digest_elsewhere(session, parish_id, list(digests.values()))
    for line, outcome in fresh.items():
        if digests[line] in elsewhere:
            outcome.action, outcome.reason_code = rules.FLAG, "registered_in_other_parish"
            outcome.message = str(
                _l(
                    "Este documento también está inscrito en otra parroquia de la diócesis. "
                    "Márquela para importarla igual."
                )
            )


def _against_existing(outcome: Outcome, existing: queries.Known) -> None:
    outcome.existing_id = existing.id
    outcome.reason_code = "already_registered"
    changes = {}
    if not existing.anonymised:
        given = outcome.values
        for name in UPDATABLE:
            value = given[name]
            # An empty cell never erases what the parish already knows.
            if value in ("", None) or value == getattr(existing, name):
                continue
            if name in ("household_adults", "household_children") and _same_household(
                given, existing
            ):
                continue
            changes[name] = value
    if changes:
        outcome.action, outcome.changes = rules.UPDATE, changes
        outcome.message = str(
            _l(
                "Ya registrada (familia N° %(id)s): se actualizarán %(fields)s.",
                id=existing.id,
                fields=", ".join(str(FIELD_LABELS[name]) for name in changes),
            )
        )
    else:
        outcome.action = rules.SKIP
        outcome.message = str(_l("Ya registrada (familia N° %(id)s): se omite.", id=existing.id))


def _same_household(given: dict[str, Any], existing: queries.Known) -> bool:
    """Whether the row says nothing new about the household: no count at all (1 adult is
    the default), or only a total (all as adults) equal to the people already known."""
    adults, children = given["household_adults"], given["household_children"]
    if (adults, children) == (1, 0):
        return True
    known = existing.household_adults + existing.household_children
    return children == 0 and adults == known


FIELD_LABELS = {
    "address": _l("dirección"),
    "sector": _l("sector"),
    "phone": _l("teléfono"),
    "household_adults": _l("adultos"),
    "household_children": _l("niños"),
}


def _possible_twin(
    values: dict[str, Any],
    by_address: dict[str, list[queries.Known]],
    by_phone: dict[str, list[queries.Known]],
) -> tuple[queries.Known, str] | None:
    """An existing family with a close name and the same address or phone."""
    name = values["search_name"]
    for key, index, why in (
        (family_rules.address_key(values["address"]), by_address, _l("misma dirección")),
        (family_rules.phone_key(values["phone"]), by_phone, _l("mismo teléfono")),
    ):
        for family in index.get(key, ()) if key else ():
            if family_rules.similar_names(name, family.search_name):
                return family, str(why)
    return None


def summary_of(imp: FamilyImport) -> dict[str, Any]:
    return json.loads(imp.summary or "{}")


def result_of(imp: FamilyImport) -> dict[str, Any]:
    return json.loads(imp.result or "{}")


def preview_import(
    session: Session,
    parish_id: int,
    user: Any,
    *,
    file_name: str,
    data: bytes,
    program_id: int | None = None,
    consent_attested: bool = False,
    now: datetime | None = None,
) -> tuple[FamilyImport, Plan]:
    """Read the file and keep it as a preview for a day. Refuses a program of another
    parish (422 on program_id) and any file reading.py refuses; writes no family."""
    if program_id is not None and queries.program_of(session, parish_id, program_id) is None:
        raise ValidationFailed([("program_id", _l("Elija un programa de la parroquia."))])
    plan = make_plan(session, parish_id, data, consent_attested=consent_attested)
    imp = keep_preview(
        session,
        FamilyImport,
        parish_id=parish_id,
        user=user,
        file_name=file_name,
        data=data,
        plan=plan,
        now=now,
        same=queries.done_with_same_file(session, parish_id, hashlib.sha256(data).hexdigest()),
        summary={"encoding": plan.sheet.encoding, "separator": plan.sheet.separator},
        program_id=program_id,
        consent_attested=consent_attested,
    )
    return imp, plan


def keep_preview(
    session: Session,
    model: type,
    *,
    parish_id: int,
    user: Any,
    file_name: str | None,
    data: bytes,
    plan: Any,
    now: datetime | None,
    same: Any,
    summary: dict[str, Any] | None = None,
    **fields: Any,
) -> Any:
    """The file kept as a preview of ``model`` (families or shops) for a day, with what
    the preview found; previews past their day forget their files."""
    now = now or utcnow()
    imp = model(
        parish_id=parish_id,
        user_id=getattr(user, "id", None),
        file_name=(file_name or "archivo")[-200:],
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        status=ImportStatus.PREVIEW,
        expires_at=now + PREVIEW_LIFETIME,
        summary=json.dumps(
            {
                "counts": plan.counts,
                "unknown_columns": plan.columns.unknown,
                "columns": plan.columns.titles,
                "same_file_import_id": same.id if same else None,
                "kind": plan.sheet.kind,
                **(summary or {}),
            },
            ensure_ascii=False,
        ),
        result="",
        **fields,
    )
    session.add(imp)
    forget_expired_files(session, model, parish_id, now)
    session.flush()
    return imp


def forget_expired_files(session: Session, model: type, parish_id: int, now: datetime) -> None:
    """Files of previews past their day are not kept: they hold personal data."""
    session.execute(
        sa.update(model)
        .where(
            model.parish_id == parish_id,
            model.status == ImportStatus.PREVIEW,
            model.expires_at < now,
            model.content.is_not(None),
        )
        .values(content=None)
        .execution_options(synchronize_session=False)
    )


def plan_of(session: Session, imp: FamilyImport) -> Plan:
    """The preview's plan again, from the stored file (an expired or confirmed import
    has no file left: AlreadyConfirmed or ImportExpired)."""
    if imp.status == ImportStatus.DONE:
        raise AlreadyConfirmed()
    if imp.content is None:
        raise ImportExpired()
    return make_plan(session, imp.parish_id, imp.content, consent_attested=imp.consent_attested)


def confirm_import(
    session: Session,
    imp: FamilyImport,
    user: Any,
    *,
    accept_lines: list[int] | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Write every accepted row (created, updated; flagged rows only when their line is in
    ``accept_lines``) and enrol the new and updated families in the import's program, in
    the caller's transaction. Refuses a confirmed import (409 already_confirmed) and one
    past its day (409 expired)."""
    now = now or utcnow()
    if imp.status == ImportStatus.DONE:
        raise AlreadyConfirmed()
    if imp.expires_at <= now:
        raise ImportExpired()
    plan = plan_of(session, imp)
    accepted = set(accept_lines or ())
    creating = [
        o
        for o in plan.outcomes
        if o.action == rules.CREATE or (o.action == rules.FLAG and o.line in accepted)
    ]
    updating = [o for o in plan.outcomes if o.action == rules.UPDATE]
    # Only one confirmation wins: the row goes from preview to done exactly once.
    user_id = getattr(user, "id", None)
    claimed = session.execute(
        sa.update(FamilyImport)
        .where(FamilyImport.id == imp.id, FamilyImport.status == ImportStatus.PREVIEW)
        .values(
            status=ImportStatus.DONE, confirmed_at=now, confirmed_by_id=getattr(user, "id", None)
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AlreadyConfirmed()
    key = document_index_key()
    families = [
        Family(
            parish_id=imp.parish_id,
            consent_at=now,
            consent_by_id=user_id,
            document_digest=digest_of(o.values, key) if key is not None else None,
            **o.values,
        )
        for o in creating
    ]
    try:
        with session.begin_nested():
            session.add_all(families)
            session.flush()
    except IntegrityError:
        raise ImportRaced() from None
    for outcome in updating:
        session.execute(
            sa.update(Family)
            .where(Family.id == outcome.existing_id)
            .values(**outcome.changes, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    enrolled = 0
    if imp.program_id is not None:
        already = queries.enrolled_family_ids(session, imp.program_id)
        targets = [f.id for f in families] + [o.existing_id for o in updating]
        rows = [
            {
                "program_id": imp.program_id,
                "family_id": family_id,
                "enrolled_by_id": user_id,
                "created_at": now,
            }
            for family_id in dict.fromkeys(targets)
            if family_id not in already
        ]
        if rows:
            session.execute(sa.insert(Enrolment), rows)
        enrolled = len(rows)
    counts = plan.counts
    result = {
        "created": len(families),
        "updated": len(updating),
        "skipped": counts[rules.SKIP] + counts[rules.FLAG] - (len(creating) - counts[rules.CREATE]),
        "rejected": counts[rules.REJECT],
        "enrolled": enrolled,
    }
    imp.status = ImportStatus.DONE
    imp.confirmed_at = now
    imp.confirmed_by_id = user_id
    imp.content = None  # the personal data now lives in the families; the file goes
    imp.result = json.dumps(result)
    if imp.consent_attested:
        imp.consent_attested_on = today or now.date()
    record(
        session,
        "families_imported",
        user=user,
        parish_id=imp.parish_id,
        obj=imp,
        file_name=imp.file_name,
        sha256=imp.sha256,
        program_id=imp.program_id,
        consent_attested=imp.consent_attested,
        accepted_flagged=sorted(accepted & {o.line for o in creating}),
        **result,
    )
    return result
