"""Proof that the books are right: every invariant of domain.md recomputed from the
rows, with set-based queries (no Python loop over all transfers)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.ledger import chart
from voucher.ledger.models import Account, Entry, EntryKind, LedgerHead, Transfer
from voucher.ledger.posting import GENESIS_HASH, hash_values
from voucher.parishes.models import Parish
from voucher.programs.models import Program
from voucher.shops.models import Redemption, RedemptionStatus
from voucher.treasury.models import Fund, Settlement, SettlementStatus
from voucher.vouchers.models import Voucher, VoucherStatus

LEDGER_TABLES = ("ledger_entry", "ledger_transfer")
HASH_BATCH = 5000


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


def verify_parish(session: Session, parish: Parish) -> Report:
    report = Report(parish.slug)
    pid = parish.id
    totals = _transfer_totals(session, pid)
    _running_totals(session, pid, report, totals)
    _trial_balance(session, pid, report, totals)
    _accounts_in_parish(session, pid, report, totals)
    for check in (
        _vouchers_outstanding,
        _voucher_faces,
        _payables,
        _funds,
        _records_have_entries,
        _reversals_mirror,
        _hash_chain,
    ):
        check(session, pid, report)
    report.summary.update(
        entries=session.scalar(sa.select(sa.func.count()).where(Entry.parish_id == pid)) or 0,
        transfers=session.scalar(sa.select(sa.func.count()).where(Transfer.parish_id == pid)) or 0,
        vouchers=session.scalar(sa.select(sa.func.count()).where(Voucher.parish_id == pid)) or 0,
        outstanding=_balance(session, pid, chart.VOUCHERS, credit_normal=True),
        bank=_balance(session, pid, chart.BANK, credit_normal=False),
    )
    return report


def _balance(session: Session, pid: int, code: str, *, credit_normal: bool) -> int:
    row = session.execute(
        sa.select(Account.debits_posted, Account.credits_posted).where(
            Account.parish_id == pid, Account.code == code
        )
    ).first()
    if row is None:
        return 0
    return (row[1] - row[0]) if credit_normal else (row[0] - row[1])


def _transfer_totals(session: Session, pid: int) -> dict[int, tuple[int, int]]:
    debit = dict(
        session.execute(
            sa.select(Transfer.debit_account_id, sa.func.sum(Transfer.amount))
            .where(Transfer.parish_id == pid)
            .group_by(Transfer.debit_account_id)
        ).all()
    )
    credit = dict(
        session.execute(
            sa.select(Transfer.credit_account_id, sa.func.sum(Transfer.amount))
            .where(Transfer.parish_id == pid)
            .group_by(Transfer.credit_account_id)
        ).all()
    )
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


def _trial_balance(session: Session, pid: int, report: Report, totals: dict) -> None:
    debit = sum(d for d, _c in totals.values())
    credit = sum(c for _d, c in totals.values())
    if debit != credit:
        report.fail(f"trial balance does not balance: debits {debit} credits {credit}")
    report.summary["total_debits"] = debit


def _vouchers_outstanding(session: Session, pid: int, report: Report) -> None:
    live = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Voucher.remaining), 0)).where(
            Voucher.parish_id == pid,
            Voucher.status.in_([VoucherStatus.ACTIVE, VoucherStatus.REDEEMED]),
        )
    )
    booked = _balance(session, pid, chart.VOUCHERS, credit_normal=True)
    if live != booked:
        report.fail(f"vouchers outstanding {booked} differs from live vouchers' remaining {live}")
    closed_left = session.scalar(
        sa.select(sa.func.count()).where(
            Voucher.parish_id == pid,
            Voucher.status.in_([VoucherStatus.EXPIRED, VoucherStatus.CANCELLED]),
            Voucher.remaining != 0,
        )
    )
    if closed_left:
        report.fail(f"{closed_left} expired/cancelled vouchers still hold a remaining balance")


def _voucher_faces(session: Session, pid: int, report: Report) -> None:
    committed = (
        sa.select(Redemption.voucher_id, sa.func.sum(Redemption.amount).label("spent"))
        .where(Redemption.parish_id == pid, Redemption.status == RedemptionStatus.COMMITTED)
        .group_by(Redemption.voucher_id)
        .subquery()
    )
    bad = (
        session.execute(
            sa.select(Voucher.serial)
            .outerjoin(committed, committed.c.voucher_id == Voucher.id)
            .where(
                Voucher.parish_id == pid,
                Voucher.amount
                != sa.func.coalesce(committed.c.spent, 0)
                + Voucher.remaining
                + Voucher.closed_amount,
            )
            .limit(5)
        )
        .scalars()
        .all()
    )
    for serial in bad:
        report.fail(f"voucher {serial}: face ≠ redemptions + remaining + expired/cancelled")


def _payables(session: Session, pid: int, report: Report) -> None:
    unsettled = dict(
        session.execute(
            sa.select(Redemption.shop_id, sa.func.sum(Redemption.amount))
            .where(
                Redemption.parish_id == pid,
                Redemption.status == RedemptionStatus.COMMITTED,
                Redemption.settlement_id.is_(None),
            )
            .group_by(Redemption.shop_id)
        ).all()
    )
    accounts = session.execute(
        sa.select(Account.shop_id, Account.credits_posted - Account.debits_posted).where(
            Account.parish_id == pid, Account.shop_id.is_not(None)
        )
    ).all()
    seen = set()
    for shop_id, booked in accounts:
        seen.add(shop_id)
        if int(unsettled.get(shop_id, 0)) != booked:
            report.fail(
                f"payable to shop {shop_id} is {booked} but its unsettled redemptions "
                f"add up to {int(unsettled.get(shop_id, 0))}"
            )
    for shop_id in set(unsettled) - seen:
        report.fail(f"shop {shop_id} has unsettled redemptions but no payable account")


def _funds(session: Session, pid: int, report: Report) -> None:
    rows = session.execute(
        sa.select(
            Program.name, Program.fund_available, Account.credits_posted - Account.debits_posted
        )
        .join(Account, sa.and_(Account.program_id == Program.id, Account.parish_id == pid))
        .where(Program.parish_id == pid)
    ).all()
    for name, available, booked in rows:
        if booked < 0:
            report.fail(f"program fund {name} is negative ({booked})")
        if available != booked:
            report.fail(
                f"program {name}: available {available} differs from its fund account {booked}"
            )


def _records_have_entries(session: Session, pid: int, report: Report) -> None:
    """Every money record has exactly its entry, and every entry its record: one grouped
    pass over the parish's entries, compared with the record counts."""
    e = Entry.__table__.c
    links = {
        "fund": e.fund_id,
        "voucher": e.voucher_id,
        "redemption": e.redemption_id,
        "settlement": e.settlement_id,
    }
    columns = [sa.type_coerce(e.kind, sa.String), sa.func.count()]
    for column in links.values():
        columns += [sa.func.count(column), sa.func.count(sa.distinct(column))]
    seen = {}
    for kind, total, *counts in session.execute(
        sa.select(*columns).where(e.parish_id == pid).group_by(e.kind)
    ):
        seen[kind] = (
            total,
            dict(zip(links, zip(counts[::2], counts[1::2], strict=True), strict=True)),
        )

    def count(model, *conditions) -> int:
        return (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(model)
                .where(model.parish_id == pid, *conditions)
            )
            or 0
        )

    expected = [
        ("fund", EntryKind.FUND_RECEIVED, "fund", count(Fund)),
        ("voucher", EntryKind.VOUCHER_ISSUED, "voucher", count(Voucher)),
        ("redemption", EntryKind.REDEMPTION, "redemption", count(Redemption)),
        (
            "voided redemption",
            EntryKind.REDEMPTION_VOID,
            "redemption",
            count(Redemption, Redemption.status == RedemptionStatus.VOIDED),
        ),
        (
            "settlement",
            EntryKind.SETTLEMENT,
            "settlement",
            count(
                Settlement,
                Settlement.status.in_([SettlementStatus.PAID, SettlementStatus.REVERSED]),
            ),
        ),
        (
            "reversed settlement",
            EntryKind.SETTLEMENT_REVERSAL,
            "settlement",
            count(Settlement, Settlement.status == SettlementStatus.REVERSED),
        ),
    ]
    for label, kind, link, records in expected:
        total, counts = seen.get(kind.value, (0, {k: (0, 0) for k in links}))
        linked, distinct = counts[link]
        if not total == linked == distinct == records:
            report.fail(
                f"{label} records ({records}) and their ledger entries ({total}, "
                f"{distinct} distinct) do not match one to one"
            )
    # A voucher's returned value (expiry, cancellation) equals what its closing entries moved.
    closing = (
        sa.select(Entry.voucher_id, sa.func.sum(Transfer.amount).label("moved"))
        .join(Transfer, Transfer.entry_id == Entry.id)
        .where(
            Entry.parish_id == pid,
            Entry.kind.in_([EntryKind.VOUCHER_EXPIRED, EntryKind.VOUCHER_CANCELLED]),
        )
        .group_by(Entry.voucher_id)
        .subquery()
    )
    bad = session.scalar(
        sa.select(sa.func.count())
        .select_from(Voucher)
        .outerjoin(closing, closing.c.voucher_id == Voucher.id)
        .where(
            Voucher.parish_id == pid, Voucher.closed_amount != sa.func.coalesce(closing.c.moved, 0)
        )
    )
    if bad:
        report.fail(f"{bad} vouchers' returned value differs from their closing entries")


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
    for i in range(0, len(ids), HASH_BATCH):
        for entry_id, d, c, a in session.execute(
            sa.select(
                Transfer.entry_id,
                Transfer.debit_account_id,
                Transfer.credit_account_id,
                Transfer.amount,
            ).where(Transfer.entry_id.in_(ids[i : i + HASH_BATCH]))
        ):
            legs.setdefault(entry_id, []).append((d, c, a))
    for reversal, orig in pairs:
        mirrored = sorted((c, d, a) for d, c, a in legs.get(orig, []))
        if sorted(legs.get(reversal, [])) != mirrored:
            report.fail(f"entry {reversal} does not mirror the entry {orig} it reverses")


