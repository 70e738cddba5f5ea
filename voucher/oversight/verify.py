"""`ledger verify`: every invariant of domain.md recomputed from the rows. The ledger's
own integrity (voucher.ledger.integrity) first, then what the domains' records must agree
with the books: outstanding vouchers, each voucher's face, what is owed to each shop,
program funds, and one entry per money record."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.ledger import chart
from voucher.ledger.integrity import (
    Report,
    balance,
    check_chain,
    check_totals,
    count_rows,
)
from voucher.ledger.models import Account, Entry, EntryKind, Transfer
from voucher.parishes.models import Parish
from voucher.programs.models import Program
from voucher.treasury.models import Fund, Settlement, SettlementStatus
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher, VoucherStatus


def verify_parish(session: Session, parish: Parish) -> Report:
    report = Report(parish.slug)
    pid = parish.id
    check_totals(session, pid, report)
    for check in (
        _vouchers_outstanding,
        _voucher_faces,
        _payables,
        _funds,
        _records_have_entries,
        _record_amounts,
        _closings_match,
    ):
        check(session, pid, report)
    check_chain(session, pid, report)
    report.summary.update(
        **count_rows(session, pid),
        vouchers=session.scalar(sa.select(sa.func.count()).where(Voucher.parish_id == pid)) or 0,
        outstanding=balance(session, pid, chart.VOUCHERS, credit_normal=True),
        bank=balance(session, pid, chart.BANK, credit_normal=False),
    )
    return report


def _vouchers_outstanding(session: Session, pid: int, report: Report) -> None:
    live = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Voucher.remaining), 0)).where(
            Voucher.parish_id == pid,
            Voucher.status.in_([VoucherStatus.ACTIVE, VoucherStatus.REDEEMED]),
        )
    )
    booked = balance(session, pid, chart.VOUCHERS, credit_normal=True)
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
    """Every voucher's face equals its committed redemptions + remaining + returned
    value. One grouped pass over the parish's vouchers and redemptions together, with no
    join: without planner statistics (a freshly loaded or restored PostgreSQL database)
    the join of the vouchers to their summed redemptions was planned as a nested loop,
    every voucher against every redemption."""
    faces = sa.select(
        Voucher.id.label("voucher_id"),
        sa.literal_column("1").label("face"),
        (Voucher.amount - Voucher.remaining - Voucher.closed_amount).label("owed"),
    ).where(Voucher.parish_id == pid)
    spent = sa.select(Redemption.voucher_id, sa.literal_column("0"), -Redemption.amount).where(
        Redemption.parish_id == pid, Redemption.status == RedemptionStatus.COMMITTED
    )
    moves = sa.union_all(faces, spent).subquery()
    bad = session.scalars(
        sa.select(moves.c.voucher_id)
        .group_by(moves.c.voucher_id)
        .having(sa.func.max(moves.c.face) == 1, sa.func.sum(moves.c.owed) != 0)
        .limit(5)
    ).all()
    if not bad:
        return
    for serial in session.scalars(sa.select(Voucher.serial).where(Voucher.id.in_(bad))):
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


def _record_amounts(session: Session, pid: int, report: Report) -> None:
    """Every money record says what its entry moved: a fund, voucher, redemption or
    settlement whose amount was changed behind the books (``UPDATE fund SET amount =
    amount + 1``) would otherwise pass every balance and show in the reports."""
    for label, model, kind, link in (
        ("fund", Fund, EntryKind.FUND_RECEIVED, Entry.fund_id),
        ("voucher", Voucher, EntryKind.VOUCHER_ISSUED, Entry.voucher_id),
        ("redemption", Redemption, EntryKind.REDEMPTION, Entry.redemption_id),
        ("settlement", Settlement, EntryKind.SETTLEMENT, Entry.settlement_id),
    ):
        bad = session.execute(
            sa.select(model.id, model.amount, sa.func.sum(Transfer.amount))
            .join(Entry, sa.and_(link == model.id, Entry.kind == kind, Entry.parish_id == pid))
            .join(Transfer, Transfer.entry_id == Entry.id)
            .where(model.parish_id == pid)
            .group_by(model.id, model.amount)
            .having(sa.func.sum(Transfer.amount) != model.amount)
            .limit(5)
        ).all()
        for record_id, amount, moved in bad:
            report.fail(f"{label} {record_id} says {amount} but its entry moved {moved}")


def _record_counts(session: Session, pid: int) -> list[tuple[str, EntryKind, str, int]]:
    """(label, the entry kind it posts, its link column, how many records there are)."""

    def count(model, *conditions) -> int:
        return (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(model)
                .where(model.parish_id == pid, *conditions)
            )
            or 0
        )

    return [
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

    expected = _record_counts(session, pid)
    for label, kind, link, records in expected:
        total, counts = seen.get(kind.value, (0, {k: (0, 0) for k in links}))
        linked, distinct = counts[link]
        if not total == linked == distinct == records:
            report.fail(
                f"{label} records ({records}) and their ledger entries ({total}, "
                f"{distinct} distinct) do not match one to one"
            )


def _closings_match(session: Session, pid: int, report: Report) -> None:
    """A voucher's returned value (expiry, cancellation) equals what its closing entries
    moved."""
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
