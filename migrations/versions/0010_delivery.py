"""delivery: when a printed voucher was handed to its family, and to whom

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from voucher.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (nullable): no table rebuild, the voucher table keeps its triggers.
    op.add_column("voucher", sa.Column("delivered_at", UTCDateTime(), nullable=True))
    op.add_column("voucher", sa.Column("delivered_to", sa.String(length=120), nullable=True))


def downgrade():
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL): no rebuild of a table that
    # other tables point at.
    op.drop_column("voucher", "delivered_to")
    op.drop_column("voucher", "delivered_at")
