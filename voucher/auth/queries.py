"""Reading accounts: a user's API tokens and a parish's accounts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.auth.access import managed_shops
from voucher.auth.models import ApiToken, LoginSession, User
from voucher.db import utcnow


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The user's API tokens, newest first (revoked ones too)."""
    return list(
        session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def parish_accounts(session: Session, parish_id: int) -> list[User]:
    """The parish's accounts, by role and name (shop accounts belong to their shop)."""
    return list(
        session.scalars(
            sa.select(User).where(User.parish_id == parish_id).order_by(User.role, User.name)
        )
    )


def shops_managed(session: Session, parish_id: int) -> dict[int, str]:
    """The shops (id -> name) whose accounts the parish's admin manages."""
    return managed_shops(session, parish_id)


def shop_accounts(session: Session, shop_ids: list[int]) -> list[User]:
    """The shopkeepers of these shops, by shop and name."""
    if not shop_ids:
        return []
    return list(
        session.scalars(
            sa.select(User).where(User.shop_id.in_(shop_ids)).order_by(User.shop_id, User.name)
        )
    )


def live_sessions(session: Session, user_ids: list[int]) -> dict[int, tuple[int, Any]]:
    """For each user with a live sign-in: how many, and when one was last used."""
    if not user_ids:
        return {}
    rows = session.execute(
        sa.select(LoginSession.user_id, sa.func.count(), sa.func.max(LoginSession.last_seen_at))
        .where(
            LoginSession.user_id.in_(user_ids),
            LoginSession.ended_at.is_(None),
            LoginSession.expires_at > utcnow(),
        )
        .group_by(LoginSession.user_id)
    )
    return {user_id: (count, seen) for user_id, count, seen in rows}
