"""Balances at a date, from the accounts' day totals.

Posting adds every transfer to its accounts' running totals (the balance now) and to
their totals for the transfer's date (``ledger_account_day``). The balance at the end
of any date is the sum of an account's day totals up to it: at most one row per
account and day with movement, read through the (parish, day, …) covering index, so
the work does not grow with the number of transfers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.ledger import chart
from voucher.ledger.models import Account, AccountDay, AccountType

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


def _totals_through(
    session: Session, at: date, *, parish_id: int | None = None, account_id: int | None = None
) -> dict[int, tuple[int, int]]:
    """Debits and credits per account dated on or before ``at``, from the day totals of
    a parish (or of one account)."""
    query = sa.select(
        AccountDay.account_id, sa.func.sum(AccountDay.debits), sa.func.sum(AccountDay.credits)
    ).where(AccountDay.day <= at)
    if account_id is not None:
        query = query.where(AccountDay.account_id == account_id)
    else:
        query = query.where(AccountDay.parish_id == parish_id)
    rows = session.execute(query.group_by(AccountDay.account_id)).all()
    return {account: (int(debit), int(credit)) for account, debit, credit in rows}


def _balances(rows: Iterable, totals: dict[int, tuple[int, int]]) -> list[AccountBalance]:
    return [
        AccountBalance(
            account_id=row.id,
            code=row.code,
            name=row.name,
            type=AccountType(row.type),
            debit=totals.get(row.id, (0, 0))[0],
            credit=totals.get(row.id, (0, 0))[1],
            program_id=row.program_id,
            shop_id=row.shop_id,
        )
        for row in rows
    ]


# An account as the balances and the journal read it.
ACCOUNT_COLUMNS = (
    Account.id,
    Account.code,
    Account.name,
    Account.type,
    Account.program_id,
    Account.shop_id,
)


def account_balance_at(session: Session, account_id: int, at: date) -> AccountBalance:
    """One account at the end of ``at`` (KeyError for an unknown account)."""
    row = session.execute(sa.select(*ACCOUNT_COLUMNS).where(Account.id == account_id)).first()
    if row is None:
        raise KeyError(account_id)
    return _balances([row], _totals_through(session, at, account_id=account_id))[0]


def trial_balance_at(session: Session, parish_id: int, at: date) -> list[AccountBalance]:
    """Every account of the parish with movement up to the end of ``at`` (the bank and
    vouchers accounts always), assets first, then liabilities, then funds. Debits and
    credits add up to the same total in sound books."""
    rows = session.execute(sa.select(*ACCOUNT_COLUMNS).where(Account.parish_id == parish_id)).all()
    balances = [
        b
        for b in _balances(rows, _totals_through(session, at, parish_id=parish_id))
        if b.debit or b.credit or b.code in ALWAYS_SHOWN
    ]
    return sorted(
        balances, key=lambda b: (TYPE_ORDER.get(b.type, 9), b.code != chart.BANK, b.name, b.code)
    )
