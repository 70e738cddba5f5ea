from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.db import Base, IdMixin, TimestampMixin, UTCDateTime


class Shop(IdMixin, TimestampMixin, Base):
    """A neighbourhood shop, taking the vouchers of every parish it is enrolled in. Its
    identity, bank details and accounts belong to the parish that registered it (the
    owning parish); another parish joins only when the shop or that parish accepts."""

    __tablename__ = "shop"

    name: Mapped[str] = mapped_column(sa.String(120))
    rut: Mapped[str] = mapped_column(sa.String(12), unique=True)
    owner_name: Mapped[str] = mapped_column(sa.String(120), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    accepts_food: Mapped[bool] = mapped_column(default=True)
    accepts_hygiene: Mapped[bool] = mapped_column(default=True)
    payment_details: Mapped[str] = mapped_column(sa.Text, default="")
    # Where the parish transfers its payments (the bank's bulk payment file).
    bank_name: Mapped[str] = mapped_column(sa.String(60), default="")
    account_type: Mapped[str] = mapped_column(sa.String(20), default="")
    account_number: Mapped[str] = mapped_column(sa.String(30), default="")
    payment_email: Mapped[str] = mapped_column(sa.String(254), default="")
    active: Mapped[bool] = mapped_column(default=True)
    owner_parish_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("parish.id"), index=True, default=None
    )
    payment_details_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def categories(self) -> list[str]:
        return [
            c
            for c, ok in (
                ("food", self.accepts_food),
                ("hygiene", self.accepts_hygiene),
            )
            if ok
        ]


class ShopParish(IdMixin, TimestampMixin, Base):
    """A shop taking part in one parish's vouchers."""

    __tablename__ = "shop_parish"
    __table_args__ = (sa.UniqueConstraint("shop_id", "parish_id"),)

    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shop.id"), index=True)
    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    shop: Mapped[Shop] = relationship()


class JoinStatus:
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ShopJoinRequest(IdMixin, TimestampMixin, Base):
    """A parish asking to take part in a shop another parish registered. The shop takes
    that parish's vouchers only once the shop's shopkeeper or the owning parish's admin
    accepts."""

    __tablename__ = "shop_join_request"

    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shop.id"), index=True)
    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=JoinStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    shop: Mapped[Shop] = relationship()
