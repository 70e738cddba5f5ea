"""shared shops: one owning parish per shop, join requests, when bank details changed

Each shop gets the parish that registered it as its owner: the parish of its earliest
enrolment. Parishes already enrolled in a shop stay enrolled.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from voucher.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on both engines: rebuilding the shop table (SQLite's batch mode)
    # would drop a table other tables' rows point to.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE shop ADD COLUMN owner_parish_id INTEGER "
            "CONSTRAINT fk_shop_owner_parish_id_parish REFERENCES parish (id)"
        )
    else:
        op.add_column("shop", sa.Column("owner_parish_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_shop_owner_parish_id_parish"), "shop", "parish", ["owner_parish_id"], ["id"]
        )
    op.create_index(op.f("ix_shop_owner_parish_id"), "shop", ["owner_parish_id"])
    op.add_column("shop", sa.Column("payment_details_changed_at", UTCDateTime(), nullable=True))
    op.execute(
        """
        UPDATE shop SET owner_parish_id = (
            SELECT sp.parish_id FROM shop_parish sp
            WHERE sp.shop_id = shop.id
            ORDER BY sp.created_at, sp.id
            LIMIT 1
        )
        """
    )
    op.create_table(
        "shop_join_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("parish_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user.id"], name=op.f("fk_shop_join_request_decided_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["parish_id"], ["parish.id"], name=op.f("fk_shop_join_request_parish_id_parish")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user.id"],
            name=op.f("fk_shop_join_request_requested_by_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shop.id"], name=op.f("fk_shop_join_request_shop_id_shop")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_join_request")),
    )
    with op.batch_alter_table("shop_join_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shop_join_request_parish_id"), ["parish_id"])
        batch_op.create_index(batch_op.f("ix_shop_join_request_shop_id"), ["shop_id"])


def downgrade():
    op.drop_table("shop_join_request")
    op.drop_index(op.f("ix_shop_owner_parish_id"), table_name="shop")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_shop_owner_parish_id_parish"), "shop", type_="foreignkey")
    op.drop_column("shop", "payment_details_changed_at")
    op.drop_column("shop", "owner_parish_id")
