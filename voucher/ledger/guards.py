"""What posting refuses before it writes anything: a replayed idempotency key answers the
entry it made, a second reversal, accounts missing, closed or of another parish, and a
date in a closed period; and the chain tip, locked while the entries are chained to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.ledger.errors import (
    AlreadyReversed,
    ClosedAccount,
    ForeignAccount,
    PeriodClosed,
    UnknownAccount,
)
from voucher.ledger.models import GENESIS_HASH, Account, Entry, LedgerHead, PeriodLock

if TYPE_CHECKING:
    from voucher.ledger.posting import EntryDraft

_ACCOUNT = Account.__table__
_HEAD = LedgerHead.__table__
_P = sa.bindparam
_TIP = (
    sa.select(
        _HEAD.c.seq,
        _HEAD.c.hash,
        sa.select(sa.func.max(PeriodLock.closed_through))
        .where(PeriodLock.parish_id == _P("parish_id"))
        .scalar_subquery(),
        sa.select(sa.func.count())
        .where(
            _ACCOUNT.c.id.in_(_P("accounts", expanding=True)),
            _ACCOUNT.c.parish_id == _P("parish_id"),
            _ACCOUNT.c.closed.is_(False),
        )
        .scalar_subquery(),
    )
    .where(_HEAD.c.parish_id == _P("parish_id"))
    .with_for_update(of=_HEAD)
)


def existing_idempotent(session: Session, drafts: Sequence[EntryDraft]) -> dict[str, int]:
    keys = [d.idempotency_key for d in drafts if d.idempotency_key]
    if not keys:
        return {}
    rows = session.execute(
        sa.select(Entry.idempotency_key, Entry.id).where(Entry.idempotency_key.in_(keys))
    ).all()
    return {key: entry_id for key, entry_id in rows}


def _check_accounts(session: Session, parish_id: int, drafts: Sequence[EntryDraft]) -> None:
    wanted = {a for d in drafts for leg in d.legs for a in (leg.debit, leg.credit)}
    found = {
        row.id: row
        for row in session.execute(
            sa.select(Account.id, Account.parish_id, Account.closed).where(Account.id.in_(wanted))
        )
    }
    for account_id in wanted:
        row = found.get(account_id)
        if row is None:
            raise UnknownAccount()
        if row.parish_id != parish_id:
            raise ForeignAccount()
        if row.closed:
            raise ClosedAccount()


def _check_period(session: Session, parish_id: int, drafts: Sequence[EntryDraft]) -> None:
    closed_through = session.scalar(
        sa.select(sa.func.max(PeriodLock.closed_through)).where(PeriodLock.parish_id == parish_id)
    )
    if closed_through is not None and any(d.effective_date <= closed_through for d in drafts):
        raise PeriodClosed()


def check_reversals(session: Session, parish_id: int, drafts: Sequence[EntryDraft]) -> None:
    targets = [d.reverses_id for d in drafts if d.reverses_id is not None]
    if not targets:
        return
    if len(set(targets)) != len(targets):
        raise AlreadyReversed()
    originals = session.execute(
        sa.select(Entry.id, Entry.parish_id).where(Entry.id.in_(targets))
    ).all()
    if len(originals) != len(targets) or any(p != parish_id for _, p in originals):
        raise ForeignAccount()
    already = session.scalar(sa.select(sa.func.count()).where(Entry.reverses_id.in_(targets)))
    if already:
        raise AlreadyReversed()


def lock_head(session: Session, parish_id: int, drafts: Sequence[EntryDraft]) -> tuple[int, str]:
    """Lock the parish's chain tip (row lock on PostgreSQL; SQLite writers already hold
    the database lock from BEGIN IMMEDIATE) and, in the same statement, check the
    accounts and the closed period: nothing is written before all of it holds. (On
    PostgreSQL the checks read the snapshot the statement started with, as the
    separate queries before the lock did.)"""
    wanted = {a for d in drafts for leg in d.legs for a in (leg.debit, leg.credit)}
    row = session.execute(_TIP, {"parish_id": parish_id, "accounts": sorted(wanted)}).first()
    if row is None:
        _check_accounts(session, parish_id, drafts)
        _check_period(session, parish_id, drafts)
        session.execute(sa.insert(LedgerHead).values(parish_id=parish_id, seq=0, hash=GENESIS_HASH))
        return 0, GENESIS_HASH
    seq, tip, closed_through, usable = row
    if usable != len(wanted):
        _check_accounts(session, parish_id, drafts)  # says which rule the entry breaks
        raise UnknownAccount()  # (read again, they looked fine: refuse all the same)
    if closed_through is not None and any(d.effective_date <= closed_through for d in drafts):
        raise PeriodClosed()
    return seq, tip
