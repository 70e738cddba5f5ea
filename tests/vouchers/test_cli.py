"""``flask vouchers expire``: the daily job, safe to run again."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from voucher.dates import local_today
from voucher.oversight.verify import verify_parish
from voucher.programs.models import Program
from voucher.vouchers import services
from voucher.vouchers.models import Voucher, VoucherStatus


def test_expire_closes_overdue_vouchers_once(db, app, scheme, keys, client):
    s = scheme(families=2, fund=30_000)
    old = services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[0],
        user=s.staff,
        keys=keys,
        today=local_today() - timedelta(days=31),
    )
    services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[1],
        user=s.staff,
        keys=keys,
    )
    db.session.commit()
    # Before the job the paper already answers "expired".
    assert "Vale vencido" in client.get(f"/r/{old.code}").get_data(as_text=True)

    runner = app.test_cli_runner()
    first = runner.invoke(args=["vouchers", "expire"])
    assert first.exit_code == 0, first.output
    assert "1 voucher(s) expired." in first.output
    second = runner.invoke(args=["vouchers", "expire", "--parish", s.parish.slug])
    assert second.exit_code == 0 and "0 voucher(s) expired." in second.output

    db.session.expire_all()
    assert db.session.get(Voucher, old.voucher.id).status == VoucherStatus.EXPIRED
    assert db.session.get(Program, s.program.id).fund_available == 15_000
    assert verify_parish(db.session, s.parish).ok
    assert "Vale vencido" in client.get(f"/r/{old.code}").get_data(as_text=True)


def test_expire_with_a_given_day_and_parish(db, app, scheme, keys):
    s = scheme(families=1, fund=15_000)
    services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[0],
        user=s.staff,
        keys=keys,
    )
    db.session.commit()
    runner = app.test_cli_runner()
    later = (local_today() + timedelta(days=31)).isoformat()
    other = runner.invoke(args=["vouchers", "expire", "--parish", "san-esteban", "--today", later])
    assert "0 voucher(s) expired." in other.output
    done = runner.invoke(args=["vouchers", "expire", "--today", later])
    assert "1 voucher(s) expired." in done.output
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Voucher.status == VoucherStatus.EXPIRED))
        == 1
    )
    unknown = runner.invoke(args=["vouchers", "expire", "--parish", "nowhere"])
    assert unknown.exit_code != 0 and "No parish" in unknown.output
    bad_day = runner.invoke(args=["vouchers", "expire", "--today", "31-12-2026"])
    assert bad_day.exit_code != 0
