"""Reading accounts: a user's API tokens and a parish's accounts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.auth.models import ApiToken, User


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
