from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.db import Base, IdMixin, UTCDateTime, str_enum, utcnow
from voucher.parishes.models import Parish


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    TREASURER = "treasurer"
    SHOPKEEPER = "shopkeeper"
    DIOCESE = "diocese"  # reads every parish's impact figures; no parish, nothing personal


class User(UserMixin, Base):
    __tablename__ = "user"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'shopkeeper' AND shop_id IS NOT NULL AND parish_id IS NULL)"
            " OR (role = 'diocese' AND parish_id IS NULL AND shop_id IS NULL)"
            " OR (role NOT IN ('shopkeeper', 'diocese') AND parish_id IS NOT NULL"
            " AND shop_id IS NULL)",
            name="role_scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    parish_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    shop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shop.id"), index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parish: Mapped[Parish | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot log in
        return self.active


class ApiToken(IdMixin, Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
