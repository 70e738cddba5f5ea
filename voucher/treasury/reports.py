"""Plain data for the treasurer's documents and pages, gathered with grouped, indexed SQL.

The renderers (:mod:`voucher.pdf.treasury`, :mod:`voucher.treasury.csv_export`) take the
dataclasses built here; nothing here draws, and nothing there reads the database.

Dates are days in the parish's time zone: a period ``[from, to]`` runs from local midnight
of ``from`` to local midnight after ``to``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.db import utcnow
from voucher.errors import Conflict, ValidationFailed
from voucher.ledger.models import Account, Entry, EntryKind, Transfer
from voucher.ledger.reports import trial_balance_at
from voucher.parishes.models import Parish
from voucher.pdf.treasury import (
    ProgramReport,
    ProgramReportRow,
    Remittance,
    RemittanceLine,
    ShopStatement,
    StatementLine,
    TrialBalance,
    TrialBalanceRow,
    method_label,
)
from voucher.programs.models import Program
from voucher.shops.models import Shop, ShopParish
from voucher.treasury.models import Fund, Settlement, SettlementLine, SettlementStatus
from voucher.treasury.services import day_end_utc
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher, VoucherStatus

MAX_PERIOD_DAYS = 3 * 366


def day_start_utc(day: date, tz: str) -> datetime:
    """Local midnight at the start of ``day``, in UTC."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def check_period(date_from: Any, date_to: Any, *, fields: tuple[str, str] = ("from", "to")) -> None:
    """Refuses (422) a missing or non-date bound, ``from`` after ``to`` and periods longer
    than three years."""
    errors = []
    for value, name in ((date_from, fields[0]), (date_to, fields[1])):
        if not isinstance(value, date) or isinstance(value, datetime):
            errors.append((name, _l("Escriba una fecha válida.")))
    if not errors and date_from > date_to:
        errors.append(
            (fields[0], _l("La fecha de inicio debe ser anterior o igual a la de término."))
        )
    elif not errors and (date_to - date_from).days > MAX_PERIOD_DAYS:
        errors.append((fields[1], _l("El período no puede ser mayor a tres años.")))
    if errors:
        raise ValidationFailed(errors)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# --- shop statement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementResult:
    """A statement and, for the web page, which line is which redemption and which of
    those the treasurer may still void."""

    statement: ShopStatement
    redemption_ids: tuple[int | None, ...]
    voidable: frozenset[int]


def _sum(session: Session, column, *conditions) -> int:
    return int(
        session.scalar(sa.select(sa.func.coalesce(sa.func.sum(column), 0)).where(*conditions)) or 0
    )


def _paid_settlements(parish_id: int, shop_id: int):
    return (
        Settlement.parish_id == parish_id,
        Settlement.shop_id == shop_id,
        Settlement.status.in_([SettlementStatus.PAID, SettlementStatus.REVERSED]),
    )


def owed_before(session: Session, parish_id: int, shop_id: int, moment: datetime) -> int:
    """What the parish owed the shop just before ``moment``: redemptions − voids − payments
    + reversed payments, each counted at its own time (four grouped sums)."""
    mine = (Redemption.parish_id == parish_id, Redemption.shop_id == shop_id)
    redeemed = _sum(session, Redemption.amount, *mine, Redemption.created_at < moment)
    voided = _sum(
        session,
        Redemption.amount,
        *mine,
        Redemption.created_at < moment,
        Redemption.status == RedemptionStatus.VOIDED,
        Redemption.voided_at < moment,
    )
    paid = _sum(
        session,
        Settlement.amount,
        *_paid_settlements(parish_id, shop_id),
        Settlement.paid_at < moment,
    )
    reversed_ = _sum(
        session,
        Settlement.amount,
        *_paid_settlements(parish_id, shop_id),
        Settlement.status == SettlementStatus.REVERSED,
        Settlement.reversed_at < moment,
    )
    return redeemed - voided - paid + reversed_


# Within the same instant: the redemption first, then its void, then payments.
_KIND_ORDER = {"redemption": 0, "void": 1, "payment_reversal": 2, "payment": 3}


