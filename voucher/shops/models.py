from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.db import Base, UTCDateTime, str_enum, utcnow
from voucher.vouchers.models import Voucher


class Shop(Base):
    """A neighbourhood shop; shared by every parish it is enrolled in."""

    __tablename__ = "shop"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    rut: Mapped[str] = mapped_column(sa.String(12), unique=True)
    owner_name: Mapped[str] = mapped_column(sa.String(120), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    accepts_food: Mapped[bool] = mapped_column(default=True)
    accepts_hygiene: Mapped[bool] = mapped_column(default=True)
    payment_details: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

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


class ShopParish(Base):
    """A shop taking part in one parish's vouchers."""

    __tablename__ = "shop_parish"
    __table_args__ = (sa.UniqueConstraint("shop_id", "parish_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shop.id"), index=True)
    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    shop: Mapped[Shop] = relationship()


class RedemptionStatus(enum.StrEnum):
    COMMITTED = "committed"
    VOIDED = "voided"


class Redemption(Base):
    __tablename__ = "redemption"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.Index("ix_redemption_shop_created", "shop_id", "created_at"),
        sa.Index(
            "ix_redemption_unsettled", "parish_id", "shop_id", "status", "settlement_id", "amount"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    voucher_id: Mapped[int] = mapped_column(sa.ForeignKey("voucher.id"), index=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shop.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    amount: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[RedemptionStatus] = mapped_column(
        str_enum(RedemptionStatus, "redemption_status"),
        default=RedemptionStatus.COMMITTED,
    )
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    void_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    settlement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("settlement.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    voucher: Mapped[Voucher] = relationship()
    shop: Mapped[Shop] = relationship()

    @property
    def receipt_no(self) -> str:
        return f"{self.id:06d}"


class ScanLog(Base):
    """Every lookup and redemption attempt, refused ones too."""

    __tablename__ = "scan_log"
    __table_args__ = (
        sa.Index("ix_scan_log_user_reason_at", "user_id", "reason", "at"),
        sa.Index("ix_scan_log_ip_reason_at", "ip", "reason", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    shop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shop.id"), index=True)
    parish_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    voucher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("voucher.id"))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(20))  # lookup | redeem
    result: Mapped[str] = mapped_column(sa.String(20))  # ok | refused
    reason: Mapped[str] = mapped_column(sa.String(40), default="")
