"""Issuing, rounds, cancel, replace and expiry through the services, with the books
checked after every movement of value."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.vouchers.conftest import voucher_row
from voucher.audit.models import AuditEvent
from voucher.dates import local_today
from voucher.errors import NotFound, ValidationFailed
from voucher.families.services import set_active
from voucher.oversight.verify import verify_parish
from voucher.programs.funds import InsufficientFund
from voucher.shops.redemption import Scanner, lookup
from voucher.vouchers import issuing, printing, rules, services
from voucher.vouchers.codes import format_code
from voucher.vouchers.models import Round, Voucher, VoucherStatus


def books_ok(db, parish) -> None:
    report = verify_parish(db.session, parish)
    assert report.ok, report.failures


def vouchers_of(db, program) -> list[Voucher]:
    return list(db.session.scalars(sa.select(Voucher).where(Voucher.program_id == program.id)))


def test_issue_takes_the_value_from_the_fund(db, scheme, keys):
    s = scheme(families=1, fund=20_000)
    issued = services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[0],
        user=s.staff,
        keys=keys,
    )
    db.session.commit()
    voucher = issued.voucher
    assert voucher.amount == voucher.remaining == 15_000
    assert voucher.status == VoucherStatus.ACTIVE
    assert voucher.expires_on == local_today() + timedelta(days=30)
    assert voucher.serial.endswith("-000001")
    db.session.refresh(s.program)
    assert s.program.fund_available == 5_000
    books_ok(db, s.parish)


def test_the_database_never_holds_the_code_in_clear(db, scheme, keys):
    s = scheme(families=1)
    issued = services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[0],
        user=s.staff,
        keys=keys,
    )
    db.session.commit()
    row = voucher_row(db, issued.voucher.id)
    stored = " ".join(str(value) for value in row.values())
    for form in (issued.code, format_code(issued.code), issued.code.lower()):
        assert form not in stored
    # ...yet the lookup hash finds it and the encrypted copy gives it back.
    assert row["code_hash"] == keys.lookup_hash(issued.code)
    assert keys.decrypt(row["code_encrypted"]) == issued.code


def test_a_family_gets_only_its_cycle_limit(db, scheme, keys):
    s = scheme(families=1, per_cycle_limit=1)
    args = dict(parish=s.parish, program=s.program, family=s.families[0], user=s.staff, keys=keys)
    services.issue_voucher(db.session, **args)
    db.session.commit()
    with pytest.raises(issuing.CycleLimitReached) as refused:
        services.issue_voucher(db.session, **args)
    assert refused.value.status == 409 and refused.value.reason == "cycle_limit"
    db.session.rollback()
    # Next month is a new cycle.
    services.issue_voucher(db.session, today=local_today() + timedelta(days=32), **args)


def test_issue_refuses_a_short_fund_and_a_bad_amount(db, scheme, keys):
    s = scheme(families=1, fund=10_000)
    args = dict(parish=s.parish, program=s.program, family=s.families[0], user=s.staff, keys=keys)
    with pytest.raises(InsufficientFund) as refused:
        services.issue_voucher(db.session, **args)
    assert refused.value.reason == "insufficient_fund"
    db.session.rollback()
    for amount in (0, -5, 15_001, True):
        with pytest.raises(ValidationFailed):
            services.issue_voucher(db.session, amount=amount, **args)
        db.session.rollback()
    issued = services.issue_voucher(db.session, amount=10_000, **args)
    assert issued.voucher.amount == 10_000
    db.session.commit()
    books_ok(db, s.parish)


def test_issue_refuses_another_parishs_family_and_inactive_ones(db, scheme, world, keys):
    mine, theirs = scheme(families=1), scheme(families=1, parish="b", name="Otro")
    with pytest.raises(NotFound):
        services.issue_voucher(
            db.session,
            parish=mine.parish,
            program=mine.program,
            family=theirs.families[0],
            user=mine.staff,
            keys=keys,
        )
    db.session.rollback()
    set_active(db.session, mine.families[0], False, mine.staff)
    with pytest.raises(issuing.FamilyInactive):
        services.issue_voucher(
            db.session,
            parish=mine.parish,
            program=mine.program,
            family=mine.families[0],
            user=mine.staff,
            keys=keys,
        )


def test_round_serves_each_family_once_and_says_who_it_skipped(db, scheme, keys):
    s = scheme(families=4, fund=200_000)
    services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[0],
        user=s.staff,
        keys=keys,
    )
    set_active(db.session, s.families[1], False, s.staff)
    db.session.commit()
    result = services.issue_round(
        db.session, parish=s.parish, program=s.program, user=s.staff, keys=keys
    )
    db.session.commit()
    assert len(result.voucher_ids) == 2
    assert sorted(result.skipped, key=lambda x: x["family_id"]) == [
        {"family_id": s.families[0].id, "reason": "already_served"},
        {"family_id": s.families[1].id, "reason": "inactive"},
    ]
    served = {v.family_id for v in vouchers_of(db, s.program) if v.round_id == result.round.id}
    assert served == {s.families[2].id, s.families[3].id}
    db.session.refresh(s.program)
    assert s.program.fund_available == 200_000 - 3 * 15_000
    books_ok(db, s.parish)
    # A second round in the same cycle has nobody left to serve.
    again = services.issue_round(
        db.session, parish=s.parish, program=s.program, user=s.staff, keys=keys
    )
    assert again.voucher_ids == [] and len(again.skipped) == 4


def test_round_is_refused_whole_when_the_fund_is_short(db, scheme, keys):
    s = scheme(families=3, fund=40_000)  # 3 x 15.000 = 45.000
    with pytest.raises(InsufficientFund):
        services.issue_round(
            db.session, parish=s.parish, program=s.program, user=s.staff, keys=keys
        )
    db.session.rollback()
    db.session.refresh(s.program)
    assert s.program.fund_available == 40_000
    assert vouchers_of(db, s.program) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Round)) == 0
    books_ok(db, s.parish)


def test_cancel_returns_the_remaining_value_to_the_fund(db, scheme, keys):
    s = scheme(families=1, fund=15_000)
    issued = services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[0],
        user=s.staff,
        keys=keys,
    )
    db.session.commit()
    with pytest.raises(ValidationFailed):
        services.cancel_voucher(db.session, issued.voucher, reason="  ", user=s.staff)
    db.session.rollback()
    services.cancel_voucher(db.session, issued.voucher, reason="Familia se mudó", user=s.staff)
    db.session.commit()
    voucher = db.session.get(Voucher, issued.voucher.id)
    assert voucher.status == VoucherStatus.CANCELLED
    assert voucher.remaining == 0 and voucher.closed_amount == 15_000
    assert voucher.status_reason == "Familia se mudó"
    db.session.refresh(s.program)
    assert s.program.fund_available == 15_000
    books_ok(db, s.parish)
    with pytest.raises(rules.VoucherNotActive):
        services.cancel_voucher(db.session, voucher, reason="otra vez", user=s.staff)


def test_replace_rekeys_and_the_old_code_is_refused(db, scheme, world, keys):
    s = scheme(families=1)
    old = services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[0],
        user=s.staff,
        keys=keys,
    )
    db.session.commit()
    new = services.replace_voucher(
        db.session, old.voucher, reason="Se perdió", user=s.staff, keys=keys
    )
    db.session.commit()
    assert new.code != old.code and new.voucher.id == old.voucher.id
    assert keys.decrypt(voucher_row(db, old.voucher.id)["code_encrypted"]) == new.code
    scanner = Scanner(world.users[("a", "shopkeeper")], world.shops["a"], "10.0.0.1")
    with pytest.raises(rules.Replaced):
        lookup(db.session, scanner, old.code, keys=keys)
    seen = lookup(db.session, scanner, new.code, keys=keys)
    assert seen.redeemable and seen.voucher.remaining == 15_000
    db.session.commit()
    books_ok(db, s.parish)


def test_expire_is_idempotent_and_returns_value_to_the_fund(db, scheme, keys):
    s = scheme(families=2, fund=30_000)
    long_ago = local_today() - timedelta(days=40)
    services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[0],
        user=s.staff,
        keys=keys,
        today=long_ago,
    )
    live = services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[1],
        user=s.staff,
        keys=keys,
    )
    db.session.commit()
    assert services.expire_overdue(db.session) == 1
    db.session.commit()
    assert services.expire_overdue(db.session) == 0
    db.session.commit()
    statuses = {v.family_id: v.status for v in vouchers_of(db, s.program)}
    assert statuses == {s.families[0].id: VoucherStatus.EXPIRED, live.voucher.family_id: "active"}
    db.session.refresh(s.program)
    assert s.program.fund_available == 15_000
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "vouchers_expired"))
        == 1
    )
    books_ok(db, s.parish)


def test_print_refuses_vouchers_that_are_not_live_or_not_ours(db, scheme, keys):
    s = scheme(families=1)
    other = scheme(families=1, parish="b", name="Otro")
    issued = services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[0],
        user=s.staff,
        keys=keys,
    )
    db.session.commit()
    with pytest.raises(NotFound):
        printing.vouchers_for_print(db.session, other.parish.id, [issued.voucher.id])
    with pytest.raises(ValidationFailed):
        printing.vouchers_for_print(db.session, s.parish.id, [])
    services.cancel_voucher(db.session, issued.voucher, reason="error", user=s.staff)
    db.session.commit()
    with pytest.raises(printing.NotPrintable):
        printing.printable(
            db.session,
            [issued.voucher],
            printing.PrintRun(
                parish=s.parish, keys=keys, base_url="http://vales.test", user=s.staff
            ),
        )
