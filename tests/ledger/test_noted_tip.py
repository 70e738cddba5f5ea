"""Anyone who can write to the database can rewrite history and recompute the whole
(unkeyed) hash chain, and ``ledger verify`` alone cannot tell. A chain tip noted earlier
outside the database can: ``ledger tip`` prints it, ``ledger verify --tip`` checks it."""

from __future__ import annotations

from tests.ledger.test_immutability import _drop_triggers, fund_a_raffle, raw
from voucher.ledger import integrity
from voucher.ledger.posting import hash_values
from voucher.oversight.verify import verify_parish


def _rewrite_history_and_recompute_the_chain(db, parish_id: int) -> None:
    """The attacker's recipe: change an old memo, then re-hash every entry after it."""
    _drop_triggers(db)
    raw(db, f"UPDATE ledger_entry SET memo = 'nada pasó' WHERE parish_id = {parish_id} AND seq = 1")
    session = db.session
    as_date = integrity._date_reader(session)
    prev, rows = "0" * 64, []
    for (seq, kind, day, memo, *links, _prev, _stored), transfers in integrity._chain(
        session, parish_id
    ):
        day = as_date(day)
        legs = integrity._legs_text(transfers, parish_id, day, as_date)
        digest = hash_values(prev, parish_id, seq, kind, day, memo, *links, legs_text=legs)
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


def test_a_noted_tip_catches_history_rewritten_with_a_recomputed_chain(db, books, app):
    fund_a_raffle(db, books)
    runner = app.test_cli_runner()
    noted = runner.invoke(args=["ledger", "tip", "--parish", "jesus-maestro"]).output.strip()
    assert noted.split(":")[0].isdigit() and len(noted.split(":")[1]) == 64
    still = runner.invoke(args=["ledger", "verify", "--parish", "jesus-maestro", "--tip", noted])
    assert still.exit_code == 0, still.output

    _rewrite_history_and_recompute_the_chain(db, books.parish.id)
    assert verify_parish(db.session, books.parish).ok  # the chain alone is fooled
    caught = runner.invoke(args=["ledger", "verify", "--parish", "jesus-maestro", "--tip", noted])
    assert caught.exit_code != 0
    assert f"the noted tip {noted} is not in the chain" in caught.output
