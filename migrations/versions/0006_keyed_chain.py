"""seal the ledger's hash chains with a key kept outside the database

Until now each entry's hash was a plain SHA-256 of its content and the previous hash, so
anyone able to write to the database could rewrite history and recompute the chain. The
chain is now an HMAC under a key derived from the voucher key (outside the database).
This revision checks every existing chain with the old recipe (refusing to seal books
that were already altered) and re-seals it with the key, in the same order.

On PostgreSQL the append-only triggers now fire ALWAYS, so a session that sets
``session_replication_role = replica`` can no longer bypass them.

Revision ID: 0006
Revises: 0005
"""

import hashlib
import hmac
from datetime import date

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("ledger_entry", "ledger_transfer", "audit_event")
OPERATIONS = ("update", "delete", "truncate")
LINKS = (
    "voucher_id",
    "redemption_id",
    "fund_id",
    "settlement_id",
    "reverses_id",
    "idempotency_key",
)


def _text(prev, parish_id, seq, kind, day, memo, links, legs) -> bytes:
    link_text = "|".join(str(value or "") for value in links)
    return (
        f"{prev}|{parish_id}|{seq}|{kind}|{day.isoformat()}|{memo or ''}|{link_text}|{legs}"
    ).encode()


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _sealed_hashes(bind, key: bytes) -> tuple[list[dict], list[dict]]:
    """Check every chain with the old recipe and compute its sealed hashes (nothing
    written yet): (entry updates, head updates)."""
    entry_updates, head_updates = [], []
    genesis = "0" * 64
    parishes = bind.execute(sa.text("SELECT DISTINCT parish_id FROM ledger_entry")).scalars()
    for parish_id in list(parishes):
        old_prev, new_prev = genesis, genesis
        entries = bind.execute(
            sa.text(
                "SELECT id, seq, kind, effective_date, memo, "
                + ", ".join(LINKS)
                + ", prev_hash, hash FROM ledger_entry WHERE parish_id = :p ORDER BY seq"
            ),
            {"p": parish_id},
        ).all()
        for entry_id, seq, kind, day, memo, *rest in entries:
            links, stored_prev, stored = rest[:-2], rest[-2], rest[-1]
            legs = ";".join(
                f"{d}>{c}:{a}"
                for d, c, a in bind.execute(
                    sa.text(
                        "SELECT debit_account_id, credit_account_id, amount "
                        "FROM ledger_transfer WHERE entry_id = :e ORDER BY id"
                    ),
                    {"e": entry_id},
                )
            )
            text = _text(old_prev, parish_id, seq, kind, _as_date(day), memo, links, legs)
            already = hmac.new(key, text, hashlib.sha256).hexdigest()
            if stored_prev == old_prev == new_prev and stored == already:
                old_prev = new_prev = stored  # sealed already (an upgrade run again)
                continue
            if stored_prev != old_prev or hashlib.sha256(text).hexdigest() != stored:
                raise RuntimeError(
                    f"The books of parish {parish_id} were altered before this upgrade "
                    f"(entry #{seq}); run `flask --app wsgi ledger verify` on the old version "
                    "and restore a good backup before upgrading."
                )
            sealed_text = _text(new_prev, parish_id, seq, kind, _as_date(day), memo, links, legs)
            sealed = hmac.new(key, sealed_text, hashlib.sha256).hexdigest()
            entry_updates.append({"prev": new_prev, "hash": sealed, "e": entry_id})
            old_prev, new_prev = stored, sealed
        head_updates.append({"hash": new_prev, "p": parish_id})
    return entry_updates, head_updates


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    entry_updates, head_updates = [], []
    if bind.execute(sa.text("SELECT 1 FROM ledger_entry LIMIT 1")).first():
        key = current_app.extensions.get("ledger_chain_key")
        if key is None:
            raise RuntimeError(
                "The voucher key is needed to seal the ledger: run the upgrade "
                "with `flask --app wsgi db upgrade` where the key is."
            )
        entry_updates, head_updates = _sealed_hashes(bind, key)
    if entry_updates:
        if sqlite:
            op.execute("DROP TRIGGER ledger_entry_no_update")
        else:
            op.execute("ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_no_update")
        bind.execute(
            sa.text("UPDATE ledger_entry SET prev_hash = :prev, hash = :hash WHERE id = :e"),
            entry_updates,
        )
        bind.execute(
            sa.text("UPDATE ledger_head SET hash = :hash WHERE parish_id = :p"), head_updates
        )
        if sqlite:
            op.execute(
                "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry "
                "BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END"
            )
    if not sqlite:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_{operation}")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_{operation}")
