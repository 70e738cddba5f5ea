"""Posting: the only way money enters the books. Pure rules at the top (no database),
then the writer that posts whole entries atomically in the caller's transaction."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from voucher.dates import local_today
from voucher.installation import CHAIN_KEY
from voucher.ledger import guards
from voucher.ledger.errors import (
    EmptyEntry,
    ForeignAccount,
    ImmutableLedger,
    InvalidAmount,
    SameAccount,
)
from voucher.ledger.models import Account, Entry, EntryKind, LedgerHead, Transfer

MAX_TRANSFER = 10**12

# Posting runs on every charge at a shop: its statements are built once, so SQLAlchemy
# reuses their compiled form.
_ENTRY = Entry.__table__
_ACCOUNT = Account.__table__
_HEAD = LedgerHead.__table__
_P = sa.bindparam
_INSERT_ENTRY = sa.insert(_ENTRY)
_INSERT_ENTRY_RETURNING = _INSERT_ENTRY.returning(_ENTRY.c.id)
_IDS_BY_SEQ = (
    sa.select(_ENTRY.c.id)
    .where(_ENTRY.c.parish_id == _P("parish_id"), _ENTRY.c.seq.between(_P("low"), _P("high")))
    .order_by(_ENTRY.c.seq)
)
_INSERT_TRANSFER = sa.insert(Transfer.__table__)
_ADD_TO_ACCOUNT = (
    sa.update(_ACCOUNT)
    .where(_ACCOUNT.c.id == _P("account_id"))
    .values(
        debits_posted=_ACCOUNT.c.debits_posted + _P("d"),
        credits_posted=_ACCOUNT.c.credits_posted + _P("c"),
    )
)
# The same upsert on SQLite and PostgreSQL.
_ADD_TO_DAY = sa.text(
    "INSERT INTO ledger_account_day (account_id, day, parish_id, debits, credits) "
    "VALUES (:account_id, :day, :parish_id, :d, :c) "
    "ON CONFLICT (account_id, day) DO UPDATE SET "
    "debits = ledger_account_day.debits + excluded.debits, "
    "credits = ledger_account_day.credits + excluded.credits"
).bindparams(sa.bindparam("day", type_=sa.Date()))
_MOVE_HEAD = (
    sa.update(_HEAD)
    .where(_HEAD.c.parish_id == _P("head"))
    .values(seq=_P("new_seq"), hash=_P("new_hash"))
)


@dataclass(frozen=True)
class Leg:
    """One transfer: ``amount`` pesos from the credit account to the debit account."""

    debit: int
    credit: int
    amount: int


@dataclass
class EntryDraft:
    parish_id: int
    kind: EntryKind
    legs: Sequence[Leg]
    effective_date: date | None = None
    memo: str = ""
    user_id: int | None = None
    voucher_id: int | None = None
    redemption_id: int | None = None
    fund_id: int | None = None
    settlement_id: int | None = None
    reverses_id: int | None = None
    idempotency_key: str | None = None
    links: dict = field(default_factory=dict)


def check_legs(legs: Sequence[Leg]) -> None:
    """Refuses an empty entry, a non-integer/zero/negative/huge amount, or a leg
    whose debit and credit are the same account."""
    if not legs:
        raise EmptyEntry()
    for leg in legs:
        amount = leg.amount
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidAmount()
        if amount <= 0 or amount > MAX_TRANSFER:
            raise InvalidAmount()
        if leg.debit == leg.credit:
            raise SameAccount()


LINK_FIELDS = (
    "voucher_id",
    "redemption_id",
    "fund_id",
    "settlement_id",
    "reverses_id",
    "idempotency_key",
)


def chain_key() -> bytes:
    """The key that seals the parish chains (derived from the voucher key, which lives
    outside the database: rewriting history and recomputing the chain needs it)."""
    return current_app.extensions[CHAIN_KEY]


def entry_hash(prev_hash: str, fields: dict, legs: Sequence[Leg]) -> str:
    """HMAC-SHA-256 over the entry's content and the previous entry's hash."""
    return hash_values(
        chain_key(),
        prev_hash,
        fields["parish_id"],
        fields["seq"],
        fields["kind"],
        fields["effective_date"],
        fields["memo"],
        *(fields.get(k) for k in LINK_FIELDS),
        legs_text=";".join(f"{leg.debit}>{leg.credit}:{leg.amount}" for leg in legs),
    )


def hash_values(
    key: bytes,
    prev_hash: str,
    parish_id: int,
    seq: int,
    kind: str,
    effective_date: date,
    memo: str,
    voucher_id: object = None,
    redemption_id: object = None,
    fund_id: object = None,
    settlement_id: object = None,
    reverses_id: object = None,
    idempotency_key: object = None,
    *,
    legs_text: str,
) -> str:
    """The chained hash from plain values (shared by posting, ``ledger verify`` and the
    migration that sealed older chains). Absent links hash as empty text (ids are never 0
    and keys never empty)."""
    text = (
        f"{prev_hash}|{parish_id}|{seq}|{kind}|{effective_date.isoformat()}|{memo or ''}|"
        f"{voucher_id or ''}|{redemption_id or ''}|{fund_id or ''}|{settlement_id or ''}|"
        f"{reverses_id or ''}|{idempotency_key or ''}|{legs_text}"
    )
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def post_entry(session: Session, draft: EntryDraft) -> int:
    """Post one entry; returns its id (the existing one when the idempotency key
    was already posted)."""
    return post_entries(session, [draft])[0]


def post_entries(session: Session, drafts: Sequence[EntryDraft]) -> list[int]:
    """Post entries of one parish in order, atomically in the caller's transaction.

    Refuses (raises, writes nothing) entries with bad legs, accounts that are
    missing, closed or of another parish, a date inside a closed period, and a
    second reversal of the same entry.
    """
    if not drafts:
        return []
    parish_ids = {d.parish_id for d in drafts}
    if len(parish_ids) != 1:
        raise ForeignAccount()
    parish_id = parish_ids.pop()
    today = local_today()
    for draft in drafts:
        check_legs(draft.legs)
        if draft.effective_date is None:
            draft.effective_date = today

    existing = guards.existing_idempotent(session, drafts)
    pending = [d for d in drafts if d.idempotency_key not in existing]
    if not pending:
        return [existing[d.idempotency_key] for d in drafts]

    guards.check_reversals(session, parish_id, pending)
    seq, prev_hash = guards.lock_head(session, parish_id, pending)
    rows = _chained_rows(parish_id, seq, prev_hash, pending)
    ids = _insert_entries(session, rows)
    moves = _insert_transfers(session, parish_id, ids, pending)
    _add_to_totals(session, parish_id, moves)
    last = rows[-1]
    session.execute(
        _MOVE_HEAD, {"head": parish_id, "new_seq": last["seq"], "new_hash": last["hash"]}
    )
    expire_cached(session, Account, {account for account, _day in moves})
    expire_cached(session, LedgerHead, [parish_id])
    new_ids = iter(ids)
    return [
        existing[d.idempotency_key] if d.idempotency_key in existing else next(new_ids)
        for d in drafts
    ]


def _chained_rows(
    parish_id: int, seq: int, prev_hash: str, drafts: Sequence[EntryDraft]
) -> list[dict]:
    """The entries' rows, numbered after the tip and each chained to the one before."""
    rows = []
    for draft in drafts:
        seq += 1
        fields = {
            "parish_id": parish_id,
            "seq": seq,
            "kind": EntryKind(draft.kind).value,
            "effective_date": draft.effective_date,
            "memo": (draft.memo or "")[:300],
            "user_id": draft.user_id,
            "voucher_id": draft.voucher_id,
            "redemption_id": draft.redemption_id,
            "fund_id": draft.fund_id,
            "settlement_id": draft.settlement_id,
            "reverses_id": draft.reverses_id,
            "idempotency_key": draft.idempotency_key,
        }
        fields["prev_hash"] = prev_hash
        fields["hash"] = prev_hash = entry_hash(prev_hash, fields, draft.legs)
        rows.append(fields)
    return rows


