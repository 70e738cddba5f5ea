"""Many vouchers, redemptions and payments at once, fast, and still through the ledger.

Rows are written with Core inserts and every money movement is posted with
``voucher.ledger.posting.post_entries`` (many drafts per call), so the books verify exactly
as if each had gone through the services: fund reserved, one entry per voucher issued, per
redemption and per payment, payables equal to what is unpaid. Times can be in the past,
which the services (always "now") cannot do. Used by the treasury benchmark.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.dates import to_local
from voucher.ledger import chart
from voucher.ledger.models import EntryKind
from voucher.ledger.posting import EntryDraft, Leg, post_entries
from voucher.parishes.models import Parish
from voucher.programs import funds
from voucher.programs.models import Program
from voucher.treasury.models import PaymentMethod, Settlement, SettlementLine, SettlementStatus
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher, VoucherStatus

CHUNK = 5000
_serial = itertools.count(1)


@dataclass
class PlannedVoucher:
    """A voucher and the redemptions to make with it: ``(shop_id, amount, when)``."""

    amount: int
    issued_on: date
    redemptions: list[tuple[int, int, datetime]] = field(default_factory=list)
    family_id: int | None = None  # the household it goes to, when not the build's one


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(session: Session, model, key_column, rows: list[dict], key: str) -> list[int]:
    """Insert many rows and return their ids in order. A plain executemany, then the ids
    read back by a unique key: on SQLite an INSERT … RETURNING that must keep the order
    runs one row at a time."""
    session.execute(sa.insert(model.__table__), rows)
    found = dict(
        session.execute(
            sa.select(key_column, model.id).where(key_column.in_([row[key] for row in rows]))
        ).all()
    )
    return [found[row[key]] for row in rows]


def local_day(moment: datetime, tz: str) -> date:
    return to_local(moment, tz).date()


def build(
    session: Session,
    parish: Parish,
    program: Program,
    family_id: int,
    plan: Sequence[PlannedVoucher],
    *,
    user_id: int | None = None,
) -> tuple[list[int], list[int]]:
    """Issue the planned vouchers and make their redemptions; returns (voucher ids,
    redemption ids in plan order). The program's fund must cover the vouchers."""
    funds.reserve_fund(session, program.id, sum(v.amount for v in plan))
    fund = chart.account_id(session, parish.id, chart.fund_code(program.id))
    outstanding = chart.account_id(session, parish.id, chart.VOUCHERS)
    now = datetime.now(UTC)
    voucher_ids: list[int] = []
    for chunk in _chunks(plan):
        rows = []
        for item in chunk:
            spent = sum(amount for _shop, amount, _when in item.redemptions)
            assert item.amount > 0 and spent <= item.amount
            n = next(_serial)
            digest = hashlib.sha256(f"{uuid.uuid4()}".encode()).hexdigest()
            rows.append(
                {
                    "parish_id": parish.id,
                    "program_id": program.id,
                    "family_id": item.family_id or family_id,
                    "round_id": None,
                    "serial": f"{parish.serial_prefix}-B-{n:07d}-{digest[:4]}",
                    "code_hash": digest,
                    "code_encrypted": "bulk",
                    "category": program.category,
                    "amount": item.amount,
                    "remaining": item.amount - spent,
                    "closed_amount": 0,
                    "cycle_key": "bulk",
                    "issued_on": item.issued_on,
                    "expires_on": item.issued_on + timedelta(days=3650),
                    "status": VoucherStatus.REDEEMED
                    if spent == item.amount
                    else VoucherStatus.ACTIVE,
                    "status_reason": "",
                    "issued_by_id": user_id,
                    "print_count": 0,
                    "created_at": now,
                }
            )
        ids = _insert(session, Voucher, Voucher.code_hash, rows, "code_hash")
        voucher_ids.extend(ids)
        post_entries(
            session,
            [
                EntryDraft(
                    parish.id,
                    EntryKind.VOUCHER_ISSUED,
                    [Leg(fund, outstanding, row["amount"])],
                    effective_date=row["issued_on"],
                    memo=f"Vale {row['serial']}",
                    user_id=user_id,
                    voucher_id=vid,
                )
                for vid, row in zip(ids, rows, strict=True)
            ],
        )
    wanted = [
        (vid, shop_id, amount, when)
        for vid, item in zip(voucher_ids, plan, strict=True)
        for shop_id, amount, when in item.redemptions
    ]
    redemption_ids = redeem(session, parish, wanted, user_id=user_id)
    return voucher_ids, redemption_ids


