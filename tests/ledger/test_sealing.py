"""Books kept before the chain was keyed are sealed by the upgrade: their old chain is
checked first (altered books are refused, not sealed), then re-hashed with the key."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import DBAPIError

from tests.ledger.test_immutability import fund_a_raffle, raw
from tests.ledger.test_noted_tip import _rewrite_history_and_recompute_the_chain, _unkeyed
from voucher.ledger.models import Entry
from voucher.oversight.verify import verify_parish


def _books_of_the_old_version(db, parish_id: int) -> list[str]:
    """The same entries as the previous version hashed them, at revision 0005."""
    sealed = list(db.session.scalars(sa.select(Entry.hash).order_by(Entry.seq)))
    db.session.rollback()
    downgrade(revision="0005")
    _rewrite_history_and_recompute_the_chain(db, parish_id, _unkeyed, memo=None)
    return sealed


def _restore_triggers(db):
    if db.engine.dialect.name == "sqlite":
        for table in ("ledger_entry", "ledger_transfer"):
            for op in ("update", "delete"):
                raw(
                    db,
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op} BEFORE {op.upper()} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
                )
    else:
        raw(db, "ALTER TABLE ledger_transfer ENABLE TRIGGER USER")
        raw(db, "ALTER TABLE ledger_entry ENABLE TRIGGER USER")


def test_the_upgrade_seals_an_unkeyed_chain(db, books, app):
    fund_a_raffle(db, books)
    sealed = _books_of_the_old_version(db, books.parish.id)
    _restore_triggers(db)
    assert not verify_parish(db.session, books.parish).ok  # the old hashes, not yet sealed
    db.session.rollback()
    upgrade()
    db.session.expire_all()
    assert list(db.session.scalars(sa.select(Entry.hash).order_by(Entry.seq))) == sealed
    assert verify_parish(db.session, books.parish).ok
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_the_upgrade_refuses_to_seal_altered_books(db, books, app, capfd):
    fund_a_raffle(db, books)
    _books_of_the_old_version(db, books.parish.id)
    raw(db, "UPDATE ledger_entry SET memo = 'otra cosa' WHERE seq = 2")
    _restore_triggers(db)
    db.session.rollback()
    with pytest.raises(SystemExit):
        upgrade()
    said = capfd.readouterr().err
    assert "The books of parish" in said and "altered before this upgrade" in said
    db.session.rollback()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0005"
    with pytest.raises(DBAPIError, match="append-only"):  # nothing was unlocked
        raw(db, "UPDATE ledger_entry SET memo = 'y otra'")
