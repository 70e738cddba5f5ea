"""the unsettled-redemptions index carries the amount

What the parish owes each shop, the settlement preview and ``ledger verify`` add up
the amounts of a shop's unsettled redemptions: with the amount in the index they read
only the index.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = ["parish_id", "shop_id", "status", "settlement_id"]


def upgrade():
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.drop_index("ix_redemption_unsettled")
        batch_op.create_index("ix_redemption_unsettled", [*COLUMNS, "amount"], unique=False)


def downgrade():
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.drop_index("ix_redemption_unsettled")
        batch_op.create_index("ix_redemption_unsettled", COLUMNS, unique=False)
