"""Money received for a program."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.dates import in_sane_range, local_today
from voucher.errors import NotFound, ValidationFailed
from voucher.money import MAX_AMOUNT
from voucher.parishes.models import Parish
from voucher.programs import funds as program_funds
from voucher.programs.models import Program
from voucher.treasury.models import Fund


@dataclass
class FundInput:
    program_id: int
    amount: int
    received_on: date
    source: str
    reference: str = ""


def _check(parish: Parish, data: FundInput) -> str:
    """The cleaned source, or the field errors (422)."""
    errors = []
    amount = data.amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        errors.append(("amount", _l("Escriba un monto en pesos entre $1 y $100.000.000.")))
    if not in_sane_range(data.received_on):
        errors.append(("received_on", _l("Escriba una fecha entre el año 2000 y hoy.")))
    elif data.received_on > local_today(parish.timezone):
        errors.append(("received_on", _l("La fecha no puede ser futura.")))
    source = " ".join((data.source or "").split())
    if not source or len(source) > 120:
        errors.append(("source", _l("Escriba de dónde viene el dinero (máximo 120 caracteres).")))
    if len(data.reference or "") > 120:
        errors.append(("reference", _l("Demasiado largo (máximo %(n)s caracteres).", n=120)))
    if errors:
        raise ValidationFailed(errors)
    return source


def record_fund(session: Session, parish: Parish, data: FundInput, user: Any) -> Fund:
    """Money received for a program. Refuses another parish's program (404), a
    non-positive or huge amount, a future date and a missing source (422)."""
    program = session.get(Program, data.program_id) if isinstance(data.program_id, int) else None
    if program is None or program.parish_id != parish.id:
        raise NotFound()
    source = _check(parish, data)
    fund = Fund(
        parish_id=parish.id,
        program_id=program.id,
        amount=data.amount,
        received_on=data.received_on,
        source=source,
        reference=(data.reference or "").strip(),
        recorded_by_id=getattr(user, "id", None),
    )
    session.add(fund)
    session.flush()
    program_funds.fund_received(
        session,
        parish_id=parish.id,
        program_id=program.id,
        fund_id=fund.id,
        amount=data.amount,
        received_on=data.received_on,
        user_id=getattr(user, "id", None),
        memo=f"{source} {fund.reference}".strip(),
    )
    record(
        session,
        "fund_recorded",
        user=user,
        parish_id=parish.id,
        obj=fund,
        amount=data.amount,
        program_id=program.id,
    )
    return fund