def shop_statement(
    session: Session,
    parish: Parish,
    shop: Shop,
    date_from: date,
    date_to: date,
    *,
    now: datetime | None = None,
) -> StatementResult:
    """The shop's account with the parish for ``[date_from, date_to]``: opening balance owed,
    then every redemption (marked if voided by the end of the period), void, payment and
    payment reversal in the period, in time order. Refuses a bad period (422)."""
    check_period(date_from, date_to)
    tz = parish.timezone
    start, end = day_start_utc(date_from, tz), day_end_utc(date_to, tz)
    opening = owed_before(session, parish.id, shop.id, start)
    rows: list[tuple[tuple, StatementLine, int | None]] = []
    voidable: set[int] = set()

    # Raw text for the two enum columns and plain tuples: this loop runs once per redemption
    # (20,000 in a busy month), so it does as little as it can per row.
    redemptions = session.execute(
        sa.select(
            Redemption.id,
            Redemption.created_at,
            Redemption.amount,
            sa.type_coerce(Redemption.status, sa.String),
            Redemption.voided_at,
            Redemption.settlement_id,
            Voucher.serial,
            sa.type_coerce(Voucher.category, sa.String),
        )
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .where(
            Redemption.parish_id == parish.id,
            Redemption.shop_id == shop.id,
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
    ).tuples()
    voided_status, committed_status = (
        RedemptionStatus.VOIDED.value,
        RedemptionStatus.COMMITTED.value,
    )
    for rid, when, amount, status, voided_at, settlement_id, serial, category in redemptions:
        voided = status == voided_status and voided_at is not None and voided_at < end
        line = StatementLine(
            when, "redemption", f"Canje N° {rid:06d}", serial, category, amount, 0, voided
        )
        rows.append(((when, 0, rid), line, rid))
        if status == committed_status and settlement_id is None:
            voidable.add(rid)

    voids = session.execute(
        sa.select(
            Redemption.id, Redemption.voided_at, Redemption.amount, Voucher.serial, Voucher.category
        )
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .where(
            Redemption.parish_id == parish.id,
            Redemption.shop_id == shop.id,
            Redemption.created_at < end,
            Redemption.status == RedemptionStatus.VOIDED,
            Redemption.voided_at >= start,
            Redemption.voided_at < end,
        )
    ).all()
    for v in voids:
        when = _aware(v.voided_at)
        line = StatementLine(
            when=when,
            kind="void",
            description=f"Anulación canje N° {v.id:06d}",
            serial=v.serial,
            category=str(v.category),
            charge=0,
            credit=v.amount,
        )
        rows.append(((when, _KIND_ORDER["void"], v.id), line, None))

    settlements = session.execute(
        sa.select(
            Settlement.id,
            Settlement.amount,
            Settlement.method,
            Settlement.reference,
            Settlement.paid_at,
            Settlement.reversed_at,
            Settlement.status,
            Settlement.reversal_reason,
        ).where(
            *_paid_settlements(parish.id, shop.id),
            sa.or_(
                sa.and_(Settlement.paid_at >= start, Settlement.paid_at < end),
                sa.and_(Settlement.reversed_at >= start, Settlement.reversed_at < end),
            ),
        )
    ).all()
    for s in settlements:
        paid_at = _aware(s.paid_at)
        if start <= paid_at < end:
            reference = f" · ref {s.reference}" if s.reference else ""
            line = StatementLine(
                when=paid_at,
                kind="payment",
                description=f"Pago N° {s.id:06d} · {method_label(str(s.method))}{reference}",
                serial=None,
                category=None,
                charge=0,
                credit=s.amount,
            )
            rows.append(((paid_at, _KIND_ORDER["payment"], s.id), line, None))
        if s.status == SettlementStatus.REVERSED and s.reversed_at is not None:
            reversed_at = _aware(s.reversed_at)
            if start <= reversed_at < end:
                reason = f": {s.reversal_reason}" if s.reversal_reason else ""
                line = StatementLine(
                    when=reversed_at,
                    kind="payment_reversal",
                    description=f"Reverso pago N° {s.id:06d}{reason}",
                    serial=None,
                    category=None,
                    charge=s.amount,
                    credit=0,
                )
                rows.append(((reversed_at, _KIND_ORDER["payment_reversal"], s.id), line, None))

    rows.sort(key=lambda row: row[0])
    statement = ShopStatement(
        parish_name=parish.name,
        shop_name=shop.name,
        shop_rut=shop.rut,
        period_from=date_from,
        period_to=date_to,
        opening_balance=opening,
        lines=tuple(line for _key, line, _id in rows),
        generated_at=now or utcnow(),
        timezone=tz,
    )
    return StatementResult(statement, tuple(rid for _key, _line, rid in rows), frozenset(voidable))


def shop_parishes(session: Session, shop_id: int) -> list[Parish]:
    """The parishes a shop takes part in (or took part in), by name."""
    return list(
        session.scalars(
            sa.select(Parish)
            .join(ShopParish, ShopParish.parish_id == Parish.id)
            .where(ShopParish.shop_id == shop_id)
            .order_by(Parish.name)
        )
    )


# --- remittance -----------------------------------------------------------------------------


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
            redeemed_at=_aware(row.created_at),
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
        shop_rut=settlement.shop.rut,
        settlement_no=f"{settlement.id:06d}",
        through=settlement.through,
        method=str(settlement.method),
        reference=settlement.reference or None,
        paid_at=_aware(settlement.paid_at),
        lines=settlement_lines(session, settlement.id),
        generated_at=now or utcnow(),
        timezone=parish.timezone,
    )


# --- program report -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramFigures:
    program_id: int
    row: ProgramReportRow


_VOUCHER_KINDS = (
    EntryKind.VOUCHER_ISSUED,
    EntryKind.REDEMPTION,
    EntryKind.REDEMPTION_VOID,
    EntryKind.VOUCHER_EXPIRED,
    EntryKind.VOUCHER_CANCELLED,
)


