from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db import Base, IdMixin, UTCDateTime, utcnow


class AuditEvent(IdMixin, Base):
    """Append-only record of who did what and when (database triggers refuse edits)."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_parish_at", "parish_id", "at"),)

    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    parish_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parish.id"))
    shop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shop.id"))
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    ip: Mapped[str | None] = mapped_column(sa.String(45))
