"""Closing a month: nothing can be posted dated inside a closed period afterwards."""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.dates import local_today
from voucher.errors import Conflict, ValidationFailed
from voucher.ledger.models import PeriodLock

if TYPE_CHECKING:
    from voucher.parishes.models import Parish


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def closed_through(session: Session, parish_id: int) -> date | None:
    return session.scalar(
        sa.select(sa.func.max(PeriodLock.closed_through)).where(PeriodLock.parish_id == parish_id)
    )


def close_month(session: Session, parish: Parish, year: int, month: int, user: Any) -> PeriodLock:
    """Close a month that has ended. Refuses the current or a future month (422) and a
    month already closed (409)."""
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ValidationFailed([("month", _l("Mes no válido."))])
    end = month_end(year, month)
    if end >= local_today(parish.timezone):
        raise ValidationFailed([("month", _l("Solo se puede cerrar un mes que ya terminó."))])
    current = closed_through(session, parish.id)
    if current is not None and current >= end:
        raise Conflict(_l("Ese mes ya está cerrado."))
    lock = PeriodLock(
        parish_id=parish.id, closed_through=end, closed_by_id=getattr(user, "id", None)
    )
    session.add(lock)
    session.flush()
    record(
        session,
        "period_closed",
        user=user,
        parish_id=parish.id,
        obj=lock,
        closed_through=end.isoformat(),
    )
    return lock
