"""append-only ledger and audit trail, enforced by the database

Ledger entries, transfers and audit events are never updated or deleted: mistakes
are corrected with reversing entries. These triggers refuse UPDATE and DELETE on
SQLite and PostgreSQL, and TRUNCATE on PostgreSQL, whoever issues them.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("ledger_entry", "ledger_transfer", "audit_event")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for operation in ("update", "delete"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{operation} BEFORE {operation.upper()} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        return
    op.execute(
        """
        CREATE FUNCTION vales_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    for table in TABLES:
        for operation in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation} BEFORE {operation.upper()} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION vales_refuse_change()"
            )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION vales_refuse_change()"
        )


def downgrade():
    for table in TABLES:
        for operation in ("update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation} ON {table}"
                       if op.get_bind().dialect.name != "sqlite"
                       else f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS vales_refuse_change()")
