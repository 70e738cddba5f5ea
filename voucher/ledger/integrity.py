"""The ledger's own integrity, from its rows alone: running and daily totals, the
trial balance, accounts in their parish, reversals that mirror what they reverse, and the
hash chain. The sums are set-based queries; only the hash chain walks every entry and its
transfers, in ranges of sequence numbers, on plain driver rows. What the domains' records
must agree with the books is checked above them (voucher.oversight.verify)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from operator import itemgetter

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.ledger.models import GENESIS_HASH, Account, AccountDay, Entry, LedgerHead, Transfer
from voucher.ledger.posting import LINK_FIELDS, chain_key, hash_values

LEDGER_TABLES = ("ledger_entry", "ledger_transfer")
IN_LIST_BATCH = 5000  # ids per IN (…) list
CHAIN_BATCH = 20_000


@dataclass
class Report:
    parish: str
    failures: list[str] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, message: str) -> None:
        self.failures.append(message)


def check_totals(session: Session, pid: int, report: Report) -> None:
    """Totals kept at posting time agree with the transfers: per account, per day, and
    in the trial balance; no account of another parish is used."""
    totals = _transfer_totals(session, pid)
    _running_totals(session, pid, report, totals)
    _trial_balance(session, pid, report, totals)
    _accounts_in_parish(session, pid, report, totals)
    _day_totals(session, pid, report)


def check_chain(session: Session, pid: int, report: Report) -> None:
    """Reversals mirror their originals; the hash chain is unbroken and unaltered."""
    _reversals_mirror(session, pid, report)
    _hash_chain(session, pid, report)


def count_rows(session: Session, pid: int) -> dict[str, int]:
    return {
        "entries": session.scalar(sa.select(sa.func.count()).where(Entry.parish_id == pid)) or 0,
        "transfers": session.scalar(sa.select(sa.func.count()).where(Transfer.parish_id == pid))
        or 0,
    }


def balance(session: Session, pid: int, code: str, *, credit_normal: bool) -> int:
    row = session.execute(
        sa.select(Account.debits_posted, Account.credits_posted).where(
            Account.parish_id == pid, Account.code == code
        )
    ).first()
    if row is None:
        return 0
    return (row[1] - row[0]) if credit_normal else (row[0] - row[1])


def _transfer_totals(session: Session, pid: int) -> dict[int, tuple[int, int]]:
    def by_account(column: sa.ColumnElement[int]) -> dict[int, int]:
        return dict(
            session.execute(
                sa.select(column, sa.func.sum(Transfer.amount))
                .where(Transfer.parish_id == pid)
                .group_by(column)
            ).all()
        )

    debit = by_account(Transfer.debit_account_id)
    credit = by_account(Transfer.credit_account_id)
    return {a: (int(debit.get(a, 0)), int(credit.get(a, 0))) for a in set(debit) | set(credit)}


def _accounts_in_parish(session: Session, pid: int, report: Report, totals: dict) -> None:
    """Every account the parish's transfers touch belongs to the parish (per account,
    not per transfer: the totals already grouped them)."""
    if not totals:
        return
    foreign = session.scalar(
        sa.select(sa.func.count()).where(Account.id.in_(list(totals)), Account.parish_id != pid)
    )
    if foreign:
        report.fail(f"transfers touch {foreign} account(s) of another parish")


def _running_totals(session: Session, pid: int, report: Report, totals: dict) -> None:
    for acc in session.scalars(sa.select(Account).where(Account.parish_id == pid)):
        debit, credit = totals.get(acc.id, (0, 0))
        if (acc.debits_posted, acc.credits_posted) != (debit, credit):
            report.fail(
                f"account {acc.code}: running totals {acc.debits_posted}/{acc.credits_posted} "
                f"differ from its transfers {debit}/{credit}"
            )


def _day_totals(session: Session, pid: int, report: Report) -> None:
    """Each account's totals per day (what balances at a date are read from) equal its
    transfers of that day: the transfers' debits and credits and the stored day rows,
    negated, add up to zero for every account and day."""
    zero = sa.literal(0)
    moves = sa.union_all(
        sa.select(
            Transfer.debit_account_id.label("account_id"),
            Transfer.effective_date.label("day"),
            Transfer.amount.label("debits"),
            zero.label("credits"),
        ).where(Transfer.parish_id == pid),
        sa.select(Transfer.credit_account_id, Transfer.effective_date, zero, Transfer.amount).where(
            Transfer.parish_id == pid
        ),
        sa.select(
            AccountDay.account_id, AccountDay.day, -AccountDay.debits, -AccountDay.credits
        ).where(AccountDay.parish_id == pid),
    ).subquery()
    wrong = session.execute(
        sa.select(moves.c.account_id, moves.c.day)
        .group_by(moves.c.account_id, moves.c.day)
        .having(sa.or_(sa.func.sum(moves.c.debits) != 0, sa.func.sum(moves.c.credits) != 0))
        .order_by(moves.c.account_id, moves.c.day)
        .limit(5)
    ).all()
    codes = dict(session.execute(sa.select(Account.id, Account.code)).all()) if wrong else {}
    for account_id, day in wrong:
        report.fail(
            f"account {codes.get(account_id, account_id)}: day totals of {day} differ "
            "from its transfers"
        )


def _trial_balance(session: Session, pid: int, report: Report, totals: dict) -> None:
    debit = sum(d for d, _c in totals.values())
    credit = sum(c for _d, c in totals.values())
    if debit != credit:
        report.fail(f"trial balance does not balance: debits {debit} credits {credit}")
    report.summary["total_debits"] = debit


def _reversals_mirror(session: Session, pid: int, report: Report) -> None:
    original = sa.orm.aliased(Entry)
    pairs = session.execute(
        sa.select(Entry.id, original.id)
        .join(original, original.id == Entry.reverses_id)
        .where(Entry.parish_id == pid)
    ).all()
    if not pairs:
        return
    legs: dict[int, list[tuple[int, int, int]]] = {}
    ids = [i for pair in pairs for i in pair]
    for i in range(0, len(ids), IN_LIST_BATCH):
        for entry_id, d, c, a in session.execute(
            sa.select(
                Transfer.entry_id,
                Transfer.debit_account_id,
                Transfer.credit_account_id,
                Transfer.amount,
            ).where(Transfer.entry_id.in_(ids[i : i + IN_LIST_BATCH]))
        ):
            legs.setdefault(entry_id, []).append((d, c, a))
    for reversal, orig in pairs:
        mirrored = sorted((c, d, a) for d, c, a in legs.get(orig, []))
        if sorted(legs.get(reversal, [])) != mirrored:
            report.fail(f"entry {reversal} does not mirror the entry {orig} it reverses")


def _hash_chain(session: Session, pid: int, report: Report) -> None:
    """Recompute every entry's hash in sequence with the shared ``hash_values``, and
    check that each entry has transfers, all of its own parish and date."""
    as_date = _date_reader(session)
    key = chain_key()
    prev, expected_seq = GENESIS_HASH, 0
    for (seq, kind, day, memo, *links, prev_hash, stored), transfers in _chain(session, pid):
        expected_seq += 1
        if seq != expected_seq or prev_hash != prev:
            report.fail(f"hash chain broken at entry #{seq}")
            return
        day = as_date(day)
        legs_text = _legs_text(transfers, pid, day, as_date)
        if legs_text is None:
            report.fail(f"entry #{seq} has no transfers, or transfers of another parish or date")
            return
        if hash_values(key, prev, pid, seq, kind, day, memo, *links, legs_text=legs_text) != stored:
            report.fail(f"entry #{seq} was altered: its hash no longer matches")
            return
        prev = stored
    head = session.get(LedgerHead, pid)
    if head is not None and (head.seq, head.hash) != (expected_seq, prev):
        report.fail("the chain tip does not match the last entry")


def _legs_text(transfers: tuple[tuple, ...], pid: int, day: date, as_date: Callable) -> str | None:
    """The entry's legs as its hash covers them, or None when it has no transfers or
    one of them belongs to another parish or date."""
    legs = []
    for _entry_id, parish, moved_on, debit, credit, amount in transfers:
        if parish != pid or as_date(moved_on) != day:
            return None
        legs.append(f"{debit}>{credit}:{amount}")
    return ";".join(legs) if legs else None


_CHAIN_ENTRY = ("seq", "kind", "effective_date", "memo", *LINK_FIELDS, "prev_hash", "hash")
_CHAIN_TRANSFER = ("parish_id", "effective_date", "debit_account_id", "credit_account_id", "amount")


def _chain(session: Session, pid: int) -> Iterator[tuple[list, tuple[tuple, ...]]]:
    """The parish's entries in sequence order (from seq 1 on), each as the values of
    _CHAIN_ENTRY with its transfers (rows of ``_chain_transfers``) in id order, read a
    range of CHAIN_BATCH sequence numbers at a time. Ranges rather than ``LIMIT``:
    without planner statistics (a freshly loaded PostgreSQL database) a ``LIMIT`` batch
    sorted every remaining entry each time."""
    entries_query, transfers_query = _chain_entries(), _chain_transfers()
    after = 0
    while True:
        entries = _driver_rows(
            session, entries_query, {"pid": pid, "after": after, "through": after + CHAIN_BATCH}
        )
        if not entries:
            following = session.scalar(
                sa.select(sa.func.min(Entry.seq)).where(Entry.parish_id == pid, Entry.seq > after)
            )
            if following is None:
                return
            after = following - 1  # a gap in the sequence: the entry after it shows it
            continue
        ids = [row[0] for row in entries]
        transfers = _by_entry(
            _driver_rows(session, transfers_query, {"low": min(ids), "high": max(ids)})
        )
        for entry_id, *entry in entries:
            yield entry, transfers.get(entry_id, ())
        after = entries[-1][1]


def _by_entry(rows: list[tuple]) -> dict[int, tuple[tuple, ...]]:
    """Transfer rows ordered by entry id, grouped by entry. Tuples, not lists: the
    garbage collector stops tracking tuples of plain values, so a batch's groups do not
    set off full collections over the whole process (two seconds on a million entries)."""
    return {entry_id: tuple(group) for entry_id, group in groupby(rows, itemgetter(0))}


def _chain_entries() -> sa.Select:
    """The parish's entries with ``after`` < seq <= ``through``, in seq order, id first."""
    entry = Entry.__table__.c
    return (
        sa.select(entry.id, *(entry[name] for name in _CHAIN_ENTRY))
        .where(
            entry.parish_id == sa.bindparam("pid"),
            entry.seq > sa.bindparam("after"),
            entry.seq <= sa.bindparam("through"),
        )
        .order_by(entry.seq)
    )