def _hash_chain(session: Session, pid: int, report: Report) -> None:
    """Recompute every entry's hash in sequence, in batches, on plain Core rows."""
    entry, transfer = Entry.__table__.c, Transfer.__table__.c
    columns = (
        entry.id,
        entry.seq,
        sa.type_coerce(entry.kind, sa.String),
        entry.effective_date,
        entry.memo,
        entry.voucher_id,
        entry.redemption_id,
        entry.fund_id,
        entry.settlement_id,
        entry.reverses_id,
        entry.idempotency_key,
        entry.prev_hash,
        entry.hash,
    )
    conn = session.connection()
    prev, expected_seq = GENESIS_HASH, 0
    while True:
        rows = conn.execute(
            sa.select(*columns)
            .where(entry.parish_id == pid, entry.seq > expected_seq)
            .order_by(entry.seq)
            .limit(HASH_BATCH)
        ).all()
        if not rows:
            break
        low, high = min(r[0] for r in rows), max(r[0] for r in rows)
        legs: dict[int, list[str]] = {}
        placed: dict[int, set] = {}
        for entry_id, d, c, a, parish, day in conn.execute(
            sa.select(
                transfer.entry_id,
                transfer.debit_account_id,
                transfer.credit_account_id,
                transfer.amount,
                transfer.parish_id,
                transfer.effective_date,
            )
            .where(transfer.entry_id.between(low, high))
            .order_by(transfer.id)
        ):
            legs.setdefault(entry_id, []).append(f"{d}>{c}:{a}")
            placed.setdefault(entry_id, set()).add((parish, day))
        for entry_id, seq, kind, day, memo, *links, prev_hash, stored in rows:
            expected_seq += 1
            if seq != expected_seq or prev_hash != prev:
                report.fail(f"hash chain broken at entry #{seq}")
                return
            if placed.get(entry_id) != {(pid, day)}:
                report.fail(
                    f"entry #{seq} has no transfers, or transfers of another parish or date"
                )
                return
            computed = hash_values(
                prev, pid, seq, kind, day, memo, *links, legs_text=";".join(legs.get(entry_id, ()))
            )
            if computed != stored:
                report.fail(f"entry #{seq} was altered: its hash no longer matches")
                return
            prev = stored
    head = session.get(LedgerHead, pid)
    if head is not None and (head.seq, head.hash) != (expected_seq, prev):
        report.fail("the chain tip does not match the last entry")


def triggers_present(session: Session) -> list[str]:
    """Names of missing immutability triggers (empty when all are in place)."""
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
                sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")
            )
        )
    return sorted(wanted - found)
