from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db import Base, IdMixin, UTCDateTime, str_enum, utcnow


class DocumentType(enum.StrEnum):
    RUT = "rut"
    PASSPORT = "passport"
    OTHER = "other"


class Family(IdMixin, Base):
    """A registered household of one parish, identified by its head's document."""

    __tablename__ = "family"
    __table_args__ = (
        sa.UniqueConstraint("parish_id", "document_type", "document_number"),
        sa.CheckConstraint("household_adults >= 0 AND household_children >= 0", name="household"),
        sa.Index("ix_family_parish_search", "parish_id", "search_name"),
        sa.Index("ix_family_document_digest", "document_digest"),
    )

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    head_name: Mapped[str] = mapped_column(sa.String(120))
    search_name: Mapped[str] = mapped_column(sa.String(120))
    document_type: Mapped[DocumentType] = mapped_column(str_enum(DocumentType, "document_type"))
    document_number: Mapped[str] = mapped_column(sa.String(40))
    # A keyed hash of the document (key outside the database): finds the same person in
    # another parish of the deployment without either parish seeing the other's data.
    document_digest: Mapped[str | None] = mapped_column(sa.String(64))
    household_adults: Mapped[int] = mapped_column(default=1)
    household_children: Mapped[int] = mapped_column(default=0)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    sector: Mapped[str] = mapped_column(sa.String(80), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    consent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    active: Mapped[bool] = mapped_column(default=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def household_size(self) -> int:
        return self.household_adults + self.household_children
