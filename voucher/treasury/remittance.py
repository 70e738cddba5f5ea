"""The payment voucher (remittance) of a settlement: what was paid, how, for which redemptions.

Plain data (:class:`~voucher.treasury.documents.Remittance`); nothing here draws.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.dates import utcnow
from voucher.errors import Conflict
from voucher.families.rules import display_rut
from voucher.ledger.integrity import chain_tip
from voucher.parishes.models import Parish
from voucher.shops.services import bank_line
from voucher.treasury.documents import Remittance, RemittanceLine
from voucher.treasury.models import Settlement, SettlementLine
from voucher.treasury.statement import aware
from voucher.vouchers.models import Redemption, Voucher


class NotPaidYet(Conflict):
    reason = "not_paid"
    message = _l("Este pago todavía no se ha realizado: no hay comprobante.")


def settlement_lines(session: Session, settlement_id: int) -> tuple[RemittanceLine, ...]:
    """The redemptions a settlement pays (or would pay), oldest first."""
    rows = session.execute(
        sa.select(
            Redemption.id,
            Redemption.created_at,
            SettlementLine.amount,
            Voucher.serial,
            Voucher.category,
        )
        .select_from(SettlementLine)
        .join(Redemption, Redemption.id == SettlementLine.redemption_id)
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .where(SettlementLine.settlement_id == settlement_id)
        .order_by(Redemption.created_at, Redemption.id)
    ).all()
    return tuple(
        RemittanceLine(
            redeemed_at=aware(row.created_at),
            receipt_no=f"{row.id:06d}",
            serial=row.serial,
            category=str(row.category),
            amount=row.amount,
        )
        for row in rows
    )


def remittance(
    session: Session, settlement: Settlement, *, now: datetime | None = None
) -> Remittance:
    """The payment voucher of a settlement: what was paid, how, for which redemptions.
    Refuses (409) a settlement that was never paid (proposed or rejected)."""
    if settlement.paid_at is None:
        raise NotPaidYet()
    parish = session.get(Parish, settlement.parish_id)
    return Remittance(
        parish_name=parish.name,
        shop_name=settlement.shop.name,
        shop_rut=display_rut(settlement.shop.rut),
        settlement_no=f"{settlement.id:06d}",
        through=settlement.through,
        method=str(settlement.method),
        reference=settlement.reference or None,
        paid_at=aware(settlement.paid_at),
        lines=settlement_lines(session, settlement.id),
        generated_at=now or utcnow(),
        timezone=parish.timezone,
        ledger_tip=chain_tip(session, parish.id),
        shop_bank=bank_line(settlement.shop),
    )
