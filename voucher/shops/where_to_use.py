"""Where a voucher can be used: the shops of its parish that take vouchers now (shop
active, enrolment active) and accept its category. The public page a family's phone
opens from the QR lists them, so families can find them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.shops.models import Shop, ShopParish

ACCEPTS = {"food": Shop.accepts_food, "hygiene": Shop.accepts_hygiene}


def shops_accepting(session: Session, parish_id: int, category: str) -> list[Shop]:
    accepts = ACCEPTS.get(category)
    if accepts is None:
        return []
    return list(
        session.scalars(
            sa.select(Shop)
            .join(ShopParish, ShopParish.shop_id == Shop.id)
            .where(
                ShopParish.parish_id == parish_id,
                ShopParish.active,
                Shop.active,
                accepts,
            )
            .order_by(Shop.name)
        )
    )