def _voucher_movements(
    session: Session, parish_id: int, *conditions
) -> dict[tuple[int, str], tuple[int, int]]:
    """(program, entry kind) -> (pesos, distinct vouchers) for the entries that move voucher
    value, one grouped query driven by the transfers' (parish, date) index."""
    rows = session.execute(
        sa.select(
            Voucher.program_id,
            Entry.kind,
            sa.func.sum(Transfer.amount),
            sa.func.count(sa.distinct(Entry.voucher_id)),
        )
        .select_from(Transfer)
        .join(Entry, Entry.id == Transfer.entry_id)
        .join(Voucher, Voucher.id == Entry.voucher_id)
        .where(Transfer.parish_id == parish_id, Entry.kind.in_(_VOUCHER_KINDS), *conditions)
        .group_by(Voucher.program_id, Entry.kind)
    ).all()
    return {(program, str(kind)): (int(total), int(count)) for program, kind, total, count in rows}


def program_figures(
    session: Session, parish: Parish, date_from: date, date_to: date
) -> list[ProgramFigures]:
    """Per program, for the period: funds received, vouchers issued, redeemed (redemptions
    less voids, and how many vouchers were used), expired and cancelled (value returned to
    the fund); and the value of live vouchers not yet redeemed at the end of the period.

    Figures come from the ledger entries dated in the period (by effective date, as the
    trial balance), so they agree with the books. Refuses a bad period (422)."""
    check_period(date_from, date_to)
    in_period = _voucher_movements(
        session, parish.id, Transfer.effective_date >= date_from, Transfer.effective_date <= date_to
    )
    later = _voucher_movements(session, parish.id, Transfer.effective_date > date_to)
    live_now = dict(
        session.execute(
            sa.select(Voucher.program_id, sa.func.sum(Voucher.remaining))
            .where(Voucher.parish_id == parish.id, Voucher.status == VoucherStatus.ACTIVE)
            .group_by(Voucher.program_id)
        ).all()
    )
    funded = dict(
        session.execute(
            sa.select(Fund.program_id, sa.func.sum(Fund.amount))
            .where(
                Fund.parish_id == parish.id,
                Fund.received_on >= date_from,
                Fund.received_on <= date_to,
            )
            .group_by(Fund.program_id)
        ).all()
    )
    programs = session.scalars(
        sa.select(Program).where(Program.parish_id == parish.id).order_by(Program.name)
    )

    def pick(table, program_id: int, kind: EntryKind) -> tuple[int, int]:
        return table.get((program_id, kind.value), (0, 0))

    result = []
    for program in programs:
        pid = program.id
        issued, issued_n = pick(in_period, pid, EntryKind.VOUCHER_ISSUED)
        redeemed, redeemed_n = pick(in_period, pid, EntryKind.REDEMPTION)
        voided, _ = pick(in_period, pid, EntryKind.REDEMPTION_VOID)
        expired, expired_n = pick(in_period, pid, EntryKind.VOUCHER_EXPIRED)
        cancelled, cancelled_n = pick(in_period, pid, EntryKind.VOUCHER_CANCELLED)
        # Outstanding at the end of the period: live value now, less what moved since.
        since = (
            pick(later, pid, EntryKind.VOUCHER_ISSUED)[0]
            - pick(later, pid, EntryKind.REDEMPTION)[0]
            + pick(later, pid, EntryKind.REDEMPTION_VOID)[0]
            - pick(later, pid, EntryKind.VOUCHER_EXPIRED)[0]
            - pick(later, pid, EntryKind.VOUCHER_CANCELLED)[0]
        )
        outstanding = int(live_now.get(pid) or 0) - since
        row = ProgramReportRow(
            name=program.name,
            category=str(program.category),
            funded=int(funded.get(pid) or 0),
            issued_count=issued_n,
            issued=issued,
            redeemed_count=redeemed_n,
            redeemed=max(redeemed - voided, 0),
            expired_count=expired_n,
            expired=expired,
            cancelled_count=cancelled_n,
            cancelled=cancelled,
            outstanding=outstanding,
        )
        result.append(ProgramFigures(pid, row))
    return result


def program_report(
    session: Session, parish: Parish, date_from: date, date_to: date, *, now: datetime | None = None
) -> ProgramReport:
    figures = program_figures(session, parish, date_from, date_to)
    return ProgramReport(
        parish_name=parish.name,
        period_from=date_from,
        period_to=date_to,
        rows=tuple(f.row for f in figures),
        generated_at=now or utcnow(),
        timezone=parish.timezone,
    )


# --- trial balance --------------------------------------------------------------------------


def trial_balance(
    session: Session, parish: Parish, at: date, *, now: datetime | None = None
) -> TrialBalance:
    """Every account's debits and credits up to the end of ``at``."""
    if not isinstance(at, date):
        raise ValidationFailed([("at", _l("Escriba una fecha válida."))])
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
    )


# --- the treasurer's home page --------------------------------------------------------------


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
    from voucher.dates import local_today

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
    live = dict(
        session.execute(
            sa.select(Voucher.program_id, sa.func.sum(Voucher.remaining))
            .where(Voucher.parish_id == parish.id, Voucher.status == VoucherStatus.ACTIVE)
            .group_by(Voucher.program_id)
        ).all()
    )
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
