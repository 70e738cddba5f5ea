"""Balances at a date, the trial balance, the program report and the home page figures,
each checked against a computation made here independently."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.api.contract import PROGRAM_REPORT
from tests.treasury.conftest import at, settle_all
from voucher.ledger import chart
from voucher.ledger.balances import account_balance_at, trial_balance_at
from voucher.ledger.models import Account, AccountDay, Transfer
from voucher.shops.redemption import void_redemption
from voucher.treasury.dashboard import fund_positions, weekly_redemptions
from voucher.treasury.program_report import program_figures
from voucher.vouchers.models import Redemption
from voucher.vouchers.services import cancel_voucher


def brute_force(session, parish_id, day) -> dict[str, tuple[int, int]]:
    """Debits and credits per account code from every transfer dated up to ``day``."""
    codes = dict(
        session.execute(
            sa.select(Account.id, Account.code).where(Account.parish_id == parish_id)
        ).all()
    )
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for debit, credit, amount, when in session.execute(
        sa.select(
            Transfer.debit_account_id,
            Transfer.credit_account_id,
            Transfer.amount,
            Transfer.effective_date,
        ).where(Transfer.parish_id == parish_id)
    ):
        if when <= day:
            totals[codes[debit]][0] += amount
            totals[codes[credit]][1] += amount
    return {code: (d, c) for code, (d, c) in totals.items()}


def spread(t):
    """Redemptions over 90 days, settled twice, so every date has a different picture."""
    base = date.today() - timedelta(days=90)
    t.bulk([(5_000 + 100 * i, at(base + timedelta(days=3 * i), 14)) for i in range(30)])
    t.bulk([(3_000, at(base + timedelta(days=40), 15))], program=t.hygiene)
    settle_all(t.session, t.parish, t.shop.id, t.treasurer)
    t.real_redemption(9_000)
    return base


def test_balances_at_any_date_equal_the_sum_of_transfers_up_to_it(t):
    base = spread(t)
    s, pid = t.session, t.parish.id
    today = date.today()
    # Dates early in the history (added up) and late in it (subtracted from running totals).
    for day in [
        base - timedelta(days=500),
        base - timedelta(days=1),
        base + timedelta(days=5),
        base + timedelta(days=45),
        base + timedelta(days=80),
        today,
        today + timedelta(days=9),
    ]:
        expected = brute_force(s, pid, day)
        rows = trial_balance_at(s, pid, day)
        got = {b.code: (b.debit, b.credit) for b in rows if b.debit or b.credit}
        assert got == {k: v for k, v in expected.items() if v != (0, 0)}, day
        assert sum(b.debit for b in rows) == sum(b.credit for b in rows)
        payable = chart.account_id(s, pid, chart.payable_code(t.shop.id))
        one = account_balance_at(s, payable, day)
        assert (one.debit, one.credit) == expected.get(one.code, (0, 0))
    # Assets first, bank before anything else; the fixed accounts always listed.
    codes = [b.code for b in trial_balance_at(s, pid, base - timedelta(days=500))]
    assert codes[0] == "bank" and "vouchers" in codes


def day_totals(session) -> list[tuple]:
    return [
        tuple(row)
        for row in session.execute(
            sa.select(
                AccountDay.account_id,
                AccountDay.day,
                AccountDay.parish_id,
                AccountDay.debits,
                AccountDay.credits,
            ).order_by(AccountDay.account_id, AccountDay.day)
        )
    ]


def test_the_migration_builds_the_same_day_totals_as_posting(t, db):
    """Books posted before the day totals existed get them from their transfers."""
    spread(t)
    posted = day_totals(t.session)
    assert len(posted) > 30
    t.session.commit()
    t.session.close()
    downgrade(revision="0002")
    assert "ledger_account_day" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    assert day_totals(db.session) == posted


def test_program_report_figures(t):
    s = t.session
    base = spread(t)
    # A cancelled voucher returns its value; a void takes a redemption back.
    redemption = t.real_redemption(2_000)
    voucher = redemption.voucher
    cancel_voucher(s, voucher, reason="familia se mudó", user=t.staff)
    s.commit()
    ids = t.bulk([(1_500, at(date.today() - timedelta(days=1), 16))])
    void_redemption(s, s.get(Redemption, ids[0]), user=t.treasurer)
    s.commit()
    t.assert_books()
    today = date.today()
    figures = {
        f.row.name: f.row for f in program_figures(s, t.parish, base - timedelta(days=400), today)
    }
    food, hygiene = figures["Canasta"], figures["Aseo"]
    assert food.funded == 50_000_000 and hygiene.funded == 20_000_000
    food_bulk = sum(5_000 + 100 * i for i in range(30))
    # Issued: 30 + 1 bulk vouchers, and two real ones of $20.000 (the program's value).
    assert (food.issued_count, food.issued) == (33, food_bulk + 1_500 + 2 * 20_000)
    assert (food.redeemed_count, food.redeemed) == (33, food_bulk + 9_000 + 2_000)
    assert (food.cancelled_count, food.cancelled) == (1, 18_000)
    assert food.outstanding == 20_000 - 9_000 + 1_500
    assert (hygiene.issued, hygiene.redeemed, hygiene.outstanding) == (3_000, 3_000, 0)
    # The whole outstanding equals the vouchers account; at an earlier date too.
    vouchers = {b.code: b for b in trial_balance_at(s, t.parish.id, today)}["vouchers"]
    assert food.outstanding + hygiene.outstanding == vouchers.credit - vouchers.debit
    early = base + timedelta(days=10)
    at_early = {f.row.name: f.row for f in program_figures(s, t.parish, early, early)}
    vouchers_then = {b.code: b for b in trial_balance_at(s, t.parish.id, early)}["vouchers"]
    assert (
        sum(r.outstanding for r in at_early.values()) == vouchers_then.credit - vouchers_then.debit
    )


def test_home_page_figures(t):
    s = t.session
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    t.bulk(
        [(4_000, at(monday - timedelta(days=7), 15)), (6_000, at(monday - timedelta(days=6), 15))]
    )
    t.bulk([(2_500, at(monday - timedelta(days=14), 15))], program=t.hygiene)
    t.bulk([(99_000, at(monday - timedelta(weeks=9), 15))])  # older than the chart
    weeks = weekly_redemptions(s, t.parish, today=today)
    assert len(weeks) == 8 and weeks[-1].start == monday
    assert (weeks[-2].food, weeks[-2].hygiene) == (10_000, 0)
    assert (weeks[-3].food, weeks[-3].hygiene) == (0, 2_500)
    assert sum(w.food + w.hygiene for w in weeks) == 12_500
    positions = {p.name: p for p in fund_positions(s, t.parish)}
    food = positions["Canasta"]
    assert (food.committed, food.spent) == (0, 4_000 + 6_000 + 99_000)
    assert food.available == 50_000_000 - 109_000
    assert positions["Aseo"].spent == 2_500


def test_api_reports(t, api):
    base = spread(t)
    client = api("treasurer")
    today = date.today()
    trial = client.get(f"/api/v1/reports/trial-balance?at={today.isoformat()}")
    assert trial.status_code == 200
    body = trial.get_json()
    assert body["total_debit"] == body["total_credit"] > 0
    for account in body["accounts"]:
        assert set(account) >= {"code", "name", "type", "debit", "credit", "balance"}
        assert account["balance"] == account["debit"] - account["credit"]
    assert api("admin").get("/api/v1/reports/trial-balance").status_code == 200
    assert api("staff").get("/api/v1/reports/trial-balance").status_code == 403
    assert client.get("/api/v1/reports/trial-balance?at=ayer").status_code == 422

    period = f"from={(base - timedelta(days=400)).isoformat()}&to={today.isoformat()}"
    programs = client.get(f"/api/v1/reports/programs?{period}").get_json()["programs"]
    assert {p["name"] for p in programs} == {"Canasta", "Aseo"}
    for p in programs:
        assert set(p) >= PROGRAM_REPORT
    bad = client.get(f"/api/v1/reports/programs?from={today.isoformat()}&to={base.isoformat()}")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "from"
    assert client.get("/api/v1/reports/programs?from=2026-01-01").status_code == 422
