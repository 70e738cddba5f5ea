"""Treasury benchmark over a parish with 200 shops and about 1,000,000 ledger transfers.

(a) a shop statement with 20,000 redemptions: data gathering + PDF, budget 5 s;
(b) the shop balances (service, treasurer home page, API) for 200 shops, budget 300 ms;
(c) the trial balance and one shop's balance at the end of last month (service and API),
    budget 200 ms; and, for information, at a date in the middle of the year.

Each figure is the median of --runs timed calls after a warm-up, wall clock and this
process's CPU time (on a shared machine the wall clock also counts waiting for a core).

    .venv/bin/python benchmarks/bench_treasury.py                      # SQLite
    .venv/bin/python benchmarks/bench_treasury.py --database-url postgresql://postgres@127.0.0.1:5432/test

The data is a year of a busy parish: vouchers issued every day and spent in three visits,
shops paid monthly (the busiest one weekly), built with bulk inserts whose money all goes
through ``voucher.ledger.posting.post_entries``; ``ledger verify`` must pass on it. By
default it lives in a scratch database removed afterwards; ``--keep URL`` builds into (or
reuses) a database you name, to measure again without rebuilding.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bulk
import sqlalchemy as sa
from support import make_app, rut_for, temporary_database

TZ = "America/Santiago"
SHOPS = 200
STATEMENT_LINES = 20_000
VALUE = 20_000
VISITS = (8_000, 7_000, 5_000)  # a voucher is spent in three visits
PASSWORD = "bench-password-123"
BUDGETS = {"statement": 5.0, "balances": 0.300, "at_date": 0.200}
CHART_TTL = 300


def local_moment(day: date, seconds: int) -> datetime:
    return datetime.combine(day, dtime.min, tzinfo=ZoneInfo(TZ)).astimezone(UTC) + timedelta(
        seconds=seconds
    )


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


# --- building the books ------------------------------------------------------------------------


def build(session, transfers: int, say: Callable[[str], None]) -> dict:
    from voucher.auth.models import Role
    from voucher.auth.services import create_user
    from voucher.dates import local_today
    from voucher.families.services import FamilyInput, create_family
    from voucher.parishes.services import create_parish
    from voucher.programs.services import ProgramInput, create_program
    from voucher.shops.services import ShopInput, create_shop, enrol_shop
    from voucher.treasury.services import FundInput, record_fund

    rng = random.Random(2026)
    today = local_today(TZ)
    now = datetime.now(UTC)
    heavy_month = month_start(month_start(today) - timedelta(days=1))  # last full month
    first_month = month_start(today - timedelta(days=365))
    parish = create_parish(session, slug="bench-treasury", name="Parroquia Benchmark")
    treasurer = create_user(
        session,
        email="tesoreria@bench.cl",
        password=PASSWORD,
        role=Role.TREASURER,
        name="Tesorería",
        parish=parish,
    )
    staff = create_user(
        session,
        email="staff@bench.cl",
        password=PASSWORD,
        role=Role.STAFF,
        name="Voluntaria",
        parish=parish,
    )
    food = create_program(
        session, parish.id, ProgramInput("Canasta", "food", VALUE, 60, "monthly", 31), staff
    )
    hygiene = create_program(
        session, parish.id, ProgramInput("Aseo", "hygiene", VALUE, 60, "monthly", 31), staff
    )
    family = create_family(
        session,
        parish.id,
        FamilyInput("Familia Benchmark", "rut", rut_for(999_999), consent=True),
        staff,
    )
    shops = []
    for n in range(SHOPS):
        shop = create_shop(
            session, ShopInput(f"Almacén {n:03d}", rut_for(100_000 + n), ["food", "hygiene"])
        )
        enrol_shop(session, shop, parish.id)
        shops.append(shop)
    vouchers = max(1, transfers // (1 + len(VISITS)))
    for program, share in ((food, 0.8), (hygiene, 0.2)):
        need = int(vouchers * share * VALUE) + VALUE * 10_000
        while need > 0:
            amount = min(need, 100_000_000)
            record_fund(
                session,
                parish,
                FundInput(program.id, amount, first_month, "Aporte anual"),
                treasurer,
            )
            need -= amount
    session.commit()

    months = []
    cursor = first_month
    while cursor <= today:
        months.append(cursor)
        cursor = next_month(cursor)
    heavy_vouchers = STATEMENT_LINES // len(VISITS) + 1
    per_month = max(1, (vouchers - heavy_vouchers) // len(months))
    started = time.perf_counter()
    made = 0
    for month in months:
        last_day = min(next_month(month) - timedelta(days=1), today)
        days = (last_day - month).days + 1
        plans: dict[int, list] = {food.id: [], hygiene.id: []}
        count = per_month + (heavy_vouchers if month == heavy_month else 0)
        for index in range(count):
            heavy = month == heavy_month and index < heavy_vouchers
            shop = shops[0] if heavy else shops[1 + rng.randrange(SHOPS - 1)]
            program = food if heavy or rng.random() < 0.8 else hygiene
            day = month + timedelta(days=rng.randrange(days))
            issued = local_moment(day, 9 * 3600 + rng.randrange(8 * 3600))
            visits = []
            for visit, amount in enumerate(VISITS):
                when = issued + timedelta(hours=1 + 30 * visit, minutes=rng.randrange(50))
                if heavy:
                    when = min(when, local_moment(next_month(month), -60 - index))
                if when < now:
                    visits.append((shop.id, amount, when))
            plans[program.id].append(bulk.PlannedVoucher(VALUE, day, visits))
        for program in (food, hygiene):
            bulk.build(session, parish, program, family.id, plans[program.id], user_id=staff.id)
        session.commit()
        made += count
        # Payments: the busy shop weekly, the others on the 5th of the next month.
        payments = []
        if month == heavy_month:
            monday = month - timedelta(days=month.weekday()) + timedelta(weeks=1)
            while monday <= next_month(month) + timedelta(days=7):
                if local_moment(monday, 15 * 3600) < now:
                    payments.append(
                        (shops[0].id, local_moment(monday, 0), local_moment(monday, 15 * 3600))
                    )
                monday += timedelta(weeks=1)
        pay_day = local_moment(next_month(month) + timedelta(days=4), 15 * 3600)
        if pay_day < now:
            cut = local_moment(next_month(month), 0)
            payments += [(shop.id, cut, pay_day) for shop in shops[1:]]
        bulk.pay(session, parish, payments, user_id=treasurer.id)
        session.commit()
        rate = made / (time.perf_counter() - started)
        say(f"  {month:%Y-%m}: {made:,} vouchers so far ({rate:,.0f} vouchers/s)")
    return {"parish_id": parish.id, "heavy_month": heavy_month}


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Timing:
    wall: float  # median seconds
    worst: float
    cpu: float  # median CPU seconds of this process (wall also counts waiting for a core)
    result: object


def timed(runs: int, func: Callable[[], object]) -> Timing:
    """``runs`` calls after one warm-up."""
    result = func()
    walls, cpus = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    return Timing(statistics.median(walls), max(walls), statistics.median(cpus), result)


def line(label: str, t: Timing, budget: float) -> str:
    verdict = "OK" if t.wall < budget else "TOO SLOW"
    return (
        f"    {label:<15} {t.wall * 1000:7.1f} ms (worst {t.worst * 1000:.1f}, cpu {t.cpu * 1000:.1f})"
        f"  [budget {budget * 1000:.0f} ms: {verdict}]"
    )


def measure(app, parish_id: int, heavy_month: date, runs: int) -> bool:
    from voucher.auth.models import User
    from voucher.auth.services import create_token
    from voucher.extensions import db
    from voucher.ledger import chart
    from voucher.ledger.balances import account_balance_at, trial_balance_at
    from voucher.ledger.models import Transfer
    from voucher.parishes.models import Parish
    from voucher.shops.models import Shop
    from voucher.treasury.dashboard import weekly_redemptions
    from voucher.treasury.documents import statement_totals
    from voucher.treasury.papers import render_statement
    from voucher.treasury.services import shop_balances
    from voucher.treasury.statement import shop_statement
    from voucher.vouchers.models import Redemption

    s = db.session
    parish = s.get(Parish, parish_id)
    heavy_shop = s.scalar(sa.select(Shop).where(Shop.name == "Almacén 000"))
    transfers = s.scalar(
        sa.select(sa.func.count()).select_from(Transfer).where(Transfer.parish_id == parish_id)
    )
    redemptions = s.scalar(
        sa.select(sa.func.count()).select_from(Redemption).where(Redemption.parish_id == parish_id)
    )
    print(
        f"books: {transfers:,} transfers, {redemptions:,} redemptions, {SHOPS} shops; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    ok = True

    # (a) the busy shop's statement for its busy month
    period_end = next_month(heavy_month) - timedelta(days=1)
    gather = timed(runs, lambda: shop_statement(s, parish, heavy_shop, heavy_month, period_end))
    statement = gather.result.statement
    render = timed(max(1, runs // 2), lambda: render_statement(statement))
    redeemed = sum(1 for x in statement.lines if x.kind == "redemption")
    total = gather.wall + render.wall
    ok &= total < BUDGETS["statement"]
    print(
        f"(a) statement {heavy_month:%Y-%m}: {len(statement.lines):,} lines ({redeemed:,} redemptions), "
        f"closing {statement_totals(statement).closing:,}, {len(render.result):,} bytes"
    )
    print(line("gather", gather, BUDGETS["statement"]))
    print(line("PDF", render, BUDGETS["statement"]))
    print(
        f"    together        {total:7.2f} s (cpu {gather.cpu + render.cpu:.2f} s)  "
        f"[budget {BUDGETS['statement']:.0f} s: {'OK' if total < BUDGETS['statement'] else 'TOO SLOW'}]"
    )

    # (b) what every shop is owed
    service = timed(runs, lambda: shop_balances(s, parish_id))
    treasurer = s.scalar(sa.select(User).where(User.email == "tesoreria@bench.cl"))
    _row, token = create_token(s, treasurer, "bench")
    s.commit()
    web, api = app.test_client(), app.test_client()
    web.post("/login", data={"email": treasurer.email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token}"}

    def get(client, path, **kw):
        answer = client.get(path, **kw)
        assert answer.status_code == 200, (path, answer.status_code)
        return answer

    get(web, "/treasury/")  # first request of the process: templates compiled
    started = time.perf_counter()
    app.extensions.pop("treasury_chart", None)
    get(web, "/treasury/")
    cold_wall = time.perf_counter() - started
    chart_sums = timed(runs, lambda: weekly_redemptions(s, parish))
    page = timed(runs, lambda: get(web, "/treasury/"))
    every = timed(runs, lambda: get(api, "/api/v1/shops/balances", headers=headers))
    one = timed(runs, lambda: get(api, f"/api/v1/shops/{heavy_shop.id}/balance", headers=headers))
    owed = sum(b.owed for b in service.result)
    ok &= max(service.wall, page.wall, every.wall, one.wall) < BUDGETS["balances"]
    print(f"(b) shop balances: {len(service.result)} shops, {owed:,} owed in all")
    for label, t in (
        ("service", service),
        ("home page", page),
        ("API all shops", every),
        ("API one shop", one),
    ):
        print(line(label, t, BUDGETS["balances"]))
    print(
        f"    the home page when its chart is added up afresh (every {CHART_TTL} s): "
        f"{cold_wall * 1000:.0f} ms; the chart's sums alone {chart_sums.wall * 1000:.0f} ms "
        f"(cpu {chart_sums.cpu * 1000:.0f})"
    )

    # (c) balances at a date: the end of the busy month, and a day early in the year
    payable = chart.account_id(s, parish_id, chart.payable_code(heavy_shop.id))
    # The end of the last month is the date a treasurer asks for. The work grows with the
    # transfers on the shorter side of the date (after it, or up to it), so a date in the
    # middle of the year is the dearest: shown for information, not held to the budget.
    print("(c) at a date:")
    for day, counted in ((period_end, True), (heavy_month - timedelta(days=150), False)):
        trial = timed(runs, lambda day=day: trial_balance_at(s, parish_id, day))
        single = timed(runs, lambda day=day: account_balance_at(s, payable, day))
        over_api = timed(
            runs,
            lambda day=day: get(api, f"/api/v1/reports/trial-balance?at={day}", headers=headers),
        )
        rows = trial.result
        debit = sum(r.debit for r in rows)
        assert debit == sum(r.credit for r in rows)
        if counted:
            ok &= max(trial.wall, single.wall, over_api.wall) < BUDGETS["at_date"]
        print(
            f"  {day}{'' if counted else ' (mid-year, for information)'}: {len(rows)} accounts, "
            f"debits = credits = {debit:,}; shop 000 owed {-single.result.balance:,}"
        )
        for label, t in (("trial balance", trial), ("API trial", over_api), ("one shop", single)):
            print(line(label, t, BUDGETS["at_date"]))
    s.rollback()
    return ok


def run(url: str, transfers: int, runs: int, verify: bool) -> bool:
    # The test client logs in with a plain form post (no CSRF token to scrape).
    app = make_app(url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        from voucher.extensions import db
        from voucher.oversight.verify import verify_parish
        from voucher.parishes.models import Parish

        engine = db.engine.dialect.name
        parish = db.session.scalar(sa.select(Parish).where(Parish.slug == "bench-treasury"))
        if parish is None:
            print(f"Building {transfers:,} transfers on {engine} …")
            # Batched multi-row INSERTs while building (psycopg would send one row per
            # statement otherwise); switched back before anything is measured.
            db.engine.dialect.use_insertmanyvalues_wo_returning = engine == "postgresql"
            started = time.perf_counter()
            built = build(db.session, transfers, print)
            db.engine.dialect.use_insertmanyvalues_wo_returning = False
            print(f"built in {time.perf_counter() - started:.0f} s")
            parish = db.session.get(Parish, built["parish_id"])
            if engine == "postgresql":
                # What autovacuum does soon after a load (statistics, and the visibility
                # map that lets the covering indexes answer without visiting the table).
                db.session.commit()
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            print(f"Reusing the books already in {url.split('@')[-1]}")
        from voucher.dates import local_today

        heavy_month = month_start(month_start(local_today(TZ)) - timedelta(days=1))
        if verify:
            started = time.perf_counter()
            report = verify_parish(db.session, parish)
            db.session.rollback()
            print(
                f"ledger verify: {'OK' if report.ok else 'FAILED'} in {time.perf_counter() - started:.0f} s"
            )
            if not report.ok:
                for failure in report.failures:
                    print(f"  {failure}")
                return False
        return measure(app, parish.id, heavy_month, runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on")
    parser.add_argument("--keep", metavar="URL", help="build into / reuse this database instead")
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median)")
    parser.add_argument("--no-verify", action="store_true", help="skip ledger verify")
    args = parser.parse_args()
    if args.keep:
        url = args.keep.replace("postgresql://", "postgresql+psycopg://", 1)
        ok = run(url, args.transfers, args.runs, not args.no_verify)
    else:
        with temporary_database(args.database_url) as url:
            ok = run(url, args.transfers, args.runs, not args.no_verify)
    print("ALL WITHIN BUDGET" if ok else "SOME FIGURES OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
