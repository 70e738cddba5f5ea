"""What the parish owes each shop, and which redemptions a payment would cover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from voucher.dates import day_bounds
from voucher.errors import NotFound
from voucher.ledger.models import Account
from voucher.parishes.models import Parish
from voucher.shops.models import Shop, ShopParish
from voucher.treasury.models import Settlement, SettlementLine, SettlementStatus
from voucher.vouchers.models import Redemption, RedemptionStatus


@dataclass
class ShopBalance:
    shop: Shop
    owed: int
    unsettled_count: int
    oldest_unsettled: datetime | None
    last_payment_at: datetime | None
    last_payment_amount: int | None


def unsettled(parish_id: int, shop_id: int | None = None, through_end: datetime | None = None):
    """The conditions of a redemption still owed to its shop (made before ``through_end``)."""
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
    owed = _owed(session, parish_id, ids)
    counts = _unsettled_counts(session, parish_id, ids)
    oldest = _made_at(session, [first for _count, first in counts.values()])
    paid = _last_payments(session, parish_id, ids)
    result = []
    for shop in shops:
        count, first = counts.get(shop.id, (0, None))
        last = paid.get(shop.id)
        result.append(
            ShopBalance(
                shop=shop,
                owed=int(owed.get(shop.id) or 0),
                unsettled_count=count,
                oldest_unsettled=oldest.get(first),
                last_payment_at=last.paid_at if last else None,
                last_payment_amount=last.amount if last else None,
            )
        )
    return result


def _owed(session: Session, parish_id: int, shop_ids: list[int]) -> dict[int, int]:
    return dict(
        session.execute(
            sa.select(Account.shop_id, Account.credits_posted - Account.debits_posted).where(
                Account.parish_id == parish_id, Account.shop_id.in_(shop_ids)
            )
        ).all()
    )


def _unsettled_counts(
    session: Session, parish_id: int, shop_ids: list[int]
) -> dict[int, tuple[int, int]]:
    """Per shop: how many redemptions are unpaid and the id of the first one. Naming the
    shops lets the index answer with one short walk per shop."""
    return {
        shop_id: (count, first)
        for shop_id, count, first in session.execute(
            sa.select(Redemption.shop_id, sa.func.count(), sa.func.min(Redemption.id))
            .where(*unsettled(parish_id), Redemption.shop_id.in_(shop_ids))
            .group_by(Redemption.shop_id)
        )
    }


def _made_at(session: Session, redemption_ids: list[int]) -> dict[int, datetime]:
    if not redemption_ids:
        return {}
    return dict(
        session.execute(
            sa.select(Redemption.id, Redemption.created_at).where(Redemption.id.in_(redemption_ids))
        ).all()
    )


def _last_payments(session: Session, parish_id: int, shop_ids: list[int]) -> dict[int, Any]:
    latest = (
        sa.select(Settlement.shop_id, sa.func.max(Settlement.id).label("id"))
        .where(
            Settlement.parish_id == parish_id,
            Settlement.status == SettlementStatus.PAID,
            Settlement.shop_id.in_(shop_ids),
        )
        .group_by(Settlement.shop_id)
        .subquery()
    )
    return {
        row.shop_id: row
        for row in session.execute(
            sa.select(Settlement.shop_id, Settlement.paid_at, Settlement.amount).join(
                latest, latest.c.id == Settlement.id
            )
        )
    }


def shop_balance(session: Session, parish_id: int, shop: Shop) -> ShopBalance:
    """One shop's figures (404 when the shop is not enrolled in the parish)."""
    found = shop_balances(session, parish_id, [shop.id])
    if not found:
        raise NotFound()
    return found[0]


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
    _start, end = day_bounds(through, parish.timezone)
    query = (
        sa.select(Redemption)
        .where(*unsettled(parish.id, shop_id, end), Redemption.id.not_in(proposed))
        .order_by(Redemption.created_at, Redemption.id)
    )
    if with_vouchers:
        query = query.options(selectinload(Redemption.voucher))
    return list(session.scalars(query))
