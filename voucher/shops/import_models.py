"""A spreadsheet of shops brought in by a parish (see imports.models.SpreadsheetImport)."""

from __future__ import annotations

import sqlalchemy as sa

from voucher.db import Base, IdMixin, TimestampMixin
from voucher.imports.models import SpreadsheetImport


class ShopImport(SpreadsheetImport, IdMixin, TimestampMixin, Base):
    __tablename__ = "shop_import"
    __table_args__ = (sa.Index("ix_shop_import_parish_sha", "parish_id", "sha256"),)