def _chain_transfers() -> sa.Select:
    """Transfers of the entries with ids from ``low`` to ``high`` (a batch's entries, and
    any other parish's in between): entry id, then the values of _CHAIN_TRANSFER. A
    range of the entry-id index, not a join: with statistics, PostgreSQL answered a
    join of each batch with a scan of every transfer."""
    transfer = Transfer.__table__.c
    return (
        sa.select(transfer.entry_id, *(transfer[name] for name in _CHAIN_TRANSFER))
        .where(transfer.entry_id.between(sa.bindparam("low"), sa.bindparam("high")))
        .order_by(transfer.entry_id, transfer.id)
    )


def _driver_rows(session: Session, statement: sa.Select, params: dict) -> list[tuple]:
    """Run ``statement`` on the session's own DB-API connection (same transaction) and
    return plain tuples. Over a million rows, SQLAlchemy's Row objects and result
    processing cost more than the hashing itself; values come back as the driver gives
    them (see ``_date_reader`` for dates)."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    values = compiled.construct_params(params)
    if compiled.positional:
        values = tuple(values[name] for name in compiled.positiontup)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(compiled.string, values)
        return cursor.fetchall()
    finally:
        cursor.close()


def _date_reader(session: Session) -> Callable[[object], date]:
    """Turns a driver's date value into what SQLAlchemy would have returned for a Date
    column (SQLite hands back text; PostgreSQL dates), with SQLAlchemy's own converter,
    so the hash sees ``date.isoformat()`` exactly as posting did. Memoised: a parish's
    million entries fall on a few hundred distinct days."""
    dialect = session.connection().dialect
    convert = sa.Date().dialect_impl(dialect).result_processor(dialect, None)
    return functools.cache(convert) if convert else _same


def _same(value: object) -> object:
    return value


def triggers_present(session: Session) -> list[str]:
    """Names of missing immutability triggers (empty when all are in place). On
    PostgreSQL a trigger counts only when it fires ALWAYS: one enabled for ordinary
    sessions alone is skipped by a session that sets ``session_replication_role``."""
    dialect = session.get_bind().dialect.name
    wanted = {f"{t}_no_{op}" for t in LEDGER_TABLES for op in ("update", "delete")}
    if dialect == "sqlite":
        found = set(
            session.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        )
    else:
        wanted |= {f"{t}_no_truncate" for t in LEDGER_TABLES}
        found = set(
            session.scalars(
                sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'A'")
            )
        )
    return sorted(wanted - found)


def replication_role(session: Session) -> str | None:
    """PostgreSQL's ``session_replication_role`` of this session (None on SQLite)."""
    if session.get_bind().dialect.name == "sqlite":
        return None
    return session.scalar(sa.text("SHOW session_replication_role"))


def chain_tip(session: Session, pid: int) -> str | None:
    """The parish's last entry as SEQ:HASH (what a printed paper or a treasurer notes)."""
    head = session.get(LedgerHead, pid)
    return f"{head.seq}:{head.hash}" if head is not None and head.seq else None


def tip_in_chain(session: Session, pid: int, noted: str) -> bool:
    """Whether the entry numbered SEQ still carries HASH: history rewritten after a tip
    was noted (even with the chain recomputed) changes it."""
    seq, _, expected = noted.partition(":")
    if not seq.isdigit() or not expected:
        return False
    stored = session.scalar(
        sa.select(Entry.hash).where(Entry.parish_id == pid, Entry.seq == int(seq))
    )
    return stored is not None and stored == expected.strip()
