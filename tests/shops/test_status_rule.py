"""One rule for a voucher's status after a charge: the pure rule in vouchers/rules.py,
and the CASE the charge's single UPDATE computes in the database, built from it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voucher.shops import redemption
from voucher.vouchers.models import VoucherStatus
from voucher.vouchers.rules import status_after_redeem

CASES = [
    (0, VoucherStatus.ACTIVE, VoucherStatus.REDEEMED),
    (1, VoucherStatus.ACTIVE, VoucherStatus.ACTIVE),
    (14999, VoucherStatus.ACTIVE, VoucherStatus.ACTIVE),
    (0, VoucherStatus.REDEEMED, VoucherStatus.REDEEMED),
    (500, VoucherStatus.REDEEMED, VoucherStatus.REDEEMED),
]


def in_database(db, remaining_after: int, status: VoucherStatus) -> VoucherStatus:
    """What the charge's CASE answers, evaluated by the database itself."""
    case = redemption.status_after_charge(
        sa.bindparam("after", remaining_after, type_=sa.Integer),
        sa.bindparam("status", status.value, type_=sa.String),
    )
    return VoucherStatus(db.session.scalar(sa.select(case)))


@pytest.mark.parametrize(("remaining_after", "status", "expected"), CASES)
def test_the_rule_says_used_up_at_zero_and_otherwise_unchanged(remaining_after, status, expected):
    assert status_after_redeem(remaining_after, status) == expected


@pytest.mark.parametrize(("remaining_after", "status", "expected"), CASES)
def test_the_sql_case_answers_as_the_rule(db, remaining_after, status, expected):
    assert in_database(db, remaining_after, status) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    remaining_after=st.one_of(st.just(0), st.integers(min_value=0, max_value=10_000_000)),
    status=st.sampled_from([VoucherStatus.ACTIVE, VoucherStatus.REDEEMED]),
)
def test_the_sql_case_and_the_rule_agree_everywhere(db, remaining_after, status):
    assert in_database(db, remaining_after, status) == status_after_redeem(remaining_after, status)


def test_a_real_charge_follows_the_rule(db, issue, world):
    """The UPDATE that takes the value sets the status the rule names, part and whole."""
    issued = issue(15000)
    voucher = issued.voucher
    day = voucher.expires_on
    for amount in (5000, 10000):
        assert redemption._take(db.session, voucher, amount, day)
        assert voucher.status == status_after_redeem(voucher.remaining)
    db.session.expire(voucher)
    assert (voucher.remaining, voucher.status) == (0, VoucherStatus.REDEEMED)
    db.session.rollback()
