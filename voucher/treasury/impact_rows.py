"""The rows the impact report adds up, read from the books of one parish: its vouchers of
the period (with what became of each), the charges per shop and month (added up by the
database), the value returned to the funds, and how many families spent at each shop."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.dates import day_start_utc, to_local
from voucher.families.models import Family
from voucher.ledger.models import Entry, EntryKind, Transfer
from voucher.parishes.models import Parish
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher

NO_SECTOR = ""  # families registered without a sector


def months_between(date_from: date, date_to: date) -> list[date]:
    """First days of every month the period touches."""
    months, month = [], date_from.replace(day=1)
    while month <= date_to:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


# --- rows --------------------------------------------------------------
@dataclass(frozen=True)
class VoucherRow:
    parish_id: int
    program_id: int
    family_id: int
    issued_on: date
    amount: int
    remaining: int
    closed_amount: int
    status: str
    printed: bool
    delivered: bool
    household: int
    sector: str
    first_use: date | None

    @property
    def used(self) -> int:
        # face = redeemed + remaining + returned (an invariant ``ledger verify`` checks)
        return self.amount - self.remaining - self.closed_amount


@dataclass(frozen=True)
class ChargeRow:
    """Pesos charged at one shop in one month, of one program and sector (added up by the
    database: a year of a busy parish is tens of thousands of charges)."""

    parish_id: int
    program_id: int
    shop_id: int
    sector: str
    month: date
    amount: int


@dataclass
class Rows:
    vouchers: list[VoucherRow]
    charges: list[ChargeRow]
    returned: list[tuple[int, int, int]]  # (parish, program, pesos)
    shop_families: dict[int, int]  # shop -> families that spent vouchers there


def delivered_column():
    """Vouchers record their delivery once the books have the column for it."""
    return getattr(Voucher, "delivered_at", None)


def load_rows(session: Session, parish: Parish, date_from: date, date_to: date) -> Rows:
    tz = parish.timezone
    start, end = day_start_utc(date_from, tz), day_start_utc(date_to + timedelta(days=1), tz)
    committed = Redemption.status == RedemptionStatus.COMMITTED
    # The first charge of each voucher of the period: its own grouped query (joined into
    # the vouchers' query, PostgreSQL may plan a nested loop over fresh statistics).
    first_use = {
        voucher_id: to_local(first, tz).date()
        for voucher_id, first in session.execute(
            sa.select(Redemption.voucher_id, sa.func.min(Redemption.created_at))
            .join(Voucher, Voucher.id == Redemption.voucher_id)
            .where(
                Voucher.parish_id == parish.id,
                Voucher.issued_on >= date_from,
                Voucher.issued_on <= date_to,
                committed,
            )
            .group_by(Redemption.voucher_id)
        )
    }
    delivered = delivered_column()
    delivered_expr = (delivered.is_not(None) if delivered is not None else sa.false()).label(
        "delivered"
    )
    household = (Family.household_adults + Family.household_children).label("household")
    vouchers = [
        VoucherRow(
            parish.id,
            program_id,
            family_id,
            issued_on,
            int(amount),
            int(remaining),
            int(closed),
            str(status),
            bool(printed),
            bool(was_delivered),
            int(size),
            sector or NO_SECTOR,
            first_use.get(voucher_id),
        )
        for (
            voucher_id,
            program_id,
            family_id,
            issued_on,
            amount,
            remaining,
            closed,
            status,
            printed,
            was_delivered,
            size,
            sector,
        ) in session.execute(
            sa.select(
                Voucher.id,
                Voucher.program_id,
                Voucher.family_id,
                Voucher.issued_on,
                Voucher.amount,
                Voucher.remaining,
                Voucher.closed_amount,
                Voucher.status,
                Voucher.print_count > 0,
                delivered_expr,
                household,
                Family.sector,
            )
            .join(Family, Family.id == Voucher.family_id)
            .where(
                Voucher.parish_id == parish.id,
                Voucher.issued_on >= date_from,
                Voucher.issued_on <= date_to,
            )
        )
    ]
    months = months_between(date_from, date_to)
    bounds = [day_start_utc(max(m, date_from), tz) for m in months[1:]] or [end]
    month = sa.case(
        *[(Redemption.created_at < bound, index) for index, bound in enumerate(bounds)],
        else_=len(months) - 1,
    ).label("month")
    charged = (
        sa.select()
        .select_from(Redemption)
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .where(
            Redemption.parish_id == parish.id,
            Redemption.created_at >= start,
            Redemption.created_at < end,
            committed,
        )
    )
    charges = [
        ChargeRow(parish.id, program_id, shop_id, sector or NO_SECTOR, months[index], int(total))
        for index, program_id, shop_id, sector, total in session.execute(
            charged.add_columns(
                month,
                Voucher.program_id,
                Redemption.shop_id,
                Family.sector,
                sa.func.sum(Redemption.amount),
            )
            .join(Family, Family.id == Voucher.family_id)
            .group_by(month, Voucher.program_id, Redemption.shop_id, Family.sector)
        )
    ]
    shop_families = {
        shop_id: int(count)
        for shop_id, count in session.execute(
            charged.add_columns(
                Redemption.shop_id, sa.func.count(sa.distinct(Voucher.family_id))
            ).group_by(Redemption.shop_id)
        )
    }
    returned = [
        (parish.id, program_id, int(total))
        for program_id, total in session.execute(
            sa.select(Voucher.program_id, sa.func.sum(Transfer.amount))
            .select_from(Transfer)
            .join(Entry, Entry.id == Transfer.entry_id)
            .join(Voucher, Voucher.id == Entry.voucher_id)
            .where(
                Transfer.parish_id == parish.id,
                Entry.kind.in_((EntryKind.VOUCHER_EXPIRED, EntryKind.VOUCHER_CANCELLED)),
                Transfer.effective_date >= date_from,
                Transfer.effective_date <= date_to,
            )
            .group_by(Voucher.program_id)
        )
    ]
    return Rows(vouchers, charges, returned, shop_families)


def merge_rows(parts: Iterable[Rows]) -> Rows:
    merged = Rows([], [], [], {})
    for part in parts:
        merged.vouchers += part.vouchers
        merged.charges += part.charges
        merged.returned += part.returned
        # Families belong to one parish: a shop's families in two parishes are different.
        for shop, count in part.shop_families.items():
            merged.shop_families[shop] = merged.shop_families.get(shop, 0) + count
    return merged