def _insert_transfers(
    session: Session, parish_id: int, ids: list[int], drafts: Sequence[EntryDraft]
) -> dict[tuple[int, date], list[int]]:
    """Every leg as a transfer in one statement; answers each account's debits and
    credits per day, for the running and daily totals."""
    transfers = []
    moves: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    for entry_id, draft in zip(ids, drafts, strict=True):
        day = draft.effective_date
        for leg in draft.legs:
            transfers.append(
                {
                    "entry_id": entry_id,
                    "parish_id": parish_id,
                    "debit_account_id": leg.debit,
                    "credit_account_id": leg.credit,
                    "amount": leg.amount,
                    "effective_date": day,
                }
            )
            moves[leg.debit, day][0] += leg.amount
            moves[leg.credit, day][1] += leg.amount
    session.execute(_INSERT_TRANSFER, transfers)
    return moves


def _insert_entries(session: Session, rows: list[dict]) -> list[int]:
    """INSERT the entries and return their ids in order. One entry comes back with
    RETURNING; many go in one executemany and their ids are read back by sequence
    number (the head lock makes the range ours), which avoids row-by-row
    INSERT … RETURNING on SQLite."""
    if len(rows) == 1:
        return [session.execute(_INSERT_ENTRY_RETURNING, rows[0]).scalar_one()]
    session.execute(_INSERT_ENTRY, rows)
    return list(
        session.execute(
            _IDS_BY_SEQ,
            {"parish_id": rows[0]["parish_id"], "low": rows[0]["seq"], "high": rows[-1]["seq"]},
        ).scalars()
    )


