from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db import Base, IdMixin, TimestampMixin


class Parish(IdMixin, TimestampMixin, Base):
    """A tenant: its own families, programs, vouchers and books."""

    __tablename__ = "parish"

    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    serial_prefix: Mapped[str] = mapped_column(sa.String(6))
    timezone: Mapped[str] = mapped_column(sa.String(40), default="America/Santiago")
    two_person_rule: Mapped[bool] = mapped_column(default=False)
    # Last voucher serial number handed out; bumped with one UPDATE per issuance.
    voucher_seq: Mapped[int] = mapped_column(default=0)
