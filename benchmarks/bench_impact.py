"""Impact report benchmark: a parish with 1,000 families and a year of vouchers (one a
month each, spent in one or two visits at 30 shops, some left unused), the report's figures
and its PDF with charts. Target: the PDF (figures + drawing) in under 1 s.

    .venv/bin/python benchmarks/bench_impact.py                      # SQLite
    .venv/bin/python benchmarks/bench_impact.py --database-url postgresql://postgres@127.0.0.1:5432/test

Prints the best of --runs timed calls (wall clock) after a warm-up.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bulk
from support import best_of, make_app, rut_for, temporary_database

FAMILIES = 1_000
SHOPS = 30
VALUE = 20_000
TARGET_SECONDS = 1.0
SECTORS = ["Villa Los Aromos", "Población El Sol", "Villa O'Higgins", "Los Quillayes", ""]
PASSWORD = "bench-password-123"


def build(session) -> tuple[object, date, date]:
    from voucher.auth.models import Role
    from voucher.auth.services import create_user
    from voucher.dates import local_today
    from voucher.families.services import FamilyInput, create_family
    from voucher.parishes.services import create_parish
    from voucher.programs.services import ProgramInput, create_program
    from voucher.shops.services import ShopInput, create_shop, enrol_shop
    from voucher.treasury.services import FundInput, record_fund

    rng = random.Random(2026)
    parish = create_parish(session, slug="bench-impact", name="Parroquia Benchmark")
    staff = create_user(
        session, email="s@bench.cl", password=PASSWORD, role=Role.STAFF, parish=parish
    )
    treasurer = create_user(
        session, email="t@bench.cl", password=PASSWORD, role=Role.TREASURER, parish=parish
    )
    food = create_program(
        session, parish.id, ProgramInput("Canasta", "food", VALUE, 60, "monthly", 1), staff
    )
    today = local_today(parish.timezone)
    start = (today - timedelta(days=365)).replace(day=1)
    need = FAMILIES * 13 * VALUE
    while need > 0:
        amount = min(need, 100_000_000)
        record_fund(session, parish, FundInput(food.id, amount, start, "Aporte"), treasurer)
        need -= amount
    shops = []
    for n in range(SHOPS):
        shop = create_shop(session, ShopInput(f"Almacén {n:02d}", rut_for(300_000 + n), ["food"]))
        enrol_shop(session, shop, parish.id)
        shops.append(shop.id)
    families = [
        create_family(
            session,
            parish.id,
            FamilyInput(
                f"Familia {n}",
                "rut",
                rut_for(n),
                household_adults=rng.randint(1, 3),
                household_children=rng.randint(0, 4),
                sector=SECTORS[n % len(SECTORS)],
                consent=True,
            ),
            staff,
        ).id
        for n in range(FAMILIES)
    ]
    session.commit()
    plan = []
    for family_id in families:
        for month in range(12):
            issued = (start + timedelta(days=31 * month)).replace(day=rng.randint(1, 25))
            if issued > today:
                continue
            first = datetime(issued.year, issued.month, issued.day, 15, tzinfo=UTC) + timedelta(
                days=rng.randint(0, 9)
            )
            visits = []
            luck = rng.random()
            if luck < 0.6:
                visits = [
                    (rng.choice(shops), 12_000, first),
                    (rng.choice(shops), 8_000, first + timedelta(days=3)),
                ]
            elif luck < 0.9:
                visits = [(rng.choice(shops), rng.randint(1, 19) * 1000, first)]
            visits = [v for v in visits if v[2] < datetime.now(UTC)]
            plan.append(bulk.PlannedVoucher(VALUE, issued, visits, family_id=family_id))
    bulk.build(session, parish, food, families[0], plan, user_id=staff.id)
    session.commit()
    return parish, start, today


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL server to use")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with temporary_database(args.database_url or None) as url:
        app = make_app(url)
        with app.app_context(), app.test_request_context("/treasury/impact"):
            from voucher.extensions import db
            from voucher.treasury.impact import impact_report
            from voucher.treasury.impact_papers import render_impact_report

            parish, start, end = build(db.session)
            report = impact_report(db.session, [parish], start, end)
            print(
                f"data: {report.totals.households} households, {report.totals.people} people, "
                f"{report.totals.vouchers_issued} vouchers, {len(report.shops)} shops, "
                f"{len(report.months)} months"
            )
            figures = best_of(args.runs, lambda: impact_report(db.session, [parish], start, end))
            pdf = best_of(
                args.runs,
                lambda: render_impact_report(impact_report(db.session, [parish], start, end)),
            )
            size = len(render_impact_report(report))
            verdict = "OK" if pdf < TARGET_SECONDS else "OVER TARGET"
            print(f"impact figures: {figures * 1000:.0f} ms")
            print(
                f"impact PDF (figures + charts + tables, {size // 1024} KiB): "
                f"{pdf * 1000:.0f} ms (target < {TARGET_SECONDS * 1000:.0f} ms) {verdict}"
            )


if __name__ == "__main__":
    main()
