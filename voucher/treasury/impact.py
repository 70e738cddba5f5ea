"""The impact report: whom the vouchers reached and where the money went, per month, program,
shop and sector of the parish, and (for the diocese) per parish. Nothing personal: families
are only counted.

What each figure means (the same on the page, the PDF, the CSV and the API):

- **households**: families that received at least one voucher issued in the period, each
  counted once however many vouchers it got; **people**: the sum of those households' sizes
  (adults + children as registered today).
- **vouchers**: the vouchers issued in the period and what became of them so far: delivered
  (handed over, when the parish records deliveries; ``None`` while the books have no delivery
  column), printed, used fully, used in part, expired, cancelled. A voucher used in part and
  then expired counts in both.
- **pesos issued**: face value of the vouchers issued in the period; **pesos redeemed**:
  charges made at shops in the period that were not voided; **pesos returned**: value of
  expired or cancelled vouchers returned to the program funds in the period (from the books).
- **redemption rate**: of the value issued in the period, the part already spent at shops.
- **median days to first use**: for the vouchers issued in the period and used, days from
  issue to their first charge (parish calendar days).
- **shops**: pesos redeemed in the period, their share of all pesos redeemed (a fraction, the
  shares add up to 1) and how many families spent vouchers there.

Readers only; plain data out (:class:`ImpactReport`), nothing here draws.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from voucher.auth.models import Role, User
from voucher.dates import utcnow
from voucher.errors import Forbidden
from voucher.parishes.models import Parish
from voucher.programs.models import Program
from voucher.shops.models import Shop
from voucher.treasury.documents import check_period
from voucher.treasury.impact_rows import (
    NO_SECTOR,
    ChargeRow,
    Rows,
    VoucherRow,
    delivered_column,
    load_rows,
    merge_rows,
    months_between,
)
from voucher.vouchers.models import VoucherStatus


# --- the report as data ---------------------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    households: int
    people: int
    vouchers_issued: int
    vouchers_delivered: int | None
    vouchers_printed: int
    redeemed_fully: int
    redeemed_partly: int
    expired: int
    cancelled: int
    pesos_issued: int
    pesos_redeemed: int
    pesos_returned: int
    redemption_rate: float | None  # None when nothing was issued
    median_days_to_first_use: float | None  # None when no voucher was used

    @property
    def vouchers_redeemed(self) -> int:
        """Vouchers used at least once."""
        return self.redeemed_fully + self.redeemed_partly


@dataclass(frozen=True)
class MonthFigures:
    month: date  # its first day
    households: int
    people: int
    vouchers_issued: int
    pesos_issued: int
    pesos_redeemed: int


@dataclass(frozen=True)
class ProgramImpact:
    program_id: int
    name: str
    category: str
    figures: Figures
    months: tuple[MonthFigures, ...] = ()


@dataclass(frozen=True)
class ShopImpact:
    shop_id: int
    name: str
    pesos_redeemed: int
    share: float  # of all pesos redeemed in the period
    households: int


@dataclass(frozen=True)
class SectorImpact:
    sector: str  # NO_SECTOR for families without one
    households: int
    people: int
    vouchers_issued: int
    pesos_issued: int
    pesos_redeemed: int


@dataclass(frozen=True)
class ParishImpact:
    slug: str
    name: str
    figures: Figures


@dataclass(frozen=True)
class ImpactReport:
    title: str  # the parish's name, or the diocese's heading
    period_from: date
    period_to: date
    totals: Figures
    months: tuple[MonthFigures, ...]
    programs: tuple[ProgramImpact, ...]
    shops: tuple[ShopImpact, ...]
    sectors: tuple[SectorImpact, ...]
    parishes: tuple[ParishImpact, ...] | None  # the diocese's side by side
    generated_at: datetime
    timezone: str
    deliveries_recorded: bool


# --- adding up (pure) ---------------------------------------------------------------------------
def _households(vouchers: Iterable[VoucherRow]) -> tuple[int, int]:
    """(households, people), each family once."""
    sizes = {(v.parish_id, v.family_id): v.household for v in vouchers}
    return len(sizes), sum(sizes.values())


def figures_of(
    vouchers: Sequence[VoucherRow],
    charges: Sequence[ChargeRow],
    returned: int,
    *,
    deliveries_recorded: bool,
) -> Figures:
    households, people = _households(vouchers)
    issued = sum(v.amount for v in vouchers)
    used = sum(v.used for v in vouchers)
    waits = [(v.first_use - v.issued_on).days for v in vouchers if v.first_use is not None]
    return Figures(
        households=households,
        people=people,
        vouchers_issued=len(vouchers),
        vouchers_delivered=sum(v.delivered for v in vouchers) if deliveries_recorded else None,
        vouchers_printed=sum(v.printed for v in vouchers),
        redeemed_fully=sum(1 for v in vouchers if v.used == v.amount),
        redeemed_partly=sum(1 for v in vouchers if 0 < v.used < v.amount),
        expired=sum(1 for v in vouchers if v.status == VoucherStatus.EXPIRED),
        cancelled=sum(1 for v in vouchers if v.status == VoucherStatus.CANCELLED),
        pesos_issued=issued,
        pesos_redeemed=sum(c.amount for c in charges),
        pesos_returned=returned,
        redemption_rate=used / issued if issued else None,
        median_days_to_first_use=float(statistics.median(waits)) if waits else None,
    )


def _month_figures(
    vouchers: Sequence[VoucherRow], charges: Sequence[ChargeRow], date_from: date, date_to: date
) -> tuple[MonthFigures, ...]:
    issued: dict[date, list[VoucherRow]] = defaultdict(list)
    for v in vouchers:
        issued[v.issued_on.replace(day=1)].append(v)
    redeemed: dict[date, int] = defaultdict(int)
    for c in charges:
        redeemed[c.month] += c.amount
    result = []
    for month in months_between(date_from, date_to):
        households, people = _households(issued[month])
        result.append(
            MonthFigures(
                month,
                households,
                people,
                len(issued[month]),
                sum(v.amount for v in issued[month]),
                redeemed[month],
            )
        )
    return tuple(result)


def _shop_figures(
    charges: Sequence[ChargeRow], families: dict[int, int], names: dict[int, str]
) -> tuple[ShopImpact, ...]:
    pesos: dict[int, int] = defaultdict(int)
    for c in charges:
        pesos[c.shop_id] += c.amount
    total = sum(pesos.values())
    ordered = sorted(pesos, key=lambda shop: (-pesos[shop], names.get(shop, ""), shop))
    return tuple(
        ShopImpact(
            shop, names.get(shop, ""), pesos[shop], pesos[shop] / total, families.get(shop, 0)
        )
        for shop in ordered
    )


def _sector_figures(rows: Rows) -> tuple[SectorImpact, ...]:
    issued: dict[str, list[VoucherRow]] = defaultdict(list)
    for v in rows.vouchers:
        issued[v.sector].append(v)
    redeemed: dict[str, int] = defaultdict(int)
    for c in rows.charges:
        redeemed[c.sector] += c.amount
    result = []
    for sector in sorted(set(issued) | set(redeemed), key=lambda s: (s == NO_SECTOR, s.lower())):
        households, people = _households(issued[sector])
        result.append(
            SectorImpact(
                sector,
                households,
                people,
                len(issued[sector]),
                sum(v.amount for v in issued[sector]),
                redeemed[sector],
            )
        )
    return tuple(result)


def _program_figures(
    rows: Rows,
    programs: Sequence[Program],
    deliveries_recorded: bool,
    period: tuple[date, date],
) -> tuple[ProgramImpact, ...]:
    vouchers: dict[int, list[VoucherRow]] = defaultdict(list)
    for v in rows.vouchers:
        vouchers[v.program_id].append(v)
    charges: dict[int, list[ChargeRow]] = defaultdict(list)
    for c in rows.charges:
        charges[c.program_id].append(c)
    returned: dict[int, int] = defaultdict(int)
    for _parish, program_id, total in rows.returned:
        returned[program_id] += total
    return tuple(
        ProgramImpact(
            program.id,
            program.name,
            str(program.category),
            figures_of(
                vouchers[program.id],
                charges[program.id],
                returned[program.id],
                deliveries_recorded=deliveries_recorded,
            ),
            _month_figures(vouchers[program.id], charges[program.id], *period),
        )
        for program in programs
    )


# --- the readers -------------------------------------------------------------------------------
def impact_report(
    session: Session,
    parishes: Sequence[Parish],
    date_from: date,
    date_to: date,
    *,
    title: str | None = None,
    side_by_side: bool = False,
    now: datetime | None = None,
) -> ImpactReport:
    """The impact of ``parishes``' vouchers in the period (one parish for its treasurer; every
    parish, side by side, for the diocese). Refuses a bad period (422)."""
    check_period(date_from, date_to)
    recorded = delivered_column() is not None
    parts = {p.id: load_rows(session, p, date_from, date_to) for p in parishes}
    rows = merge_rows(parts.values())
    ids = [p.id for p in parishes]
    programs = (
        session.scalars(
            sa.select(Program)
            .where(Program.parish_id.in_(ids))
            .order_by(Program.parish_id, Program.name)
        ).all()
        if ids
        else []
    )
    shop_ids = {c.shop_id for c in rows.charges}
    names = (
        dict(session.execute(sa.select(Shop.id, Shop.name).where(Shop.id.in_(shop_ids))).all())
        if shop_ids
        else {}
    )
    side = None
    if side_by_side:
        side = tuple(
            ParishImpact(
                p.slug,
                p.name,
                figures_of(
                    parts[p.id].vouchers,
                    parts[p.id].charges,
                    sum(total for *_keys, total in parts[p.id].returned),
                    deliveries_recorded=recorded,
                ),
            )
            for p in parishes
        )
    return ImpactReport(
        title=title if title is not None else (parishes[0].name if parishes else ""),
        period_from=date_from,
        period_to=date_to,
        totals=figures_of(
            rows.vouchers,
            rows.charges,
            sum(total for *_keys, total in rows.returned),
            deliveries_recorded=recorded,
        ),
        months=_month_figures(rows.vouchers, rows.charges, date_from, date_to),
        programs=_program_figures(rows, programs, recorded, (date_from, date_to)),
        shops=_shop_figures(rows.charges, rows.shop_families, names),
        sectors=_sector_figures(rows),
        parishes=side,
        generated_at=now or utcnow(),
        timezone=parishes[0].timezone if parishes else "America/Santiago",
        deliveries_recorded=recorded,
    )


def all_parishes(session: Session) -> list[Parish]:
    """Every parish of the deployment, by name (the diocese's view)."""
    return list(session.scalars(sa.select(Parish).order_by(Parish.name)))


def months_back(today: date, months: int) -> date:
    """The first day of the month ``months`` before ``today``'s."""
    total = today.year * 12 + today.month - 1 - months
    return date(total // 12, total % 12 + 1, 1)


def default_period(today: date) -> tuple[date, date]:
    """A year: the last twelve months, this one so far included."""
    return months_back(today, 11), today


def report_for(
    session: Session, user: User, date_from: date, date_to: date, *, now: datetime | None = None
) -> ImpactReport:
    """The report a user may read: their parish's (treasurer, admin), or every parish's side
    by side and combined (diocese). Refuses other roles (403) and a bad period (422)."""
    if user.role == Role.DIOCESE:
        return impact_report(
            session,
            all_parishes(session),
            date_from,
            date_to,
            title=_("Todas las parroquias"),
            side_by_side=True,
            now=now,
        )
    if user.role not in (Role.TREASURER, Role.ADMIN) or user.parish_id is None:
        raise Forbidden()
    parish = session.get(Parish, user.parish_id)
    return impact_report(session, [parish], date_from, date_to, now=now)
