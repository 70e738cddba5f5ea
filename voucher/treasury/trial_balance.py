"""The trial balance of a parish at a date, as plain data for its paper and spreadsheet."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.dates import in_sane_range, utcnow
from voucher.errors import ValidationFailed
from voucher.ledger.balances import trial_balance_at
from voucher.ledger.integrity import chain_tip
from voucher.parishes.models import Parish
from voucher.treasury.documents import SANE_RANGE, TrialBalance, TrialBalanceRow


def trial_balance(
    session: Session, parish: Parish, at: date, *, now: datetime | None = None
) -> TrialBalance:
    """Every account's debits and credits up to the end of ``at``."""
    if not isinstance(at, date):
        raise ValidationFailed([("at", _l("Escriba una fecha válida."))])
    if not in_sane_range(at):
        raise ValidationFailed([("at", SANE_RANGE)])
    rows = trial_balance_at(session, parish.id, at)
    return TrialBalance(
        parish_name=parish.name,
        at=at,
        rows=tuple(
            TrialBalanceRow(
                code=b.code, name=b.name, type=str(b.type), debit=b.debit, credit=b.credit
            )
            for b in rows
        ),
        generated_at=now or utcnow(),
        timezone=parish.timezone,
        ledger_tip=chain_tip(session, parish.id),
    )