def _add_to_totals(
    session: Session, parish_id: int, moves: dict[tuple[int, date], list[int]]
) -> None:
    """Add the posted amounts to each account's running totals and to its day's
    totals, accounts in id order so two transactions never wait on each other
    crosswise."""
    per_account: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    days = []
    for (account, day), (debit, credit) in sorted(moves.items()):
        per_account[account][0] += debit
        per_account[account][1] += credit
        days.append(
            {"account_id": account, "parish_id": parish_id, "day": day, "d": debit, "c": credit}
        )
    session.execute(
        _ADD_TO_ACCOUNT,
        [{"account_id": a, "d": d, "c": c} for a, (d, c) in per_account.items()],
    )
    session.execute(_ADD_TO_DAY, days)


def expire_cached(session: Session, model: type, ids) -> None:
    """Rows changed with Core UPDATEs: drop any stale copy the session holds."""
    for object_id in ids:
        obj = session.identity_map.get(identity_key(model, object_id))
        if obj is not None:
            session.expire(obj)


def reversal_legs(legs: Sequence[Leg]) -> list[Leg]:
    """The exact mirror of an entry: every transfer with debit and credit swapped."""
    return [Leg(debit=leg.credit, credit=leg.debit, amount=leg.amount) for leg in legs]


def entry_legs(session: Session, entry_id: int) -> list[Leg]:
    rows = session.execute(
        sa.select(Transfer.debit_account_id, Transfer.credit_account_id, Transfer.amount)
        .where(Transfer.entry_id == entry_id)
        .order_by(Transfer.id)
    ).all()
    return [Leg(debit=d, credit=c, amount=a) for d, c, a in rows]


@event.listens_for(Entry, "before_update")
@event.listens_for(Transfer, "before_update")
@event.listens_for(Entry, "before_delete")
@event.listens_for(Transfer, "before_delete")
def _refuse_change(_mapper, _connection, _target) -> None:
    raise ImmutableLedger()
