"""the diocese role: a user of the whole deployment, with neither parish nor shop; each
shop's bank account, for the bank's bulk payment file; the treasurer's list of donors, and
the donor of each fund received

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ROLES_BEFORE = "'admin', 'staff', 'treasurer', 'shopkeeper'"
ROLES_AFTER = ROLES_BEFORE + ", 'diocese'"
SCOPE_BEFORE = (
    "(role = 'shopkeeper' AND shop_id IS NOT NULL AND parish_id IS NULL)"
    " OR (role <> 'shopkeeper' AND parish_id IS NOT NULL AND shop_id IS NULL)"
)
SCOPE_AFTER = (
    "(role = 'shopkeeper' AND shop_id IS NOT NULL AND parish_id IS NULL)"
    " OR (role = 'diocese' AND parish_id IS NULL AND shop_id IS NULL)"
    " OR (role NOT IN ('shopkeeper', 'diocese') AND parish_id IS NOT NULL AND shop_id IS NULL)"
)


def _swap(roles_from: str, roles_to: str, scope_from: str, scope_to: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_user_role_scope"), "user", type_="check")
        op.drop_constraint(op.f("ck_user_role"), "user", type_="check")
        op.create_check_constraint(op.f("ck_user_role_scope"), "user", scope_to)
        op.create_check_constraint(op.f("ck_user_role"), "user", f"role IN ({roles_to})")
        return
    # SQLite cannot alter a CHECK, and copying the table would trip the foreign keys of
    # every table pointing at "user" (they cannot be switched off inside the migration's
    # transaction). The rows already satisfy the new checks, so the table's definition is
    # edited in place, as SQLite's documentation describes for changing constraints.
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'user'"
    ).scalar_one()
    edited = sql.replace(f"CHECK ({scope_from})", f"CHECK ({scope_to})").replace(
        f"CHECK (role IN ({roles_from}))", f"CHECK (role IN ({roles_to}))"
    )
    if edited.count(scope_to) != 1 or edited.count(roles_to + "))") != 1:
        raise RuntimeError("the user table's checks are not the ones this migration expects")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'user'", (edited,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


BANK_COLUMNS = (
    ("bank_name", 60),
    ("account_type", 20),
    ("account_number", 30),
    ("payment_email", 254),
)


def upgrade():
    _swap(ROLES_BEFORE, ROLES_AFTER, SCOPE_BEFORE, SCOPE_AFTER)
    for name, length in BANK_COLUMNS:
        op.add_column(
            "shop",
            sa.Column(name, sa.String(length=length), nullable=False, server_default=""),
        )
    _donors_up()


def _donors_up() -> None:
    op.create_table(
        "donor",
        sa.Column("parish_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_campaign", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parish_id"], ["parish.id"], name=op.f("fk_donor_parish_id_parish")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donor")),
        sa.UniqueConstraint("parish_id", "name", name=op.f("uq_donor_parish_id_name")),
    )
    op.create_index(op.f("ix_donor_parish_id"), "donor", ["parish_id"], unique=False)
    # Its own table: adding a column with a foreign key to "fund" would make SQLite copy
    # the table that the ledger's entries point at.
    op.create_table(
        "fund_donor",
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("donor_id", sa.Integer(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["donor_id"], ["donor.id"], name=op.f("fk_fund_donor_donor_id_donor")),
        sa.ForeignKeyConstraint(["fund_id"], ["fund.id"], name=op.f("fk_fund_donor_fund_id_fund")),
        sa.PrimaryKeyConstraint("fund_id", name=op.f("pk_fund_donor")),
    )
    op.create_index(op.f("ix_fund_donor_donor_id"), "fund_donor", ["donor_id"], unique=False)


def _donors_down() -> None:
    op.drop_index(op.f("ix_fund_donor_donor_id"), table_name="fund_donor")
    op.drop_table("fund_donor")
    op.drop_index(op.f("ix_donor_parish_id"), table_name="donor")
    op.drop_table("donor")


def downgrade():
    _donors_down()
    # Plain columns: SQLite drops them in place (3.35+), without copying "shop", which
    # other tables point at.
    for name, _length in reversed(BANK_COLUMNS):
        op.drop_column("shop", name)
    # The diocese's accounts go (they made no record of any parish: they only read).
    op.execute(
        "DELETE FROM api_token WHERE user_id IN (SELECT id FROM \"user\" WHERE role = 'diocese')"
    )
    op.execute("DELETE FROM \"user\" WHERE role = 'diocese'")
    _swap(ROLES_AFTER, ROLES_BEFORE, SCOPE_AFTER, SCOPE_BEFORE)
