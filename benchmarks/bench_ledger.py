"""Ledger benchmark: posting throughput, trial balance, a shop's balance at a date and
`ledger verify`, over a parish with about 1,000,000 postings.

    .venv/bin/python benchmarks/bench_ledger.py                       # SQLite
    .venv/bin/python benchmarks/bench_ledger.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_data import build
from support import Timer, best_of, make_app, temporary_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database on")
    parser.add_argument("--postings", type=int, default=1_000_000)
    args = parser.parse_args()
    with temporary_database(args.database_url) as url:
        app = make_app(url)
        with app.app_context():
            run(app, args.postings, url.split(":")[0])


def run(app, postings: int, engine: str) -> None:
    from voucher.extensions import db
    from voucher.ledger import chart
    from voucher.oversight.verify import verify_parish

    session = db.session
    print(f"Building a parish with {postings:,} postings on {engine} …")
    built = build(session, postings)
    rate = built.posted_entries / built.posting_seconds
    print(
        f"posting: {built.posted_entries:,} entries in {built.posting_seconds:.1f} s "
        f"= {rate:,.0f} entries/s (batches of 5,000 per transaction; target ≥ 2,000/s)"
    )

    from voucher.ledger import balances

    at = date(2026, 6, 30)
    shop = built.shops[7]
    account = chart.account_id(session, built.parish.id, chart.payable_code(shop.id))
    tb = best_of(5, lambda: balances.trial_balance_at(session, built.parish.id, at))
    print(f"trial balance at {at}: {tb * 1000:.1f} ms (target < 200 ms)")
    sb = best_of(5, lambda: balances.account_balance_at(session, account, at))
    print(f"one shop's balance at {at}: {sb * 1000:.1f} ms (target < 200 ms)")
    session.rollback()
    with Timer() as t:
        report = verify_parish(session, built.parish)
    print(
        f"ledger verify: {t.seconds:.1f} s, {'OK' if report.ok else report.failures} (target < 30 s)"
    )


if __name__ == "__main__":
    main()
