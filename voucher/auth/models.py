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

    # The secret of the sign-in this request came with (never stored in clear): part of
    # the id Flask-Login keeps in the session and the remember cookie, so a cookie opens
    # the account only while its sign-in has not ended.
    session_secret = None  # str while signed in through a sign-in of this request

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot log in
        return self.active

    def get_id(self) -> str:
        if self.session_secret is None:
            raise RuntimeError("a user is signed in through voucher.auth.sessions")
        return f"{self.id}.{self.session_secret}"


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


class LoginSession(IdMixin, Base):
    """One sign-in (a browser, a phone): its cookie carries a secret whose SHA-256 is kept
    here. Logging out, a password change, a deactivation or an admin closing the user's
    sessions sets ``ended_at``; the cookie then opens nothing."""

    __tablename__ = "login_session"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PasswordReset(IdMixin, Base):
    """A one-time link to choose a new password, issued by an admin (web or command line)
    and handed over in person; only the SHA-256 of its secret is kept."""

    __tablename__ = "password_reset"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LoginFailure(IdMixin, Base):
    """A wrong password, kept where every worker sees it: the sign-in brake counts these
    per account and client address, and per address across accounts."""

    __tablename__ = "login_failure"
    __table_args__ = (sa.Index("ix_login_failure_address_at", "address", "at"),)

    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    address: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
