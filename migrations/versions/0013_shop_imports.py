"""shops brought in from a parish's spreadsheet: the import, previewed then confirmed

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parish_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "preview",
                "done",
                name="import_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["user.id"], name=op.f("fk_shop_import_confirmed_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["parish_id"], ["parish.id"], name=op.f("fk_shop_import_parish_id_parish")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_shop_import_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_import")),
    )
    op.create_index(
        "ix_shop_import_parish_sha", "shop_import", ["parish_id", "sha256"], unique=False
    )
    op.create_index(op.f("ix_shop_import_parish_id"), "shop_import", ["parish_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_shop_import_parish_id"), table_name="shop_import")
    op.drop_index("ix_shop_import_parish_sha", table_name="shop_import")
    op.drop_table("shop_import")
