"""What happens to a settlement after it is made: a second person approves or rejects a
proposed one; a paid one made in error is reversed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.dates import utcnow
from voucher.errors import Conflict, ValidationFailed
from voucher.ledger import flows
from voucher.treasury.models import Settlement, SettlementStatus
from voucher.treasury.services.settlements import (
    MISSING_REFERENCE,
    REFERENCE_MAX,
    TRACED_METHODS,
    pay,
    require_treasury,
)
from voucher.vouchers.models import Redemption


class SettlementNotPending(Conflict):
    reason = "not_pending"
    message = _l("Este pago no está esperando aprobación.")


class SamePersonApproval(Conflict):
    reason = "same_person"
    message = _l("Otra persona (tesorero/a o administrador/a) debe aprobar este pago.")


class SettlementNotPaid(Conflict):
    reason = "not_paid"
    message = _l("Solo se puede revertir un pago realizado.")


def _move(
    session: Session,
    settlement: Settlement,
    before: SettlementStatus,
    after: SettlementStatus,
    error: type[Conflict],
) -> None:
    """Change the status only if it is still ``before`` (one conditional UPDATE), so two
    people pressing the same button at once cannot both succeed."""
    changed = session.execute(
        sa.update(Settlement)
        .where(Settlement.id == settlement.id, Settlement.status == before)
        .values(status=after)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(settlement, ["status"])
    if changed != 1:
        raise error()


def approve(session: Session, settlement: Settlement, user: Any) -> Settlement:
    """Second person's approval under the two-person rule: the money moves now. Refuses
    other roles (403), anything not proposed (409 not_pending) and the proposer
    (409 same_person)."""
    require_treasury(user)
    if settlement.status != SettlementStatus.PROPOSED:
        raise SettlementNotPending()
    if settlement.proposed_by_id == user.id:
        raise SamePersonApproval()
    _move(
        session, settlement, SettlementStatus.PROPOSED, SettlementStatus.PAID, SettlementNotPending
    )
    pay(session, settlement, user)
    record(
        session,
        "settlement_approved",
        user=user,
        parish_id=settlement.parish_id,
        shop_id=settlement.shop_id,
        obj=settlement,
        amount=settlement.amount,
    )
    return settlement


def reject(session: Session, settlement: Settlement, user: Any) -> Settlement:
    """Turn down a proposed settlement (the proposer may withdraw it too); nothing was
    paid, so nothing is posted. Refuses other roles (403) and anything not proposed (409)."""
    require_treasury(user)
    if settlement.status != SettlementStatus.PROPOSED:
        raise SettlementNotPending()
    _move(
        session,
        settlement,
        SettlementStatus.PROPOSED,
        SettlementStatus.REJECTED,
        SettlementNotPending,
    )
    record(
        session, "settlement_rejected", user=user, parish_id=settlement.parish_id, obj=settlement
    )
    return settlement


def reverse(session: Session, settlement: Settlement, *, reason: str, user: Any) -> Settlement:
    """Undo a payment made in error: a reversing ledger entry, and its redemptions are
    owed again. The settlement and its lines stay as a record. Refuses other roles (403),
    a settlement that is not paid (409) and an empty reason (422)."""
    require_treasury(user)
    if settlement.status != SettlementStatus.PAID:
        raise SettlementNotPaid()
    if not (reason or "").strip():
        raise ValidationFailed([("reason", _l("Escriba el motivo de la reversión."))])
    _move(session, settlement, SettlementStatus.PAID, SettlementStatus.REVERSED, SettlementNotPaid)
    session.execute(
        sa.update(Redemption)
        .where(Redemption.settlement_id == settlement.id)
        .values(settlement_id=None)
        .execution_options(synchronize_session=False)
    )
    settlement.reversed_at = utcnow()
    settlement.reversal_reason = reason.strip()[:200]
    session.flush()
    flows.settlement_reversed(
        session,
        settlement_id=settlement.id,
        user_id=user.id,
        memo=f"Reverso pago {settlement.id:06d}: {reason.strip()}"[:300],
    )
    record(
        session,
        "settlement_reversed",
        user=user,
        parish_id=settlement.parish_id,
        obj=settlement,
        reason=reason,
    )
    return settlement


def set_reference(
    session: Session, settlement: Settlement, reference: str, user: Any
) -> Settlement:
    """Add or correct the transfer or cheque number of a payment after it was recorded.
    Only the paper trail changes: the ledger entry and the amounts stay as they are; the
    change (before and after) is audited. Refuses other roles (403), a rejected proposal
    (409 not_pending), an empty reference for a transfer or cheque and one longer than
    REFERENCE_MAX (422)."""
    require_treasury(user)
    if settlement.status == SettlementStatus.REJECTED:
        raise SettlementNotPending()
    cleaned = " ".join((reference or "").split())
    if len(cleaned) > REFERENCE_MAX:
        message = _l("Demasiado largo (máximo %(n)s caracteres).", n=REFERENCE_MAX)
        raise ValidationFailed([("reference", message)])
    if not cleaned and settlement.method.value in TRACED_METHODS:
        raise ValidationFailed([("reference", MISSING_REFERENCE)])
    before = settlement.reference or ""
    if cleaned == before:
        return settlement
    settlement.reference = cleaned
    session.flush()
    record(
        session,
        "settlement_reference_changed",
        user=user,
        parish_id=settlement.parish_id,
        obj=settlement,
        before=before,
        after=cleaned,
    )
    return settlement
