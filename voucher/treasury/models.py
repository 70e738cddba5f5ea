from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.db import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum
from voucher.programs.models import Program
from voucher.shops.models import Shop


class Donor(IdMixin, TimestampMixin, Base):
    """Someone who gives money to the parish's programs, or a campaign that collects it:
    the list the treasurer keeps, to say where each fund received came from."""

    __tablename__ = "donor"
    __table_args__ = (sa.UniqueConstraint("parish_id", "name"),)

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    is_campaign: Mapped[bool] = mapped_column(default=False)
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    active: Mapped[bool] = mapped_column(default=True)


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
    gift: Mapped[FundDonor | None] = relationship(uselist=False, lazy="joined")

    @property
    def donor(self) -> Donor | None:
        return self.gift.donor if self.gift is not None else None

    @property
    def anonymous(self) -> bool:
        return self.gift is not None and self.gift.anonymous


class FundDonor(Base):
    """Who gave a fund received: a donor of the treasurer's list (or a campaign), and
    whether the donor asked not to be named on papers."""

    __tablename__ = "fund_donor"

    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("fund.id"), primary_key=True)
    donor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("donor.id"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)

    donor: Mapped[Donor | None] = relationship(lazy="joined")


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
