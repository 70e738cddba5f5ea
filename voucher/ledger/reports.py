"""Balances at a date, from the accounts' running totals.

Every account keeps ``debits_posted``/``credits_posted`` (its totals up to now). The
balance at an earlier date is those totals minus the transfers dated after it, read
through the (account, effective_date, amount) indexes, so the work grows with the
transfers after the date, not with the size of the books. When the date lies in the
first half of the books' history it is cheaper to add up the transfers up to the date
instead, and that is what happens then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.ledger import chart
from voucher.ledger.models import Account, AccountType, Transfer

TYPE_ORDER = {
    AccountType.ASSET: 0,
    AccountType.LIABILITY: 1,
    AccountType.EQUITY: 2,
    AccountType.INCOME: 3,
    AccountType.EXPENSE: 4,
}
ALWAYS_SHOWN = frozenset({chart.BANK, chart.VOUCHERS})


@dataclass(frozen=True)
class AccountBalance:
    """What one account shows at the end of a day: its debits and credits so far."""

    account_id: int
    code: str
    name: str
    type: AccountType
    debit: int
    credit: int
    program_id: int | None = None
    shop_id: int | None = None

    @property
    def balance(self) -> int:
        """Debit-positive: an asset is positive, a liability or a fund negative."""
        return self.debit - self.credit


def _sums(
    session: Session, account_ids: list[int], at: date, *, after: bool
) -> tuple[dict[int, int], dict[int, int]]:
    """Debits and credits per account dated after ``at`` (or on/before it)."""
    if not account_ids:
        return {}, {}
    result = []
    for column in (Transfer.debit_account_id, Transfer.credit_account_id):
        condition = Transfer.effective_date > at if after else Transfer.effective_date <= at
        rows = session.execute(
            sa.select(column, sa.func.sum(Transfer.amount))
            .where(column.in_(account_ids), condition)
            .group_by(column)
        ).all()
        result.append({account: int(total) for account, total in rows})
    return result[0], result[1]


def _sum_later(session: Session, parish_id: int, at: date) -> bool:
    """True when fewer transfers are expected after ``at`` than up to it (by the dates
    of the first and last transfer: two index lookups)."""
    # Two separate subqueries: SQLite answers a lone min() or max() from the index in one
    # step, but reads the whole range when both share one SELECT.
    dates = sa.select(Transfer.effective_date).where(Transfer.parish_id == parish_id)
    first, last = session.execute(
        sa.select(
            dates.order_by(Transfer.effective_date).limit(1).scalar_subquery(),
            dates.order_by(Transfer.effective_date.desc()).limit(1).scalar_subquery(),
        )
    ).one()
    if first is None or at >= last:
        return True
    if at < first:
        return False
    return (at - first) >= (last - at)


def _balances(
    session: Session, accounts: Iterable, parish_id: int, at: date
) -> list[AccountBalance]:
    rows = list(accounts)
    ids = [row.id for row in rows]
    if _sum_later(session, parish_id, at):
        later_debits, later_credits = _sums(session, ids, at, after=True)

        def figures(row) -> tuple[int, int]:
            return (
                row.debits_posted - later_debits.get(row.id, 0),
                row.credits_posted - later_credits.get(row.id, 0),
            )
    else:
        debits, credits = _sums(session, ids, at, after=False)

        def figures(row) -> tuple[int, int]:
            return debits.get(row.id, 0), credits.get(row.id, 0)

    result = []
    for row in rows:
        debit, credit = figures(row)
        result.append(
            AccountBalance(
                account_id=row.id,
                code=row.code,
                name=row.name,
                type=AccountType(row.type),
                debit=debit,
                credit=credit,
                program_id=row.program_id,
                shop_id=row.shop_id,
            )
        )
    return result


_COLUMNS = (
    Account.id,
    Account.code,
    Account.name,
    Account.type,
    Account.program_id,
    Account.shop_id,
    Account.debits_posted,
    Account.credits_posted,
)


def account_balance_at(session: Session, account_id: int, at: date) -> AccountBalance:
    """One account at the end of ``at`` (KeyError for an unknown account)."""
    row = session.execute(
        sa.select(*_COLUMNS, Account.parish_id).where(Account.id == account_id)
    ).first()
    if row is None:
        raise KeyError(account_id)
    return _balances(session, [row], row.parish_id, at)[0]


def trial_balance_at(session: Session, parish_id: int, at: date) -> list[AccountBalance]:
    """Every account of the parish with movement up to the end of ``at`` (the bank and
    vouchers accounts always), assets first, then liabilities, then funds. Debits and
    credits add up to the same total in sound books."""
    rows = session.execute(sa.select(*_COLUMNS).where(Account.parish_id == parish_id)).all()
    balances = [
        b
        for b in _balances(session, rows, parish_id, at)
        if b.debit or b.credit or b.code in ALWAYS_SHOWN
    ]
    return sorted(
        balances, key=lambda b: (TYPE_ORDER.get(b.type, 9), b.code != chart.BANK, b.name, b.code)
    )