def redeem(
    session: Session,
    parish: Parish,
    wanted: Sequence[tuple[int, int, int, datetime]],
    *,
    user_id: int | None = None,
) -> list[int]:
    """Redemptions ``(voucher_id, shop_id, amount, when)`` of vouchers whose remaining value
    already accounts for them (see ``build``), each with its ledger entry."""
    outstanding = chart.account_id(session, parish.id, chart.VOUCHERS)
    payables: dict[int, int] = {}
    result: list[int] = []
    for chunk in _chunks(wanted):
        rows = [
            {
                "parish_id": parish.id,
                "voucher_id": vid,
                "shop_id": shop_id,
                "user_id": user_id,
                "amount": amount,
                "idempotency_key": f"bulk-{uuid.uuid4().hex}",
                "request_hash": "bulk",
                "status": RedemptionStatus.COMMITTED,
                "void_reason": "",
                "created_at": when,
            }
            for vid, shop_id, amount, when in chunk
        ]
        ids = _insert(session, Redemption, Redemption.idempotency_key, rows, "idempotency_key")
        drafts = []
        for rid, (vid, shop_id, amount, when) in zip(ids, chunk, strict=True):
            if shop_id not in payables:
                payables[shop_id] = chart.account_id(
                    session, parish.id, chart.payable_code(shop_id)
                )
            drafts.append(
                EntryDraft(
                    parish.id,
                    EntryKind.REDEMPTION,
                    [Leg(outstanding, payables[shop_id], amount)],
                    effective_date=local_day(when, parish.timezone),
                    memo=f"Canje {rid:06d}",
                    user_id=user_id,
                    voucher_id=vid,
                    redemption_id=rid,
                )
            )
        post_entries(session, drafts)
        result.extend(ids)
    return result


def pay(
    session: Session,
    parish: Parish,
    payments: Sequence[tuple[int, datetime, datetime]],
    *,
    user_id: int | None = None,
) -> list[int]:
    """Settlements ``(shop_id, redeemed_before, paid_at)``: every unsettled, unvoided
    redemption of the shop made before ``redeemed_before``, paid at ``paid_at`` (skipped when
    there is none). Returns the settlement ids."""
    bank = chart.account_id(session, parish.id, chart.BANK)
    drafts: list[EntryDraft] = []
    ids: list[int] = []
    for shop_id, before, paid_at in payments:
        unpaid = (
            Redemption.parish_id == parish.id,
            Redemption.shop_id == shop_id,
            Redemption.created_at < before,
            Redemption.status == RedemptionStatus.COMMITTED,
            Redemption.settlement_id.is_(None),
        )
        total, count = session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Redemption.amount), 0), sa.func.count()).where(
                *unpaid
            )
        ).one()
        if not count:
            continue
        through = local_day(before - timedelta(microseconds=1), parish.timezone)
        settlement_id = session.execute(
            sa.insert(Settlement)
            .values(
                parish_id=parish.id,
                shop_id=shop_id,
                through=through,
                amount=int(total),
                redemption_count=count,
                method=PaymentMethod.TRANSFER,
                reference=f"bulk {shop_id}",
                status=SettlementStatus.PAID,
                idempotency_key=None,
                request_hash="bulk",
                proposed_by_id=user_id,
                approved_by_id=user_id,
                paid_at=paid_at,
                reversal_reason="",
                created_at=paid_at,
            )
            .returning(Settlement.id)
        ).scalar_one()
        session.execute(
            sa.insert(SettlementLine).from_select(
                ["settlement_id", "redemption_id", "amount"],
                sa.select(sa.literal(settlement_id), Redemption.id, Redemption.amount).where(
                    *unpaid
                ),
            )
        )
        session.execute(
            sa.update(Redemption)
            .where(*unpaid)
            .values(settlement_id=settlement_id)
            .execution_options(synchronize_session=False)
        )
        payable = chart.account_id(session, parish.id, chart.payable_code(shop_id))
        drafts.append(
            EntryDraft(
                parish.id,
                EntryKind.SETTLEMENT,
                [Leg(payable, bank, int(total))],
                effective_date=local_day(paid_at, parish.timezone),
                memo=f"Pago {settlement_id:06d} transfer",
                user_id=user_id,
                settlement_id=settlement_id,
            )
        )
        ids.append(settlement_id)
        if len(drafts) >= CHUNK:
            post_entries(session, drafts)
            drafts = []
    post_entries(session, drafts)
    return ids
