"""Programs (kinds of aid) and which families are enrolled in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.errors import Conflict, Duplicate, NotFound, ValidationFailed
from voucher.families.models import Family
from voucher.ledger.chart import open_fund_account
from voucher.programs.models import Allotment, Category, Cycle, Enrolment, Program

MAX_VOUCHER = 1_000_000
MAX_VALIDITY_DAYS = 366


@dataclass
class ProgramInput:
    name: str
    category: str
    voucher_amount: int
    validity_days: int
    cycle: str
    per_cycle_limit: int = 1
    active: bool = True
    allotment: str = "flat"
    extra_member_amount: int = 0
    voucher_amount_cap: int | None = None


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_member(value: Any, enum_cls: type) -> bool:
    return value in {member.value for member in enum_cls}


def _clean(data: ProgramInput) -> tuple[dict, list]:
    errors = []
    name = " ".join((data.name or "").split())
    if not name or len(name) > 120:
        errors.append(("name", _l("Escriba un nombre (máximo 120 caracteres).")))
    if not _is_member(data.category, Category):
        errors.append(("category", _l("Elija Alimentos o Higiene.")))
    if not _is_member(data.cycle, Cycle):
        errors.append(("cycle", _l("Elija mensual o una sola vez.")))
    if not _int_in(data.voucher_amount, 1, MAX_VOUCHER):
        errors.append(("voucher_amount", _l("Escriba un monto en pesos entre $1 y $1.000.000.")))
    if not _int_in(data.validity_days, 1, MAX_VALIDITY_DAYS):
        errors.append(("validity_days", _l("Escriba entre 1 y 366 días.")))
    if not _int_in(data.per_cycle_limit, 1, 31):
        errors.append(("per_cycle_limit", _l("Escriba entre 1 y 31 vales por ciclo.")))
    if not _is_member(data.allotment, Allotment):
        errors.append(("allotment", _l("Elija un valor fijo o según el tamaño del hogar.")))
    if not _int_in(data.extra_member_amount, 0, MAX_VOUCHER):
        errors.append(
            ("extra_member_amount", _l("Escriba un monto en pesos entre $0 y $1.000.000."))
        )
    cap = data.voucher_amount_cap
    if cap is not None and (
        not _int_in(cap, 1, MAX_VOUCHER)
        or (_int_in(data.voucher_amount, 1, MAX_VOUCHER) and cap < data.voucher_amount)
    ):
        errors.append(
            (
                "voucher_amount_cap",
                _l("El tope debe ser al menos el valor del vale y a lo más $1.000.000."),
            )
        )
    cleaned = {
        "allotment": Allotment(data.allotment) if _is_member(data.allotment, Allotment) else None,
        "extra_member_amount": data.extra_member_amount,
        "voucher_amount_cap": cap,
        "name": name,
        # As enum members, so a new row reads the same as one loaded from the database.
        "category": Category(data.category) if _is_member(data.category, Category) else None,
        "voucher_amount": data.voucher_amount,
        "validity_days": data.validity_days,
        "cycle": Cycle(data.cycle) if _is_member(data.cycle, Cycle) else None,
        "per_cycle_limit": data.per_cycle_limit,
        "active": bool(data.active),
    }
    return cleaned, errors


def _check_name(session: Session, parish_id: int, name: str, exclude: int | None) -> None:
    query = sa.select(Program.id).where(Program.parish_id == parish_id, Program.name == name)
    if exclude:
        query = query.where(Program.id != exclude)
    Duplicate.refuse_existing(
        session, query, _l("Ya existe un programa con ese nombre."), field="name"
    )


def create_program(session: Session, parish_id: int, data: ProgramInput, user: Any) -> Program:
    """Refuses bad amounts/days/limits and a name already used in the parish; opens
    the program's fund account in the books."""
    cleaned, errors = _clean(data)
    if errors:
        raise ValidationFailed(errors)
    _check_name(session, parish_id, cleaned["name"], None)
    program = Program(parish_id=parish_id, fund_available=0, **cleaned)
    session.add(program)
    session.flush()
    open_fund_account(session, parish_id, program.id, program.name)
    record(session, "program_created", user=user, parish_id=parish_id, obj=program)
    return program


def update_program(session: Session, program: Program, data: ProgramInput, user: Any) -> Program:
    cleaned, errors = _clean(data)
    if errors:
        raise ValidationFailed(errors)
    _check_name(session, program.parish_id, cleaned["name"], program.id)
    for key, value in cleaned.items():
        setattr(program, key, value)
    record(session, "program_updated", user=user, parish_id=program.parish_id, obj=program)
    return program


class AlreadyEnrolled(Conflict):
    reason = "already_enrolled"
    message = _l("La familia ya está inscrita en este programa.")


class FamilyNotActive(Conflict):
    reason = "family_inactive"
    message = _l("La familia está desactivada: reactívela antes de inscribirla.")


def enrol_family(session: Session, program: Program, family: Family, user: Any) -> Enrolment:
    """Refuses a family of another parish (404), a deactivated family (409
    family_inactive) and a second enrolment (409 already_enrolled)."""
    if family.parish_id != program.parish_id:
        raise NotFound()
    if not family.active:
        raise FamilyNotActive()
    existing = session.scalar(
        sa.select(Enrolment).where(
            Enrolment.program_id == program.id, Enrolment.family_id == family.id
        )
    )
    if existing is not None:
        raise AlreadyEnrolled()
    enrolment = Enrolment(
        program_id=program.id, family_id=family.id, enrolled_by_id=getattr(user, "id", None)
    )
    try:
        with session.begin_nested():
            session.add(enrolment)
            session.flush()
    except IntegrityError:
        # Enrolled by someone else a moment ago (unique program + family).
        raise AlreadyEnrolled() from None
    record(
        session,
        "family_enrolled",
        user=user,
        parish_id=program.parish_id,
        obj=enrolment,
        program_id=program.id,
        family_id=family.id,
    )
    return enrolment


def cycle_key(program: Program, today: date) -> str:
    """Which issuance cycle a day belongs to: '2026-11' for monthly, 'once' otherwise."""
    return today.strftime("%Y-%m") if program.cycle == Cycle.MONTHLY else "once"
