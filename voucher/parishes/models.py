from __future__ import annotations

from datetime import datetime

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
