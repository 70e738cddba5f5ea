"""family imports: a spreadsheet previewed, then confirmed in one transaction; a keyed
hash of each family's document, to find it in another parish without sharing it

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "family_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parish_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("consent_attested", sa.Boolean(), nullable=False),
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
        sa.Column("consent_attested_on", sa.Date(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["user.id"], name=op.f("fk_family_import_confirmed_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["parish_id"], ["parish.id"], name=op.f("fk_family_import_parish_id_parish")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["program.id"], name=op.f("fk_family_import_program_id_program")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_family_import_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_import")),
    )
    op.create_index(
        "ix_family_import_parish_sha", "family_import", ["parish_id", "sha256"], unique=False
    )
    op.create_index(
        op.f("ix_family_import_parish_id"), "family_import", ["parish_id"], unique=False
    )
    # Plain ADD COLUMN: a batch copy of these tables would drop the parent rows that
    # vouchers and enrolments point at. SQLite cannot add a CHECK to an existing table;
    # the service refuses what the constraints would.
    op.add_column(
        "program",
        sa.Column("allotment", sa.String(length=20), server_default="flat", nullable=False),
    )
    op.add_column(
        "program",
        sa.Column("extra_member_amount", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("program", sa.Column("voucher_amount_cap", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        op.create_check_constraint("allotment", "program", "allotment IN ('flat', 'household')")
        op.create_check_constraint(
            "extra_member_not_negative", "program", "extra_member_amount >= 0"
        )
    op.add_column("family", sa.Column("document_digest", sa.String(length=64), nullable=True))
    op.create_index("ix_family_document_digest", "family", ["document_digest"], unique=False)

def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would drop the parent rows first.
    op.drop_index("ix_family_document_digest", table_name="family")
    op.drop_column("family", "document_digest")
    # PostgreSQL drops each column's CHECK with it.
    op.drop_column("program", "voucher_amount_cap")
    op.drop_column("program", "extra_member_amount")
    op.drop_column("program", "allotment")
    op.drop_index(op.f("ix_family_import_parish_id"), table_name="family_import")
    op.drop_index("ix_family_import_parish_sha", table_name="family_import")
    op.drop_table("family_import")
