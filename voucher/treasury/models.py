from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.db import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum
from voucher.programs.models import Program
from voucher.shops.models import Shop


class Fund(IdMixin, TimestampMixin, Base):
    """Money received for a program (donation, parish allocation, campaign)."""

    __tablename__ = "fund"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("program.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    received_on: Mapped[date] = mapped_column(sa.Date)
    source: Mapped[str] = mapped_column(sa.String(120))
    reference: Mapped[str] = mapped_column(sa.String(120), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    program: Mapped[Program] = relationship()


class PaymentMethod(enum.StrEnum):
    TRANSFER = "transfer"
    CASH = "cash"
    CHEQUE = "cheque"


class SettlementStatus(enum.StrEnum):
    PROPOSED = "proposed"  # waiting for a second person (two-person rule)
    PAID = "paid"
    REVERSED = "reversed"  # a paid settlement undone by a reversing settlement
    REJECTED = "rejected"  # a proposal turned down before any money moved


class Settlement(IdMixin, TimestampMixin, Base):
    """The parish paying a shop for its unsettled redemptions up to a cut-off."""

    __tablename__ = "settlement"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shop.id"), index=True)
    through: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    redemption_count: Mapped[int]
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    reference: Mapped[str] = mapped_column(sa.String(120), default="")
    status: Mapped[SettlementStatus] = mapped_column(
        str_enum(SettlementStatus, "settlement_status")
    )
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reversal_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    shop: Mapped[Shop] = relationship()


class SettlementLine(IdMixin, Base):
    """Which redemptions a settlement paid (kept after a reversal, for the paper trail)."""

    __tablename__ = "settlement_line"
    __table_args__ = (sa.UniqueConstraint("settlement_id", "redemption_id"),)

    settlement_id: Mapped[int] = mapped_column(sa.ForeignKey("settlement.id"), index=True)
    redemption_id: Mapped[int] = mapped_column(sa.ForeignKey("redemption.id"), index=True)
    amount: Mapped[int]
