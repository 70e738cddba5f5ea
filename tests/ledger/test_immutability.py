"""The books cannot be edited, and edits made behind the triggers' back are caught."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from voucher.ledger import errors
from voucher.ledger.integrity import triggers_present
from voucher.ledger.models import Entry, Transfer
from voucher.oversight.verify import verify_parish
from voucher.treasury.services import FundInput, record_fund


def raw(db, sql):
    db.session.rollback()  # release the session's SQLite write lock first
    with db.engine.connect() as conn:
        conn.exec_driver_sql(sql)
        conn.commit()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_transfer SET amount = amount + 1",
        "DELETE FROM ledger_transfer",
        "UPDATE ledger_entry SET memo = 'rewritten'",
        "DELETE FROM ledger_entry",
        "UPDATE audit_event SET action = 'nothing'",
        "DELETE FROM audit_event",
    ],
)
def test_database_refuses_updates_and_deletes(db, books, sql):
    with pytest.raises(DBAPIError, match="append-only"):
        raw(db, sql)
    assert verify_parish(db.session, books.parish).ok


def test_postgresql_refuses_truncate(db, books):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    for table in ("ledger_transfer", "ledger_entry"):
        with pytest.raises(DBAPIError, match="append-only"):
            raw(db, f"TRUNCATE {table} CASCADE")


def test_orm_refuses_changes(db, books):
    entry = db.session.scalars(sa.select(Entry)).first()
    entry.memo = "changed"
    with pytest.raises(errors.ImmutableLedger):
        db.session.flush()
    db.session.rollback()
    transfer = db.session.scalars(sa.select(Transfer)).first()
    db.session.delete(transfer)
    with pytest.raises(errors.ImmutableLedger):
        db.session.flush()
    db.session.rollback()


def _drop_triggers(db):
    if db.engine.dialect.name == "sqlite":
        for table in ("ledger_entry", "ledger_transfer"):
            for op in ("update", "delete"):
                raw(db, f"DROP TRIGGER {table}_no_{op}")
    else:
        raw(db, "ALTER TABLE ledger_transfer DISABLE TRIGGER USER")
        raw(db, "ALTER TABLE ledger_entry DISABLE TRIGGER USER")


def test_amount_changed_behind_the_triggers_fails_verify(db, books, app):
    _drop_triggers(db)
    assert triggers_present(db.session)  # the missing triggers are themselves reported
    raw(
        db,
        "UPDATE ledger_transfer SET amount = amount + 1000"
        " WHERE id = (SELECT MIN(id) FROM ledger_transfer)",
    )
    db.session.expire_all()
    report = verify_parish(db.session, books.parish)
    assert not report.ok
    assert any("running totals" in f or "altered" in f for f in report.failures)
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code != 0
    assert "FAIL" in result.output


def test_rewritten_memo_fails_verify(db, books, app):
    _drop_triggers(db)
    raw(db, "UPDATE ledger_entry SET memo = 'nothing happened' WHERE seq = 1")
    db.session.expire_all()
    report = verify_parish(db.session, books.parish)
    assert any("altered" in f for f in report.failures), report.failures


def fund_a_raffle(db, books) -> None:
    record_fund(
        db.session,
        books.parish,
        FundInput(books.program.id, 1000, date(2026, 2, 1), "Rifa"),
        books.treasurer,
    )
    db.session.commit()


def test_verify_cli_passes_on_clean_books(db, books, app):
    fund_a_raffle(db, books)
    result = app.test_cli_runner().invoke(args=["ledger", "verify", "--parish", "jesus-maestro"])
    assert result.exit_code == 0, result.output
    assert "Ledger verified." in result.output


@pytest.mark.parametrize(
    "sql",
    [
        # Value moved from one day to another: the account's totals still agree.
        "UPDATE ledger_account_day SET day = '2020-01-01'"
        " WHERE day = (SELECT MAX(day) FROM ledger_account_day)"
        " AND account_id = (SELECT MIN(account_id) FROM ledger_account_day"
        " WHERE day = (SELECT MAX(day) FROM ledger_account_day))",
        "UPDATE ledger_account_day SET credits = credits + 500"
        " WHERE account_id = (SELECT MAX(account_id) FROM ledger_account_day)",
        "DELETE FROM ledger_account_day",
    ],
)
def test_day_totals_that_disagree_with_the_transfers_fail_verify(db, books, sql):
    """Balances at a date are read from the day totals, so verify recomputes them."""
    fund_a_raffle(db, books)
    assert verify_parish(db.session, books.parish).ok
    raw(db, sql)
    db.session.expire_all()
    report = verify_parish(db.session, books.parish)
    assert any("day totals" in f for f in report.failures), report.failures
