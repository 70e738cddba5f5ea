"""A shop's account with the parish for a period, gathered with grouped, indexed SQL.

Dates are days in the parish's time zone: a period ``[from, to]`` runs from local midnight
of ``from`` to local midnight after ``to``. The result is plain data
(:class:`~voucher.treasury.documents.ShopStatement`); nothing here draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from voucher.dates import day_start_utc, utcnow
from voucher.families.rules import display_rut
from voucher.ledger.integrity import chain_tip
from voucher.parishes.models import Parish
from voucher.shops.device_models import Device
from voucher.shops.models import Shop, ShopParish
from voucher.shops.services import bank_line
from voucher.treasury.documents import ShopStatement, StatementLine, check_period
from voucher.treasury.models import Settlement, SettlementStatus
from voucher.treasury.tables import method_label
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher

# Within the same instant: the redemption first, then its void, then payments.
_KIND_ORDER = {"redemption": 0, "void": 1, "payment_reversal": 2, "payment": 3}

# (sort key, line, redemption id or None)
_Row = tuple[tuple, StatementLine, int | None]


@dataclass(frozen=True)
class StatementResult:
    """A statement and, for the web page, which line is which redemption and which of
    those the treasurer may still void."""

    statement: ShopStatement
    redemption_ids: tuple[int | None, ...]
    voidable: frozenset[int]


def aware(moment: datetime) -> datetime:
    """A database moment as UTC-aware (SQLite hands back naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


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


def _redemption_rows(
    session: Session, parish_id: int, shop_id: int, start: datetime, end: datetime
) -> tuple[list[_Row], set[int]]:
    """Every redemption made in the period (marked if voided by its end), and which of
    them the treasurer may still void."""
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
            Device.name,
        )
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .outerjoin(Device, Device.id == Redemption.device_id)
        .where(
            Redemption.parish_id == parish_id,
            Redemption.shop_id == shop_id,
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
    ).tuples()
    voided_status, committed_status = (
        RedemptionStatus.VOIDED.value,
        RedemptionStatus.COMMITTED.value,
    )
    receipt = _("Canje N° %(number)s", number="{n}")  # translated once, filled in per row
    rows: list[_Row] = []
    voidable: set[int] = set()
    for rid, when, amount, status, voided_at, settlement_id, serial, category, phone in redemptions:
        voided = status == voided_status and voided_at is not None and voided_at < end
        description = receipt.replace("{n}", f"{rid:06d}")
        if phone:  # charged from a paired phone: which one
            description = f"{description} · {phone}"
        line = StatementLine(when, "redemption", description, serial, category, amount, 0, voided)
        rows.append(((when, 0, rid), line, rid))
        if status == committed_status and settlement_id is None:
            voidable.add(rid)
    return rows, voidable


def _void_rows(
    session: Session, parish_id: int, shop_id: int, start: datetime, end: datetime
) -> list[_Row]:
    """The voids made in the period of redemptions made before its end."""
    voids = session.execute(
        sa.select(
            Redemption.id, Redemption.voided_at, Redemption.amount, Voucher.serial, Voucher.category
        )
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .where(
            Redemption.parish_id == parish_id,
            Redemption.shop_id == shop_id,
            Redemption.created_at < end,
            Redemption.status == RedemptionStatus.VOIDED,
            Redemption.voided_at >= start,
            Redemption.voided_at < end,
        )
    ).all()
    rows: list[_Row] = []
    for v in voids:
        when = aware(v.voided_at)
        line = StatementLine(
            when=when,
            kind="void",
            description=_("Anulación canje N° %(number)s", number=f"{v.id:06d}"),
            serial=v.serial,
            category=str(v.category),
            charge=0,
            credit=v.amount,
        )
        rows.append(((when, _KIND_ORDER["void"], v.id), line, None))
    return rows


def _payment_line(s, when: datetime) -> StatementLine:
    number, method = f"{s.id:06d}", method_label(str(s.method))
    if s.reference:
        description = _(
            "Pago N° %(number)s · %(method)s · ref %(reference)s",
            number=number,
            method=method,
            reference=s.reference,
        )
    else:
        description = _("Pago N° %(number)s · %(method)s", number=number, method=method)
    return StatementLine(
        when=when,
        kind="payment",
        description=description,
        serial=None,
        category=None,
        charge=0,
        credit=s.amount,
    )


def _reversal_line(s, when: datetime) -> StatementLine:
    reason = f": {s.reversal_reason}" if s.reversal_reason else ""
    return StatementLine(
        when=when,
        kind="payment_reversal",
        description=_("Reverso pago N° %(number)s", number=f"{s.id:06d}") + reason,
        serial=None,
        category=None,
        charge=s.amount,
        credit=0,
    )


def _settlement_rows(
    session: Session, parish_id: int, shop_id: int, start: datetime, end: datetime
) -> list[_Row]:
    """The payments made, and the payments reversed, in the period."""
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
            *_paid_settlements(parish_id, shop_id),
            sa.or_(
                sa.and_(Settlement.paid_at >= start, Settlement.paid_at < end),
                sa.and_(Settlement.reversed_at >= start, Settlement.reversed_at < end),
            ),
        )
    ).all()
    rows: list[_Row] = []
    for s in settlements:
        paid_at = aware(s.paid_at)
        if start <= paid_at < end:
            rows.append(((paid_at, _KIND_ORDER["payment"], s.id), _payment_line(s, paid_at), None))
        if s.status == SettlementStatus.REVERSED and s.reversed_at is not None:
            reversed_at = aware(s.reversed_at)
            if start <= reversed_at < end:
                key = (reversed_at, _KIND_ORDER["payment_reversal"], s.id)
                rows.append((key, _reversal_line(s, reversed_at), None))
    return rows


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
    payment reversal in the period, in time order, and when the shop's bank details were
    last changed. Refuses a bad period (422)."""
    check_period(date_from, date_to)
    tz = parish.timezone
    start, end = day_start_utc(date_from, tz), day_start_utc(date_to + timedelta(days=1), tz)
    opening = owed_before(session, parish.id, shop.id, start)
    rows, voidable = _redemption_rows(session, parish.id, shop.id, start, end)
    rows += _void_rows(session, parish.id, shop.id, start, end)
    rows += _settlement_rows(session, parish.id, shop.id, start, end)
    rows.sort(key=lambda row: row[0])
    statement = ShopStatement(
        parish_name=parish.name,
        shop_name=shop.name,
        shop_rut=display_rut(shop.rut),
        period_from=date_from,
        period_to=date_to,
        opening_balance=opening,
        lines=tuple(line for _key, line, _id in rows),
        generated_at=now or utcnow(),
        timezone=tz,
        ledger_tip=chain_tip(session, parish.id),
        payment_details_changed_at=shop.payment_details_changed_at,
        shop_bank=bank_line(shop),
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
