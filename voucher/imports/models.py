from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class ImportStatus(enum.StrEnum):
    PREVIEW = "preview"
    DONE = "done"


class SpreadsheetImport:
    """What every spreadsheet brought in keeps. Until it is confirmed it is a preview: the
    file's bytes are kept so that confirming reads the very same file again (and checks
    it against what is registered by then); once confirmed the bytes are dropped, the
    SHA-256 and the counts stay."""

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    file_name: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus, "import_status"), default=ImportStatus.PREVIEW
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[str] = mapped_column(sa.Text, default="")  # the preview's counts, JSON
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    result: Mapped[str] = mapped_column(sa.Text, default="")  # what confirming wrote, JSON


class FamilyImport(SpreadsheetImport, IdMixin, TimestampMixin, Base):
    """One file of families brought in (see SpreadsheetImport), optionally enrolling
    them in a program."""

    __tablename__ = "family_import"
    __table_args__ = (sa.Index("ix_family_import_parish_sha", "parish_id", "sha256"),)

    program_id: Mapped[int | None] = mapped_column(sa.ForeignKey("program.id"))
    consent_attested: Mapped[bool] = mapped_column(default=False)
    consent_attested_on: Mapped[date | None]
