"""Funds, what the parish owes each shop, and settlements (paying shops)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from voucher.audit.services import record
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.db import utcnow
from voucher.errors import Conflict, Forbidden, IdempotencyMismatch, NotFound, ValidationFailed
from voucher.ledger import flows
from voucher.money import MAX_AMOUNT
from voucher.parishes.models import Parish
from voucher.programs import funds
from voucher.programs.models import Program
from voucher.shops.models import Shop, ShopParish
from voucher.treasury.models import (
    Fund,
    PaymentMethod,
    Settlement,
    SettlementLine,
    SettlementStatus,
)
from voucher.vouchers.models import Redemption, RedemptionStatus


class NothingToSettle(Conflict):
    reason = "nothing_to_settle"
    message = _l("No hay canjes pendientes de pago para este comercio hasta esa fecha.")


class SettlementNotPending(Conflict):
    reason = "not_pending"
    message = _l("Este pago no está esperando aprobación.")


class SamePersonApproval(Conflict):
    reason = "same_person"
    message = _l("Otra persona (tesorero/a o administrador/a) debe aprobar este pago.")


class SettlementNotPaid(Conflict):
    reason = "not_paid"
    message = _l("Solo se puede revertir un pago realizado.")


@dataclass
class FundInput:
    program_id: int
    amount: int
    received_on: date
    source: str
    reference: str = ""


def record_fund(session: Session, parish: Parish, data: FundInput, user: Any) -> Fund:
    """Money received for a program. Refuses another parish's program (404), a
    non-positive or huge amount, a future date and a missing source (422)."""
    program = session.get(Program, data.program_id) if isinstance(data.program_id, int) else None
    if program is None or program.parish_id != parish.id:
        raise NotFound()
    errors = []
    amount = data.amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        errors.append(("amount", _l("Escriba un monto en pesos entre $1 y $100.000.000.")))
    if not isinstance(data.received_on, date) or data.received_on > local_today(parish.timezone):
        errors.append(("received_on", _l("La fecha no puede ser futura.")))
    source = " ".join((data.source or "").split())
    if not source or len(source) > 120:
        errors.append(("source", _l("Escriba de dónde viene el dinero (máximo 120 caracteres).")))
    if len(data.reference or "") > 120:
        errors.append(("reference", _l("Demasiado largo (máximo %(n)s caracteres).", n=120)))
    if errors:
        raise ValidationFailed(errors)
    fund = Fund(
        parish_id=parish.id,
        program_id=program.id,
        amount=amount,
        received_on=data.received_on,
        source=source,
        reference=(data.reference or "").strip(),
        recorded_by_id=getattr(user, "id", None),
    )
    session.add(fund)
    session.flush()
    funds.fund_received(
        session,
        parish_id=parish.id,
        program_id=program.id,
        fund_id=fund.id,
        amount=amount,
        received_on=data.received_on,
        user_id=getattr(user, "id", None),
        memo=f"{source} {fund.reference}".strip(),
    )
    record(
        session,
        "fund_recorded",
        user=user,
        parish_id=parish.id,
        obj=fund,
        amount=amount,
        program_id=program.id,
    )
    return fund


# --- what is owed ---------------------------------------------------------------------


@dataclass
class ShopBalance:
    shop: Shop
    owed: int
    unsettled_count: int
    oldest_unsettled: datetime | None
    last_payment_at: datetime | None
    last_payment_amount: int | None


def _unsettled(parish_id: int, shop_id: int | None = None, through_end: datetime | None = None):
    conditions = [
        Redemption.parish_id == parish_id,
        Redemption.status == RedemptionStatus.COMMITTED,
        Redemption.settlement_id.is_(None),
    ]
    if shop_id is not None:
        conditions.append(Redemption.shop_id == shop_id)
    if through_end is not None:
        conditions.append(Redemption.created_at < through_end)
    return conditions


def shop_balances(
    session: Session, parish_id: int, shop_ids: list[int] | None = None
) -> list[ShopBalance]:
    """Per enrolled shop (or only ``shop_ids``): owed now, how many and since when unpaid,
    and the last payment, in a few grouped queries whatever the number of shops.

    What is owed is the shop's payable account (its running totals: no scan); ``ledger
    verify`` proves it equals the unsettled, unvoided redemptions. Their count and the
    oldest one come from the (parish, shop, status, settlement) index alone: the oldest is
    the lowest id, since a redemption's id follows the moment it was made."""
    query = (
        sa.select(Shop)
        .join(ShopParish, ShopParish.shop_id == Shop.id)
        .where(ShopParish.parish_id == parish_id)
        .order_by(Shop.name, Shop.id)
    )
    if shop_ids is not None:
        query = query.where(Shop.id.in_(shop_ids))
    shops = session.scalars(query).all()
    if not shops:
        return []
    ids = [shop.id for shop in shops]
    from voucher.ledger.models import Account

    owed = dict(
        session.execute(
            sa.select(Account.shop_id, Account.credits_posted - Account.debits_posted).where(
                Account.parish_id == parish_id, Account.shop_id.in_(ids)
            )
        ).all()
    )
    # Naming the shops lets the index answer with one short walk per shop.
    unsettled = {
        shop_id: (count, first)
        for shop_id, count, first in session.execute(
            sa.select(Redemption.shop_id, sa.func.count(), sa.func.min(Redemption.id))
            .where(*_unsettled(parish_id), Redemption.shop_id.in_(ids))
            .group_by(Redemption.shop_id)
        )
    }
    oldest = (
        dict(
            session.execute(
                sa.select(Redemption.id, Redemption.created_at).where(
                    Redemption.id.in_([first for _count, first in unsettled.values()])
                )
            ).all()
        )
        if unsettled
        else {}
    )
    latest = (
        sa.select(Settlement.shop_id, sa.func.max(Settlement.id).label("id"))
        .where(
            Settlement.parish_id == parish_id,
            Settlement.status == SettlementStatus.PAID,
            Settlement.shop_id.in_(ids),
        )
        .group_by(Settlement.shop_id)
        .subquery()
    )
    paid = {
        row.shop_id: row
        for row in session.execute(
            sa.select(Settlement.shop_id, Settlement.paid_at, Settlement.amount).join(
                latest, latest.c.id == Settlement.id
            )
        )
    }
    result = []
    for shop in shops:
        count, first = unsettled.get(shop.id, (0, None))
        p = paid.get(shop.id)
        result.append(
            ShopBalance(
                shop=shop,
                owed=int(owed.get(shop.id) or 0),
                unsettled_count=count,
                oldest_unsettled=oldest.get(first),
                last_payment_at=p.paid_at if p else None,
                last_payment_amount=p.amount if p else None,
            )
        )
    return result


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def shop_balance(session: Session, parish_id: int, shop: Shop) -> ShopBalance:
    """One shop's figures (404 when the shop is not enrolled in the parish)."""
    found = shop_balances(session, parish_id, [shop.id])
    if not found:
        raise NotFound()
    return found[0]


