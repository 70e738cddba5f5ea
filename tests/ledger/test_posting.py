"""The posting function refuses every malformed entry and writes nothing when it does."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from voucher.ledger import chart, errors
from voucher.ledger.models import AccountType, Entry, EntryKind, Transfer
from voucher.ledger.periods import close_month
from voucher.ledger.posting import EntryDraft, Leg, post_entries, post_entry
from voucher.oversight.verify import verify_parish


def counts(session):
    return (
        session.scalar(sa.select(sa.func.count()).select_from(Entry)),
        session.scalar(sa.select(sa.func.count()).select_from(Transfer)),
    )


def expense_account(books, session):
    """An account outside the voucher invariants, for raw postings."""
    return chart.ensure_account(
        session, books.parish.id, "expense:misc", "Gastos", AccountType.EXPENSE
    )


def draft(books, session, amount=100, **kw):
    bank = books.account(session, chart.BANK)
    legs = kw.pop("legs", [Leg(expense_account(books, session), bank, amount)])
    return EntryDraft(books.parish.id, kw.pop("kind", EntryKind.REVERSAL), legs, **kw)


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (0, errors.InvalidAmount),
        (-5, errors.InvalidAmount),
        (1.5, errors.InvalidAmount),
        (True, errors.InvalidAmount),
        ("100", errors.InvalidAmount),
        (10**13, errors.InvalidAmount),
    ],
)
def test_refuses_bad_amounts(db, books, amount, error):
    before = counts(db.session)
    with pytest.raises(error):
        post_entry(db.session, draft(books, db.session, amount))
    db.session.rollback()
    assert counts(db.session) == before


def test_refuses_empty_same_unknown_foreign_and_closed_accounts(db, books, world):
    s = db.session
    bank = books.account(s, chart.BANK)
    other_bank = chart.account_id(s, world.parishes["b"].id, chart.BANK)
    before = counts(s)
    cases = [
        ([], errors.EmptyEntry),
        ([Leg(bank, bank, 10)], errors.SameAccount),
        ([Leg(bank, 999_999, 10)], errors.UnknownAccount),
        ([Leg(bank, other_bank, 10)], errors.ForeignAccount),
    ]
    for legs, error in cases:
        with pytest.raises(error):
            post_entry(s, draft(books, s, legs=legs))
        s.rollback()
    from voucher.ledger.models import Account

    s.get(Account, bank).closed = True
    s.flush()
    with pytest.raises(errors.ClosedAccount):
        post_entry(s, draft(books, s))
    s.rollback()
    assert counts(s) == before


def test_whole_batch_is_refused_when_one_entry_is_bad(db, books):
    s = db.session
    before = counts(s)
    with pytest.raises(errors.InvalidAmount):
        post_entries(s, [draft(books, s, 100), draft(books, s, 0)])
    s.rollback()
    assert counts(s) == before


def test_idempotency_key_posts_once(db, books):
    s = db.session
    first = post_entry(s, draft(books, s, 100, idempotency_key="op-1"))
    again = post_entry(s, draft(books, s, 100, idempotency_key="op-1"))
    s.commit()
    assert first == again
    assert s.scalar(sa.select(sa.func.count()).where(Entry.idempotency_key == "op-1")) == 1


def test_reversal_at_most_once(db, books):
    s = db.session
    original = post_entry(s, draft(books, s, 100))
    bank = books.account(s, chart.BANK)
    expense = expense_account(books, s)
    post_entry(s, draft(books, s, legs=[Leg(bank, expense, 100)], reverses_id=original))
    s.commit()
    with pytest.raises(errors.AlreadyReversed):
        post_entry(s, draft(books, s, legs=[Leg(bank, expense, 100)], reverses_id=original))
    s.rollback()


def test_closed_period_refuses_backdated_entries(db, books):
    s = db.session
    close_month(s, books.parish, 2026, 1, books.treasurer)
    s.commit()
    with pytest.raises(errors.PeriodClosed):
        post_entry(s, draft(books, s, 100, effective_date=date(2026, 1, 31)))
    s.rollback()
    post_entry(s, draft(books, s, 100, effective_date=date(2026, 2, 1)))
    s.commit()


def test_entries_chain_their_hashes(db, books):
    s = db.session
    for n in range(3):
        post_entry(s, draft(books, s, 100 + n))
    s.commit()
    rows = s.execute(
        sa.select(Entry.seq, Entry.prev_hash, Entry.hash)
        .where(Entry.parish_id == books.parish.id)
        .order_by(Entry.seq)
    ).all()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    for earlier, later in itertools.pairwise(rows):
        assert later.prev_hash == earlier.hash
    assert verify_parish(s, books.parish).ok
