"""each account's debits and credits per day

Balances at a date (trial balance, a shop's payable, a program's fund) are sums over
one row per account and day instead of over every transfer. The rows are filled from
the transfers already posted; posting keeps them from then on, and ``ledger verify``
recomputes them.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ledger_account_day",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("parish_id", sa.Integer(), nullable=False),
        sa.Column("debits", sa.BigInteger(), nullable=False),
        sa.Column("credits", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "debits >= 0 AND credits >= 0", name=op.f("ck_ledger_account_day_totals_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_account.id"],
            name=op.f("fk_ledger_account_day_account_id_ledger_account"),
        ),
        sa.ForeignKeyConstraint(
            ["parish_id"], ["parish.id"], name=op.f("fk_ledger_account_day_parish_id_parish")
        ),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_ledger_account_day")),
    )
    with op.batch_alter_table("ledger_account_day", schema=None) as batch_op:
        batch_op.create_index(
            "ix_account_day_parish",
            ["parish_id", "day", "account_id", "debits", "credits"],
            unique=False,
        )
    op.execute(
        """
        INSERT INTO ledger_account_day (account_id, day, parish_id, debits, credits)
        SELECT account_id, day, parish_id, SUM(debits), SUM(credits) FROM (
            SELECT debit_account_id AS account_id, effective_date AS day, parish_id,
                   amount AS debits, 0 AS credits
            FROM ledger_transfer
            UNION ALL
            SELECT credit_account_id, effective_date, parish_id, 0, amount
            FROM ledger_transfer
        ) AS moves
        GROUP BY account_id, day, parish_id
        """
    )


def downgrade():
    with op.batch_alter_table("ledger_account_day", schema=None) as batch_op:
        batch_op.drop_index("ix_account_day_parish")
    op.drop_table("ledger_account_day")
