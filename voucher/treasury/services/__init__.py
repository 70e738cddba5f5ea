"""The treasury's writes: funds received, paying shops and what happens to a payment
afterwards, the parish's treasury settings; and what each shop is owed."""

from __future__ import annotations

from datetime import date, datetime

from voucher.dates import day_bounds
from voucher.treasury.services.balances import (
    ShopBalance,
    shop_balance,
    shop_balances,
    unsettled_redemptions,
)
from voucher.treasury.services.decisions import (
    SamePersonApproval,
    SettlementNotPaid,
    SettlementNotPending,
    approve,
    reject,
    reverse,
)
from voucher.treasury.services.funds import FundInput, record_fund
from voucher.treasury.services.parish_rules import set_two_person_rule
from voucher.treasury.services.settlements import (
    NothingToSettle,
    SettlementChanged,
    SettlementInput,
    settle,
)


def day_end_utc(day: date, tz: str) -> datetime:
    """The first instant after ``day`` ends in the parish's time zone, in UTC. Kept for
    callers not yet reading ``voucher.dates.day_bounds`` themselves."""
    return day_bounds(day, tz)[1]


__all__ = [
    "FundInput",
    "NothingToSettle",
    "SamePersonApproval",
    "SettlementChanged",
    "SettlementInput",
    "SettlementNotPaid",
    "SettlementNotPending",
    "ShopBalance",
    "approve",
    "day_end_utc",
    "record_fund",
    "reject",
    "reverse",
    "set_two_person_rule",
    "settle",
    "shop_balance",
    "shop_balances",
    "unsettled_redemptions",
]
