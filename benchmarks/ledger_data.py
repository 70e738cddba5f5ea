"""Builds a parish whose books hold about N transfers (postings), through the real
posting code, with the voucher and redemption records the books point at, so that
`ledger verify` passes on it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from support import rut_for

from voucher.ledger import chart
from voucher.ledger.models import EntryKind
from voucher.ledger.posting import EntryDraft, Leg, post_entries
from voucher.money import MAX_AMOUNT
from voucher.parishes.services import create_parish
from voucher.programs import funds
from voucher.programs.services import ProgramInput, create_program
from voucher.shops.services import ShopInput, create_shop, enrol_shop
from voucher.treasury.services import FundInput, record_fund
from voucher.vouchers.models import Redemption, Voucher

VALUE = 10_000
BATCH = 5_000
START = date(2026, 1, 1)
DAYS = 330


@dataclass
class Built:
    parish: object
    shops: list
    postings: int
    posting_seconds: float
    posted_entries: int


def build(session, postings: int, shops: int = 200, on_progress=print) -> Built:
    """One fund, then per voucher: its issue entry and two half redemptions at a shop."""
    import time

    vouchers = max(1, (postings - 1) // 3)
    parish = create_parish(session, slug="bench", name="Parroquia Benchmark")
    program = create_program(
        session, parish.id, ProgramInput("Canasta", "food", VALUE, 365, "monthly", 1), None
    )
    shop_rows = []
    for n in range(shops):
        shop = create_shop(
            session, ShopInput(f"Almacén {n:03d}", rut_for(n, base=50_000_000), ["food", "hygiene"])
        )
        enrol_shop(session, shop, parish.id)
        shop_rows.append(shop)
    session.execute(sa.text("SELECT 1"))
    family_id = _family(session, parish.id)
    remaining = vouchers * VALUE
    while remaining:  # one receipt is at most MAX_AMOUNT pesos
        part = min(remaining, MAX_AMOUNT)
        record_fund(session, parish, FundInput(program.id, part, START, "Benchmark"), None)
        remaining -= part
    funds.reserve_fund(session, program.id, vouchers * VALUE)
    session.commit()

    fund = chart.account_id(session, parish.id, chart.fund_code(program.id))
    outstanding = chart.account_id(session, parish.id, chart.VOUCHERS)
    payables = [chart.account_id(session, parish.id, chart.payable_code(s.id)) for s in shop_rows]
    shop_ids = [s.id for s in shop_rows]
    counter = itertools.count()
    posted = 0
    seconds = 0.0
    for first in range(0, vouchers, BATCH):
        ids = range(first, min(vouchers, first + BATCH))
        days = [START + timedelta(days=(i * DAYS) // vouchers) for i in ids]
        voucher_ids = (
            session.execute(
                sa.insert(Voucher).returning(Voucher.id, sort_by_parameter_order=True),
                [
                    {
                        "parish_id": parish.id,
                        "program_id": program.id,
                        "family_id": family_id,
                        "serial": f"BN-2026-{i:07d}",
                        "code_hash": f"{i:064x}",
                        "code_encrypted": "-",
                        "category": "food",
                        "amount": VALUE,
                        "remaining": 0,
                        "closed_amount": 0,
                        "cycle_key": f"b{i}",
                        "issued_on": day,
                        "expires_on": day + timedelta(days=365),
                        "status": "redeemed",
                        "status_reason": "",
                        "print_count": 0,
                        "created_at": datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                    }
                    for i, day in zip(ids, days, strict=True)
                ],
            )
            .scalars()
            .all()
        )
        redemption_rows = []
        for voucher_id, day in zip(voucher_ids, days, strict=True):
            for half in range(2):
                n = next(counter)
                redemption_rows.append(
                    {
                        "parish_id": parish.id,
                        "voucher_id": voucher_id,
                        "shop_id": shop_ids[n % shops],
                        "amount": VALUE // 2,
                        "idempotency_key": f"bench-{n}",
                        "request_hash": "-",
                        "status": "committed",
                        "created_at": datetime(day.year, day.month, day.day, 13 + half, tzinfo=UTC),
                    }
                )
        redemption_ids = (
            session.execute(
                sa.insert(Redemption).returning(Redemption.id, sort_by_parameter_order=True),
                redemption_rows,
            )
            .scalars()
            .all()
        )
        drafts = [
            EntryDraft(
                parish.id,
                EntryKind.VOUCHER_ISSUED,
                [Leg(fund, outstanding, VALUE)],
                effective_date=day,
                voucher_id=vid,
            )
            for vid, day in zip(voucher_ids, days, strict=True)
        ]
        drafts += [
            EntryDraft(
                parish.id,
                EntryKind.REDEMPTION,
                [Leg(outstanding, payables[shop_ids.index(row["shop_id"])], row["amount"])],
                effective_date=row["created_at"].date(),
                redemption_id=rid,
                voucher_id=row["voucher_id"],
            )
            for rid, row in zip(redemption_ids, redemption_rows, strict=True)
        ]
        started = time.perf_counter()
        post_entries(session, drafts)
        session.commit()
        seconds += time.perf_counter() - started
        posted += len(drafts)
        if on_progress and (first // BATCH) % 20 == 0:
            on_progress(f"  … {posted:,} entries posted")
    return Built(parish, shop_rows, posted + 1, seconds, posted)


def _family(session, parish_id: int) -> int:
    from voucher.db import utcnow
    from voucher.families.models import Family

    family = Family(
        parish_id=parish_id,
        head_name="Familia Benchmark",
        search_name="familia benchmark",
        document_type="other",
        document_number="BENCH0001",
        consent_at=utcnow(),
    )
    session.add(family)
    session.flush()
    return family.id
