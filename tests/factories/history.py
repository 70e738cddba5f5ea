"""The past, which the services (always "now") cannot make: vouchers redeemed and shops
paid at chosen moments, each movement still posted through the ledger
(``voucher.ledger.posting.post_entries``) so that ``ledger verify`` passes on it."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from voucher.dates import to_local
from voucher.ledger import chart
from voucher.ledger.models import EntryKind
from voucher.ledger.posting import EntryDraft, Leg, post_entries
from voucher.programs import funds
from voucher.treasury.models import PaymentMethod, Settlement, SettlementLine, SettlementStatus
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher, VoucherStatus

_serial = itertools.count(1)


def _local_day(moment: datetime, tz: str):
    return to_local(moment, tz).date()


def _payable(session, parish, shop_id: int) -> int:
    return chart.account_id(session, parish.id, chart.payable_code(shop_id))


def _spent_voucher(parish, program, family_id: int, amount: int, when: datetime) -> Voucher:
    digest = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    return Voucher(
        parish_id=parish.id,
        program_id=program.id,
        family_id=family_id,
        serial=f"{parish.serial_prefix}-B-{next(_serial):07d}-{digest[:4]}",
        code_hash=digest,
        code_encrypted="history",
        category=program.category,
        amount=amount,
        remaining=0,
        cycle_key="history",
        issued_on=when.date(),
        expires_on=when.date() + timedelta(days=3650),
        status=VoucherStatus.REDEEMED,
        created_at=datetime.now(UTC),
    )


def past_redemptions(
    session, parish, program, family_id: int, redemptions: Sequence[tuple[int, int, datetime]]
) -> list[int]:
    """One voucher per redemption ``(shop_id, amount, when)``, issued that day and spent
    exactly then; returns the redemption ids in order. The program's fund must cover them."""
    funds.reserve_fund(session, program.id, sum(amount for _shop, amount, _when in redemptions))
    fund = chart.account_id(session, parish.id, chart.fund_code(program.id))
    outstanding = chart.account_id(session, parish.id, chart.VOUCHERS)
    vouchers = [
        _spent_voucher(parish, program, family_id, amount, when)
        for _shop, amount, when in redemptions
    ]
    session.add_all(vouchers)
    session.flush()
    made = [
        Redemption(
            parish_id=parish.id,
            voucher_id=voucher.id,
            shop_id=shop_id,
            amount=amount,
            idempotency_key=f"history-{uuid.uuid4().hex}",
            request_hash="history",
            status=RedemptionStatus.COMMITTED,
            created_at=when,
        )
        for voucher, (shop_id, amount, when) in zip(vouchers, redemptions, strict=True)
    ]
    session.add_all(made)
    session.flush()
    issued = [
        EntryDraft(
            parish.id,
            EntryKind.VOUCHER_ISSUED,
            [Leg(fund, outstanding, voucher.amount)],
            effective_date=voucher.issued_on,
            memo=f"Vale {voucher.serial}",
            voucher_id=voucher.id,
        )
        for voucher in vouchers
    ]
    spent = [
        EntryDraft(
            parish.id,
            EntryKind.REDEMPTION,
            [Leg(outstanding, _payable(session, parish, redemption.shop_id), redemption.amount)],
            effective_date=_local_day(redemption.created_at, parish.timezone),
            memo=f"Canje {redemption.id:06d}",
            voucher_id=redemption.voucher_id,
            redemption_id=redemption.id,
        )
        for redemption in made
    ]
    post_entries(session, issued)
    post_entries(session, spent)
    return [redemption.id for redemption in made]


def past_payments(session, parish, payments: Sequence[tuple[int, datetime, datetime]]) -> list[int]:
    """Settlements ``(shop_id, redeemed_before, paid_at)``: every unsettled, unvoided
    redemption of the shop made before ``redeemed_before``, paid at ``paid_at`` (skipped when
    there is none). Returns the settlement ids."""
    bank = chart.account_id(session, parish.id, chart.BANK)
    ids: list[int] = []
    drafts: list[EntryDraft] = []
    for shop_id, before, paid_at in payments:
        unpaid = list(
            session.scalars(
                sa.select(Redemption).where(
                    Redemption.parish_id == parish.id,
                    Redemption.shop_id == shop_id,
                    Redemption.created_at < before,
                    Redemption.status == RedemptionStatus.COMMITTED,
                    Redemption.settlement_id.is_(None),
                )
            )
        )
        if not unpaid:
            continue
        total = sum(redemption.amount for redemption in unpaid)
        settlement = Settlement(
            parish_id=parish.id,
            shop_id=shop_id,
            through=_local_day(before - timedelta(microseconds=1), parish.timezone),
            amount=total,
            redemption_count=len(unpaid),
            method=PaymentMethod.TRANSFER,
            reference=f"history {shop_id}",
            status=SettlementStatus.PAID,
            request_hash="history",
            paid_at=paid_at,
            reversal_reason="",
            created_at=paid_at,
        )
        session.add(settlement)
        session.flush()
        for redemption in unpaid:
            line = SettlementLine(
                settlement_id=settlement.id, redemption_id=redemption.id, amount=redemption.amount
            )
            session.add(line)
            redemption.settlement_id = settlement.id
        drafts.append(
            EntryDraft(
                parish.id,
                EntryKind.SETTLEMENT,
                [Leg(_payable(session, parish, shop_id), bank, total)],
                effective_date=_local_day(paid_at, parish.timezone),
                memo=f"Pago {settlement.id:06d} transfer",
                settlement_id=settlement.id,
            )
        )
        ids.append(settlement.id)
    post_entries(session, drafts)
    return ids
