"""Anyone who can write to the database could once rewrite history and recompute the
whole hash chain with its plain SHA-256. The chain is now sealed with a key kept outside
the database, so that recipe fails ``ledger verify``; and a chain tip noted earlier
outside the database (``ledger tip``, printed on the treasurer's papers) still catches
an insider who holds the key as well (``ledger verify --tip``)."""

from __future__ import annotations

import hashlib

import pytest
from flask import current_app
from sqlalchemy.exc import DBAPIError

from tests.ledger.test_immutability import _drop_triggers, fund_a_raffle, raw
from voucher.ledger import integrity
from voucher.ledger.posting import hash_values
from voucher.oversight.verify import verify_parish


def _unkeyed(prev, pid, seq, kind, day, memo, *links, legs_text):
    """The recipe anyone could run before the chain was keyed."""
    text = (
        f"{prev}|{pid}|{seq}|{kind}|{day.isoformat()}|{memo or ''}|"
        + "|".join(str(v or "") for v in links)
        + f"|{legs_text}"
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _keyed(prev, pid, seq, kind, day, memo, *links, legs_text):
    """The same with the real key: an insider who also stole the key file."""
    key = current_app.extensions["ledger_chain_key"]
    return hash_values(key, prev, pid, seq, kind, day, memo, *links, legs_text=legs_text)


def _rewrite_history_and_recompute_the_chain(
    db, parish_id: int, digest_of, memo: str | None = "nada pasó"
) -> None:
    """The attacker's recipe: change an old memo, then re-hash every entry after it."""
    _drop_triggers(db)
    if memo is not None:
        raw(
            db, f"UPDATE ledger_entry SET memo = '{memo}' WHERE parish_id = {parish_id} AND seq = 1"
        )
    session = db.session
    as_date = integrity._date_reader(session)
    prev, rows = "0" * 64, []
    for (seq, kind, day, memo, *links, _prev, _stored), transfers in integrity._chain(
        session, parish_id
    ):
        day = as_date(day)
        legs = integrity._legs_text(transfers, parish_id, day, as_date)
        digest = digest_of(prev, parish_id, seq, kind, day, memo, *links, legs_text=legs)
        rows.append((seq, prev, digest))
        prev = digest
    session.rollback()
    for seq, before, digest in rows:
        raw(
            db,
            f"UPDATE ledger_entry SET prev_hash = '{before}', hash = '{digest}' "
            f"WHERE parish_id = {parish_id} AND seq = {seq}",
        )
    raw(db, f"UPDATE ledger_head SET hash = '{prev}' WHERE parish_id = {parish_id}")
    db.session.expire_all()


def test_history_rewritten_with_the_unkeyed_recipe_fails_verify(db, books, app):
    fund_a_raffle(db, books)
    assert verify_parish(db.session, books.parish).ok
    _rewrite_history_and_recompute_the_chain(db, books.parish.id, _unkeyed)
    report = verify_parish(db.session, books.parish)
    assert not report.ok
    assert "entry #1 was altered: its hash no longer matches" in report.failures
    result = app.test_cli_runner().invoke(args=["ledger", "verify", "--parish", "jesus-maestro"])
    assert result.exit_code != 0


def test_a_noted_tip_catches_history_rewritten_even_with_the_key(db, books, app):
    fund_a_raffle(db, books)
    runner = app.test_cli_runner()
    noted = runner.invoke(args=["ledger", "tip", "--parish", "jesus-maestro"]).output.strip()
    assert noted.split(":")[0].isdigit() and len(noted.split(":")[1]) == 64
    still = runner.invoke(args=["ledger", "verify", "--parish", "jesus-maestro", "--tip", noted])
    assert still.exit_code == 0, still.output

    _rewrite_history_and_recompute_the_chain(db, books.parish.id, _keyed)
    assert verify_parish(db.session, books.parish).ok  # with the key, the chain alone is fooled
    caught = runner.invoke(args=["ledger", "verify", "--parish", "jesus-maestro", "--tip", noted])
    assert caught.exit_code != 0
    assert f"the noted tip {noted} is not in the chain" in caught.output


def test_a_fund_changed_behind_the_books_fails_verify(db, books, app):
    fund_a_raffle(db, books)
    raw(db, "UPDATE fund SET amount = amount + 1")
    db.session.expire_all()
    report = verify_parish(db.session, books.parish)
    assert not report.ok
    assert any(f.startswith("fund ") and "but its entry moved" in f for f in report.failures)


def test_replica_role_cannot_bypass_the_triggers_on_postgresql(db, books, app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("session_replication_role exists only on PostgreSQL")
    db.session.rollback()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET session_replication_role = replica")
        with pytest.raises(DBAPIError, match="append-only"):
            conn.exec_driver_sql("UPDATE ledger_transfer SET amount = amount + 1")
        conn.rollback()
    assert verify_parish(db.session, books.parish).ok


def test_verify_fails_while_triggers_fire_only_for_ordinary_sessions(db, books, app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("trigger firing modes exist only on PostgreSQL")
    raw(db, "ALTER TABLE ledger_transfer ENABLE TRIGGER ledger_transfer_no_update")
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code != 0
    assert "ledger_transfer_no_update" in result.output
    assert "session_replication_role = origin" in result.output


def test_the_trial_balance_prints_the_tip_that_verify_checks_later(db, books, app):
    """The treasurer's paper carries the chain tip; years later, ``verify --tip`` with what
    is printed proves the books still hold what was signed, and a rewrite is caught."""
    import io
    import re
    from datetime import date

    from pypdf import PdfReader

    from voucher.treasury.papers import render_trial_balance
    from voucher.treasury.trial_balance import trial_balance

    fund_a_raffle(db, books)
    pdf = render_trial_balance(trial_balance(db.session, books.parish, date(2026, 12, 31)))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    printed = re.search(r"Libro: (\d+:[0-9a-f]{64})", text).group(1)
    db.session.rollback()
    runner = app.test_cli_runner()
    assert (
        printed == runner.invoke(args=["ledger", "tip", "--parish", "jesus-maestro"]).output.strip()
    )
    ok = runner.invoke(args=["ledger", "verify", "--parish", "jesus-maestro", "--tip", printed])
    assert ok.exit_code == 0, ok.output
    _rewrite_history_and_recompute_the_chain(db, books.parish.id, _keyed)
    caught = runner.invoke(args=["ledger", "verify", "--parish", "jesus-maestro", "--tip", printed])
    assert caught.exit_code != 0
