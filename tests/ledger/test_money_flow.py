"""One voucher's whole life through the services, with the books checked after each step."""

from __future__ import annotations

from datetime import date

import pytest

from voucher.dates import local_today
from voucher.families.services import FamilyInput, create_family
from voucher.oversight.verify import verify_parish
from voucher.programs.services import ProgramInput, create_program, enrol_family
from voucher.shops.redemption import Scanner, lookup, redeem, void_redemption
from voucher.treasury.services import FundInput, SettlementInput, record_fund, settle
from voucher.vouchers.keys import code_keys
from voucher.vouchers.rules import VoucherNotActive
from voucher.vouchers.services import cancel_voucher, issue_voucher


def assert_books(db, parish):
    report = verify_parish(db.session, parish)
    assert report.ok, report.failures


def test_fund_issue_redeem_void_settle(db, world):
    s = db.session
    parish = world.parishes["a"]
    staff = world.users[("a", "staff")]
    treasurer = world.users[("a", "treasurer")]
    keeper = world.users[("a", "shopkeeper")]
    program = create_program(
        s, parish.id, ProgramInput("Canasta", "food", 15000, 30, "monthly", 1), staff
    )
    family = create_family(
        s, parish.id, FamilyInput("María Nuñez", "rut", "12.345.678-5", consent=True), staff
    )
    enrol_family(s, program, family, staff)
    record_fund(s, parish, FundInput(program.id, 100000, date(2026, 11, 1), "Colecta"), treasurer)
    s.commit()
    issued = issue_voucher(
        s, parish=parish, program=program, family=family, user=staff, keys=code_keys()
    )
    s.commit()
    assert_books(db, parish)
    assert program.fund_available == 85000

    scanner = Scanner(keeper, world.shops["a"], "127.0.0.1")
    seen = lookup(s, scanner, issued.code.lower(), keys=code_keys())
    assert seen.redeemable and seen.voucher.remaining == 15000
    s.commit()
    r1, replayed = redeem(s, scanner, issued.code, 12000, idempotency_key="k1", keys=code_keys())
    s.commit()
    assert not replayed and issued.voucher.remaining == 3000
    again, replayed = redeem(s, scanner, issued.code, 12000, idempotency_key="k1", keys=code_keys())
    assert replayed and again.id == r1.id
    s.commit()
    assert_books(db, parish)
    void_redemption(s, r1, user=keeper)
    s.commit()
    assert issued.voucher.remaining == 15000
    assert_books(db, parish)
    _r2, _ = redeem(s, scanner, issued.code, 15000, idempotency_key="k2", keys=code_keys())
    s.commit()
    assert issued.voucher.status.value == "redeemed"
    settlement, _ = settle(
        s, parish, SettlementInput(world.shops["a"].id, local_today(), "transfer", "T-1"), treasurer
    )
    s.commit()
    assert settlement.amount == 15000
    assert_books(db, parish)
    with pytest.raises(VoucherNotActive):
        cancel_voucher(s, issued.voucher, reason="x", user=staff)
    s.rollback()
    assert_books(db, parish)


def test_void_after_expiry_returns_the_value_to_the_fund(db, world):
    """A voided charge on a voucher that expired meanwhile goes back to the program fund,
    not to the dead voucher; the voucher then has two closing entries and the books hold."""
    from datetime import timedelta

    s = db.session
    parish = world.parishes["a"]
    staff, treasurer = world.users[("a", "staff")], world.users[("a", "treasurer")]
    program = create_program(
        s, parish.id, ProgramInput("Kit", "food", 8000, 10, "monthly", 1), staff
    )
    family = create_family(
        s, parish.id, FamilyInput("Ana Díaz", "rut", "11.111.111-1", consent=True), staff
    )
    enrol_family(s, program, family, staff)
    record_fund(s, parish, FundInput(program.id, 8000, date(2026, 11, 1), "Colecta"), treasurer)
    issued = issue_voucher(
        s, parish=parish, program=program, family=family, user=staff, keys=code_keys()
    )
    s.commit()
    scanner = Scanner(world.users[("a", "shopkeeper")], world.shops["a"], "127.0.0.1")
    charge, _ = redeem(s, scanner, issued.code, 5000, idempotency_key="e1", keys=code_keys())
    s.commit()
    from voucher.vouchers.services import expire_overdue

    assert expire_overdue(s, today=local_today() + timedelta(days=30)) == 1
    s.commit()
    assert program.fund_available == 3000
    void_redemption(s, charge, user=treasurer)
    s.commit()
    voucher = issued.voucher
    assert (voucher.status.value, voucher.remaining, voucher.closed_amount) == ("expired", 0, 8000)
    assert program.fund_available == 8000
    assert_books(db, parish)