def day_end_utc(day: date, tz: str) -> datetime:
    """The first instant after ``day`` ends in the parish's time zone, in UTC."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def unsettled_redemptions(
    session: Session, parish: Parish, shop_id: int, through: date, *, with_vouchers: bool = False
) -> list[Redemption]:
    """What a settlement of the shop through that day would pay: its unsettled, unvoided
    redemptions up to the end of the day, except those already waiting in a proposed
    settlement (a second proposal must not pay them twice)."""
    proposed = (
        sa.select(SettlementLine.redemption_id)
        .join(Settlement, Settlement.id == SettlementLine.settlement_id)
        .where(
            Settlement.shop_id == shop_id,
            Settlement.parish_id == parish.id,
            Settlement.status == SettlementStatus.PROPOSED,
        )
    )
    query = (
        sa.select(Redemption)
        .where(
            *_unsettled(parish.id, shop_id, day_end_utc(through, parish.timezone)),
            Redemption.id.not_in(proposed),
        )
        .order_by(Redemption.created_at, Redemption.id)
    )
    if with_vouchers:
        query = query.options(selectinload(Redemption.voucher))
    return list(session.scalars(query))


# --- settlements ------------------------------------------------------------------------


@dataclass
class SettlementInput:
    shop_id: int
    through: date
    method: str
    reference: str = ""
    # What the person saw before pressing "Pagar": when given, a different total or count
    # (a redemption made or voided meanwhile) refuses the payment instead of paying it.
    expected_amount: int | None = None
    expected_count: int | None = None


class SettlementChanged(Conflict):
    reason = "settlement_changed"
    message = _l(
        "La lista de canjes cambió mientras tanto (ahora suma %(amount)s). "
        "Revise y vuelva a intentar."
    )


def _settlement_hash(data: SettlementInput) -> str:
    return hashlib.sha256(
        f"{data.shop_id}|{data.through}|{data.method}|{data.reference}".encode()
    ).hexdigest()


def settle(
    session: Session,
    parish: Parish,
    data: SettlementInput,
    user: Any,
    *,
    idempotency_key: str | None = None,
) -> tuple[Settlement, bool]:
    """Pay a shop for all its unsettled, unvoided redemptions up to ``through``.

    With the parish's two-person rule the settlement is only proposed: no money moves
    until a second person approves it. Returns (settlement, replayed). Refuses another
    parish's shop (404), a bad method or date (422), nothing to settle (409), a list that
    changed since the person saw it (409 settlement_changed), and an idempotency key
    reused with other data (422).
    """
    if user.role not in (Role.TREASURER, Role.ADMIN):
        raise Forbidden()
    key = (idempotency_key or "").strip() or None
    wanted = _settlement_hash(data)
    replay = _replay_settlement(session, parish, key, wanted)
    if replay is not None:
        return replay, True
    from voucher.shops.services import get_parish_shop

    shop = get_parish_shop(session, parish.id, data.shop_id)
    errors = []
    if data.method not in {m.value for m in PaymentMethod}:
        errors.append(("method", _l("Elija transferencia, efectivo o cheque.")))
    if not isinstance(data.through, date) or data.through > local_today(parish.timezone):
        errors.append(("through", _l("La fecha de corte no puede ser futura.")))
    if len(data.reference or "") > 120:
        errors.append(("reference", _l("Demasiado largo (máximo %(n)s caracteres).", n=120)))
    if errors:
        raise ValidationFailed(errors)
    # Lock the shop's payable account: two treasurers paying one shop queue here.
    from voucher.ledger.chart import open_payable_account
    from voucher.ledger.models import Account

    payable = open_payable_account(session, parish.id, shop.id, shop.name)
    session.execute(sa.select(Account.id).where(Account.id == payable).with_for_update())
    # The same request may have finished while this one waited for the lock.
    replay = _replay_settlement(session, parish, key, wanted)
    if replay is not None:
        return replay, True
    redemptions = unsettled_redemptions(session, parish, shop.id, data.through)
    if not redemptions:
        raise NothingToSettle()
    total = sum(r.amount for r in redemptions)
    if (data.expected_amount is not None and data.expected_amount != total) or (
        data.expected_count is not None and data.expected_count != len(redemptions)
    ):
        from voucher.money import format_clp

        raise SettlementChanged(amount=format_clp(total))
    proposed_only = parish.two_person_rule
    settlement = Settlement(
        parish_id=parish.id,
        shop_id=shop.id,
        through=data.through,
        amount=total,
        redemption_count=len(redemptions),
        method=PaymentMethod(data.method),
        reference=(data.reference or "").strip(),
        status=SettlementStatus.PROPOSED if proposed_only else SettlementStatus.PAID,
        idempotency_key=key,
        request_hash=wanted,
        proposed_by_id=user.id,
    )
    try:
        with session.begin_nested():
            session.add(settlement)
            session.flush()
    except IntegrityError:
        # The key was taken by another settlement meanwhile: the same request answers
        # with it, different data is refused.
        existing = session.scalar(sa.select(Settlement).where(Settlement.idempotency_key == key))
        if existing is None or existing.request_hash != wanted or existing.parish_id != parish.id:
            raise IdempotencyMismatch() from None
        return existing, True
    session.execute(
        sa.insert(SettlementLine),
        [
            {"settlement_id": settlement.id, "redemption_id": r.id, "amount": r.amount}
            for r in redemptions
        ],
    )
    record(
        session,
        "settlement_proposed" if proposed_only else "settlement_paid",
        user=user,
        parish_id=parish.id,
        shop_id=shop.id,
        obj=settlement,
        amount=settlement.amount,
    )
    if not proposed_only:
        _pay(session, settlement, user)
    session.flush()
    return settlement, False


def _replay_settlement(
    session: Session, parish: Parish, key: str | None, wanted: str
) -> Settlement | None:
    if not key:
        return None
    existing = session.scalar(sa.select(Settlement).where(Settlement.idempotency_key == key))
    if existing is None:
        return None
    if existing.request_hash != wanted or existing.parish_id != parish.id:
        raise IdempotencyMismatch()
    return existing


def _pay(session: Session, settlement: Settlement, user: Any) -> None:
    """Mark the settlement's redemptions settled (each only if still unsettled and not
    voided: otherwise nothing is paid) and post the payment."""
    lines = sa.select(SettlementLine.redemption_id).where(
        SettlementLine.settlement_id == settlement.id
    )
    changed = session.execute(
        sa.update(Redemption)
        .where(
            Redemption.id.in_(lines),
            Redemption.settlement_id.is_(None),
            Redemption.status == RedemptionStatus.COMMITTED,
        )
        .values(settlement_id=settlement.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != settlement.redemption_count:
        raise Conflict(
            _l("Algunos canjes cambiaron mientras tanto. Revise la lista y vuelva a intentar.")
        )
    settlement.status = SettlementStatus.PAID
    settlement.paid_at = utcnow()
    settlement.approved_by_id = getattr(user, "id", None)
    session.flush()
    flows.settlement_paid(
        session,
        parish_id=settlement.parish_id,
        shop_id=settlement.shop_id,
        shop_name=settlement.shop.name,
        settlement_id=settlement.id,
        amount=settlement.amount,
        user_id=getattr(user, "id", None),
        memo=f"Pago {settlement.id:06d} {settlement.method.value} {settlement.reference}".strip(),
    )


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
    """Second person's approval under the two-person rule: the money moves now."""
    if user.role not in (Role.TREASURER, Role.ADMIN):
        raise Forbidden()
    if settlement.status != SettlementStatus.PROPOSED:
        raise SettlementNotPending()
    if settlement.proposed_by_id == user.id:
        raise SamePersonApproval()
    _move(
        session, settlement, SettlementStatus.PROPOSED, SettlementStatus.PAID, SettlementNotPending
    )
    _pay(session, settlement, user)
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
    if user.role not in (Role.TREASURER, Role.ADMIN):
        raise Forbidden()
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
    if user.role not in (Role.TREASURER, Role.ADMIN):
        raise Forbidden()
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


def get_settlement(session: Session, parish_id: int, settlement_id: int) -> Settlement:
    settlement = session.get(Settlement, settlement_id) if isinstance(settlement_id, int) else None
    if settlement is None or settlement.parish_id != parish_id:
        raise NotFound()
    return settlement
