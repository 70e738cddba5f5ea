from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.db import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum, utcnow
from voucher.families.models import Family
from voucher.programs.models import Category, Program

if TYPE_CHECKING:
    from voucher.shops.models import Shop


class VoucherStatus(enum.StrEnum):
    ACTIVE = "active"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Round(IdMixin, TimestampMixin, Base):
    """One issuance of a program to all its enrolled families for a cycle."""

    __tablename__ = "issue_round"

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("program.id"), index=True)
    cycle_key: Mapped[str] = mapped_column(sa.String(10))
    issued_count: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    skipped_json: Mapped[str] = mapped_column(sa.Text, default="[]")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    program: Mapped[Program] = relationship()


class Voucher(IdMixin, TimestampMixin, Base):
    """A bearer voucher. Its secret code is stored only as an HMAC (lookup) and an
    encrypted copy (reprinting); ``remaining`` only ever moves through conditional
    UPDATEs in the redemption service."""

    __tablename__ = "voucher"
    __table_args__ = (
        sa.UniqueConstraint("parish_id", "serial"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_range"),
        sa.CheckConstraint("closed_amount >= 0 AND closed_amount <= amount", name="closed_range"),
        sa.Index("ix_voucher_family_program_cycle", "family_id", "program_id", "cycle_key"),
        sa.Index("ix_voucher_parish_status_expires", "parish_id", "status", "expires_on"),
    )

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("program.id"), index=True)
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("family.id"))
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("issue_round.id"), index=True)
    serial: Mapped[str] = mapped_column(sa.String(30))
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code_encrypted: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[Category] = mapped_column(str_enum(Category, "voucher_category"))
    amount: Mapped[int]
    remaining: Mapped[int]
    closed_amount: Mapped[int] = mapped_column(default=0)
    cycle_key: Mapped[str] = mapped_column(sa.String(10))
    issued_on: Mapped[date] = mapped_column(sa.Date)
    expires_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[VoucherStatus] = mapped_column(
        str_enum(VoucherStatus, "voucher_status"), default=VoucherStatus.ACTIVE
    )
    status_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    print_count: Mapped[int] = mapped_column(default=0)
    # Handed to the family (the delivery list's "recibí conforme"); who took it, if said.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_to: Mapped[str | None] = mapped_column(sa.String(120))

    program: Mapped[Program] = relationship()
    family: Mapped[Family] = relationship()


class ReplacedCode(IdMixin, TimestampMixin, Base):
    """The lookup hash of a code that no longer works because its voucher was re-keyed."""

    __tablename__ = "replaced_code"

    voucher_id: Mapped[int] = mapped_column(sa.ForeignKey("voucher.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    voucher: Mapped[Voucher] = relationship()


# --- what happened to vouchers at shops: charges and every code lookup ---------------


class RedemptionStatus(enum.StrEnum):
    COMMITTED = "committed"
    VOIDED = "voided"


class Redemption(IdMixin, TimestampMixin, Base):
    __tablename__ = "redemption"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.Index("ix_redemption_shop_created", "shop_id", "created_at"),
        sa.Index(
            "ix_redemption_unsettled", "parish_id", "shop_id", "status", "settlement_id", "amount"
        ),
    )

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    voucher_id: Mapped[int] = mapped_column(sa.ForeignKey("voucher.id"), index=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shop.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The paired phone that charged it (None when a person's login did).
    device_id: Mapped[int | None] = mapped_column(sa.ForeignKey("device.id"))
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

    voucher: Mapped[Voucher] = relationship()
    shop: Mapped[Shop] = relationship("Shop")

    @property
    def receipt_no(self) -> str:
        return f"{self.id:06d}"


class ScanLog(IdMixin, Base):
    """Every lookup and redemption attempt, refused ones too."""

    __tablename__ = "scan_log"
    __table_args__ = (
        sa.Index("ix_scan_log_user_reason_at", "user_id", "reason", "at"),
        sa.Index("ix_scan_log_ip_reason_at", "ip", "reason", "at"),
    )

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
