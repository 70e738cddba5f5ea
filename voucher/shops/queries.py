"""Reading shops: a parish's shops, a shop's people, a shop's day at the till and the
last use of a voucher. The web pages and the API both read through here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from voucher.auth.access import register_shop_scope
from voucher.auth.models import Role, User
from voucher.dates import day_bounds
from voucher.db import valid_id
from voucher.errors import NotFound
from voucher.parishes.models import Parish
from voucher.shops.device_models import Device
from voucher.shops.models import Shop, ShopParish
from voucher.vouchers.models import Redemption, RedemptionStatus

# --- a parish's shops ---------------------------------------------------------------------


def parish_shops(parish_id: int) -> sa.Select:
    """Shops enrolled (now or before) in the parish."""
    return (
        sa.select(Shop)
        .join(ShopParish, ShopParish.shop_id == Shop.id)
        .where(ShopParish.parish_id == parish_id)
    )


def parish_shop_rows(session: Session, parish_id: int) -> list[tuple[Shop, bool]]:
    """The parish's shops by name, each with whether it is enrolled now (not paused)."""
    query = parish_shops(parish_id).add_columns(ShopParish.active).order_by(Shop.name)
    return [(shop, enrolled) for shop, enrolled in session.execute(query)]


def enrolled_now(session: Session, parish_id: int, shop_ids: list[int]) -> set[int]:
    """Which of these shops are enrolled in the parish now (not paused)."""
    return set(
        session.scalars(
            sa.select(ShopParish.shop_id).where(
                ShopParish.parish_id == parish_id,
                ShopParish.active.is_(True),
                ShopParish.shop_id.in_(shop_ids),
            )
        )
    )


def _a_person() -> sa.ColumnElement:
    """Not the account a paired phone acts through (those are listed as phones)."""
    return User.id.not_in(sa.select(Device.user_id))


def active_shopkeepers(session: Session, shop_ids: list[int]) -> dict[int, int]:
    """How many active accounts each of these shops has."""
    rows = session.execute(
        sa.select(User.shop_id, sa.func.count())
        .where(User.shop_id.in_(shop_ids), User.active, _a_person())
        .group_by(User.shop_id)
    )
    return dict(rows.tuples().all())


def get_parish_shop(session: Session, parish_id: int, shop_id: int) -> Shop:
    """A shop visible to a parish (enrolled there, now or before); others answer 404."""
    shop = None
    if valid_id(shop_id):
        shop = session.scalar(
            sa.select(Shop)
            .join(ShopParish, ShopParish.shop_id == Shop.id)
            .where(Shop.id == shop_id, ShopParish.parish_id == parish_id)
        )
    if shop is None:
        raise NotFound()
    return shop


def enrolment(session: Session, shop: Shop, parish_id: int) -> ShopParish | None:
    return session.scalar(
        sa.select(ShopParish).where(
            ShopParish.shop_id == shop.id, ShopParish.parish_id == parish_id
        )
    )


def shop_parish_names(session: Session, shop_id: int) -> list[tuple[str, bool]]:
    """The parishes taking part in a shop (the owning parish's view), by name, each
    with whether it takes part now."""
    rows = session.execute(
        sa.select(Parish.name, ShopParish.active)
        .join(ShopParish, ShopParish.parish_id == Parish.id)
        .where(ShopParish.shop_id == shop_id)
        .order_by(Parish.name)
    )
    return [(name, bool(active)) for name, active in rows]


def shopkeepers(session: Session, shop: Shop) -> list[User]:
    return list(
        session.scalars(
            sa.select(User)
            .where(User.shop_id == shop.id, User.role == Role.SHOPKEEPER, _a_person())
            .order_by(User.name)
        )
    )


# --- the shop's day at the till -------------------------------------------------------------


def shop_day(shop_id: int, day: date, tz: str) -> sa.Select:
    """A shop's redemptions of one local day (voided ones included), newest first, with
    their vouchers."""
    start, end = day_bounds(day, tz)
    return (
        sa.select(Redemption)
        .where(
            Redemption.shop_id == shop_id,
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
        .order_by(Redemption.id.desc())
        .options(selectinload(Redemption.voucher))
    )


def shop_day_list(session: Session, shop_id: int, day: date, tz: str) -> list[Redemption]:
    return list(session.scalars(shop_day(shop_id, day, tz)))


@dataclass(frozen=True)
class DayTotal:
    count: int
    total: int


def day_total(session: Session, shop_id: int, day: date, tz: str) -> DayTotal:
    """How many charges (voided ones left out) and how many pesos a shop took in a day."""
    start, end = day_bounds(day, tz)
    count, total = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Redemption.amount), 0)).where(
            Redemption.shop_id == shop_id,
            Redemption.status == RedemptionStatus.COMMITTED,
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
    ).one()
    return DayTotal(count, int(total))


def last_use(session: Session, voucher_id: int) -> tuple[Any, str] | None:
    """When and at which shop a voucher was last charged (voided charges left out)."""
    row = session.execute(
        sa.select(Redemption.created_at, Shop.name)
        .join(Shop, Shop.id == Redemption.shop_id)
        .where(
            Redemption.voucher_id == voucher_id,
            Redemption.status == RedemptionStatus.COMMITTED,
        )
        .order_by(Redemption.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


# --- whose shop accounts a parish's admin manages --------------------------------------------


def shops_registered_by(session: Session, parish_id: int) -> dict[int, str]:
    """The shops this parish owns (it registered them): their shopkeepers' accounts are
    managed by this parish's admin, never by parishes that joined later."""
    rows = session.execute(
        sa.select(Shop.id, Shop.name).where(Shop.owner_parish_id == parish_id).order_by(Shop.name)
    )
    return dict(rows.tuples().all())


register_shop_scope(shops_registered_by)
