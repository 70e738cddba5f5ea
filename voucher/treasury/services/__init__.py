"""The treasury's writes: funds received, paying shops and what happens to a payment
afterwards, the parish's treasury settings; and what each shop is owed."""

from __future__ import annotations

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
    set_reference,
)
from voucher.treasury.services.funds import DonorInput, FundInput, create_donor, record_fund
from voucher.treasury.services.parish_rules import set_two_person_rule
from voucher.treasury.services.settlements import (
    NothingToSettle,
    SettlementChanged,
    SettlementInput,
    settle,
)

__all__ = [
    "DonorInput",
    "FundInput",
    "NothingToSettle",
    "SamePersonApproval",
    "SettlementChanged",
    "SettlementInput",
    "SettlementNotPaid",
    "SettlementNotPending",
    "ShopBalance",
    "approve",
    "create_donor",
    "record_fund",
    "reject",
    "reverse",
    "set_reference",
    "set_two_person_rule",
    "settle",
    "shop_balance",
    "shop_balances",
    "unsettled_redemptions",
]
