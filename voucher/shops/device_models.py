"""A shop's paired phones, and the one-time pairing links that pair them.

A paired phone acts through an account of its own (a shopkeeper account nobody can
log in to with a password), so the scan log, the audit trail and the ledger keep
naming who acted as they always have; the device row says which phone that was, and
holds the hash of the phone's long-lived credential."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.auth.models import User
from voucher.db import Base, IdMixin, TimestampMixin, UTCDateTime
from voucher.shops.models import Shop


class Device(IdMixin, TimestampMixin, Base):
    """A phone paired to a shop; it works until ``revoked_at`` is set."""

    __tablename__ = "device"

    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shop.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    # SHA-256 of the cookie's secret (the secret itself is never stored).
    credential_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paired_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_ip: Mapped[str | None] = mapped_column(sa.String(45))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    shop: Mapped[Shop] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    paired_by: Mapped[User | None] = relationship(foreign_keys=[paired_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class DevicePairing(IdMixin, TimestampMixin, Base):
    """A single-use pairing link: only the hash of its token is stored."""

    __tablename__ = "device_pairing"

    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shop.id"), index=True)
    device_name: Mapped[str] = mapped_column(sa.String(60))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    device_id: Mapped[int | None] = mapped_column(sa.ForeignKey("device.id"))

    shop: Mapped[Shop] = relationship()
    created_by: Mapped[User | None] = relationship()
