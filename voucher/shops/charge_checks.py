"""After a dropped connection the scan page asks whether its charge went through: the
charge is found by the operation key the page generated for it, among the asking
shop's own charges."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.auth.models import User
from voucher.dates import format_time
from voucher.vouchers.models import Redemption


def charge_by_key(session: Session, user: User, key: str) -> Redemption | None:
    """The charge this user sent with ``key`` (keys are kept scoped to their user)."""
    key = (key or "").strip()
    if not key or user.shop_id is None:
        return None
    return session.scalar(
        sa.select(Redemption).where(
            Redemption.idempotency_key == f"{user.id}:{key}",
            Redemption.shop_id == user.shop_id,
        )
    )


def local_time(moment, tz: str) -> str:
    return format_time(moment, tz)
