"""The treasurer's home page: redemptions per week and each program's money."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.dates import day_start_utc, local_today
from voucher.ledger.models import Account
from voucher.parishes.models import Parish
from voucher.programs.models import Program
from voucher.shops.models import ShopParish
from voucher.treasury.models import Fund
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher
from voucher.vouchers.queries import live_value_by_program


@dataclass(frozen=True)
class WeekBar:
    start: date
    food: int
    hygiene: int


def weekly_redemptions(
    session: Session, parish: Parish, *, weeks: int = 8, today: date | None = None
) -> list[WeekBar]:
    """Pesos redeemed (not voided) per week (Monday to Sunday, parish time) and category,
    for the last ``weeks`` weeks including the current one, in one grouped query."""
    today = today or local_today(parish.timezone)
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    bounds = [day_start_utc(day, parish.timezone) for day in [*starts, monday + timedelta(weeks=1)]]
    week = sa.case(*[(Redemption.created_at < bounds[i + 1], i) for i in range(weeks)]).label(
        "week"
    )
    category = sa.type_coerce(Voucher.category, sa.String).label("category")
    shops = sa.select(ShopParish.shop_id).where(ShopParish.parish_id == parish.id)
    rows = session.execute(
        sa.select(week, category, sa.func.sum(Redemption.amount))
        .select_from(Redemption)
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .where(
            # Walk each shop's (shop, created_at) index over the eight weeks only; the
            # "+ 0" keeps the planner from reading every redemption of the parish instead.
            Redemption.shop_id.in_(shops),
            Redemption.parish_id + 0 == parish.id,
            Redemption.created_at >= bounds[0],
            Redemption.created_at < bounds[-1],
            Redemption.status == RedemptionStatus.COMMITTED,
        )
        .group_by(week, category)
    ).all()
    sums = {(index, kind): int(total) for index, kind, total in rows}
    return [
        WeekBar(start, sums.get((i, "food"), 0), sums.get((i, "hygiene"), 0))
        for i, start in enumerate(starts)
    ]


@dataclass(frozen=True)
class FundPosition:
    program_id: int
    name: str
    category: str
    available: int  # can still be issued
    committed: int  # live vouchers not yet redeemed
    spent: int  # redeemed at shops (paid or owed)


def fund_positions(session: Session, parish: Parish) -> list[FundPosition]:
    """Each program's money: available, committed in live vouchers, spent at shops.

    Spent is derived from the fund account's running totals rather than by adding up every
    redemption: each voucher's face value is its redemptions + remaining + returned value
    (an invariant ``ledger verify`` checks), issued value is the fund's debits, and returned
    value is its credits less the funds received."""
    programs = session.execute(
        sa.select(
            Program.id,
            Program.name,
            Program.category,
            Program.fund_available,
            Account.debits_posted,
            Account.credits_posted,
        )
        .outerjoin(
            Account,
            sa.and_(Account.parish_id == parish.id, Account.program_id == Program.id),
        )
        .where(Program.parish_id == parish.id)
        .order_by(Program.name)
    ).all()
    live = live_value_by_program(session, parish.id)
    received = dict(
        session.execute(
            sa.select(Fund.program_id, sa.func.sum(Fund.amount))
            .where(Fund.parish_id == parish.id)
            .group_by(Fund.program_id)
        ).all()
    )
    result = []
    for pid, name, category, available, issued, credits in programs:
        committed = int(live.get(pid) or 0)
        returned = int(credits or 0) - int(received.get(pid) or 0)
        result.append(
            FundPosition(
                program_id=pid,
                name=name,
                category=str(category),
                available=int(available or 0),
                committed=committed,
                spent=int(issued or 0) - committed - returned,
            )
        )
    return result
