from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.db import Base, IdMixin, TimestampMixin


class Shop(IdMixin, TimestampMixin, Base):
    """A neighbourhood shop; shared by every parish it is enrolled in."""

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
