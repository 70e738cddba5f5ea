"""shop devices: phones paired to a shop by a one-time link, and the phone a
redemption was charged from

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("credential_hash", sa.String(length=64), nullable=False),
        sa.Column("paired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paired_by_id", sa.Integer(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ip", sa.String(length=45), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["paired_by_id"], ["user.id"], name=op.f("fk_device_paired_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["user.id"], name=op.f("fk_device_revoked_by_id_user")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shop.id"], name=op.f("fk_device_shop_id_shop")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_device_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("credential_hash", name=op.f("uq_device_credential_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_device_user_id")),
    )
    op.create_index(op.f("ix_device_shop_id"), "device", ["shop_id"], unique=False)
    op.create_table(
        "device_pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("device_name", sa.String(length=60), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_device_pairing_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_device_pairing_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shop.id"], name=op.f("fk_device_pairing_shop_id_shop")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_pairing")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_device_pairing_token_hash")),
    )
    op.create_index(
        op.f("ix_device_pairing_shop_id"), "device_pairing", ["shop_id"], unique=False
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its foreign key in place (no table copy, which
        # would drop the table's triggers and indexes).
        op.execute(
            "ALTER TABLE redemption ADD COLUMN device_id INTEGER"
            " CONSTRAINT fk_redemption_device_id_device REFERENCES device (id)"
        )
    else:
        op.add_column("redemption", sa.Column("device_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_redemption_device_id_device"), "redemption", "device", ["device_id"], ["id"]
        )


def downgrade():
    # SQLite drops the column in place (a batch copy of redemption would trip the
    # foreign keys that point at it); PostgreSQL drops its constraint with it.
    op.drop_column("redemption", "device_id")
    op.drop_index(op.f("ix_device_pairing_shop_id"), table_name="device_pairing")
    op.drop_table("device_pairing")
    op.drop_index(op.f("ix_device_shop_id"), table_name="device")
    op.drop_table("device")
