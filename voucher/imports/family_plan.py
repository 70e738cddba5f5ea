"""A family file's plan: each row checked against the parish's families (registered,
possibly the same household under another spelling, or registered in another parish of the
deployment) and against the rest of the file. Writes nothing."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.families import queries as family_queries
from voucher.families import rules as family_rules
from voucher.families.services import digest_of
from voucher.imports import queries, rules
from voucher.imports.plans import Outcome, Plan, already_registered
from voucher.imports.reading import read_sheet
from voucher.installation import document_index_key

UPDATABLE = ("address", "sector", "phone", "household_adults", "household_children")


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
    already_registered(
        outcome,
        existing.id,
        changes,
        FIELD_LABELS,
        updating=_l("Ya registrada (familia N° %(id)s): se actualizarán %(fields)s."),
        skipping=_l("Ya registrada (familia N° %(id)s): se omite."),
    )


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
