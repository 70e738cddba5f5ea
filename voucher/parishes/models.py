from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db import Base, UTCDateTime, utcnow


class Parish(Base):
    """A tenant: its own families, programs, vouchers and books."""

    __tablename__ = "parish"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    serial_prefix: Mapped[str] = mapped_column(sa.String(6))
    timezone: Mapped[str] = mapped_column(sa.String(40), default="America/Santiago")
    two_person_rule: Mapped[bool] = mapped_column(default=False)
    # Last voucher serial number handed out; bumped with one UPDATE per issuance.
    voucher_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PeriodLock(Base):
    """A closed month: nothing may be posted dated on or before ``closed_through``."""

    __tablename__ = "period_lock"
    __table_args__ = (sa.UniqueConstraint("parish_id", "closed_through"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    closed_through: Mapped[date] = mapped_column(sa.Date)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
