"""Backup benchmark: `backup create` and `backup restore` of a parish with about
1,000,000 postings (and the vouchers and redemptions they point at), on one engine.

    .venv/bin/python benchmarks/bench_backup.py                       # SQLite
    .venv/bin/python benchmarks/bench_backup.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_data import build
from support import Timer, make_app, temporary_database

PASSPHRASE = "bench passphrase for the backup"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server to create scratch databases on")
    parser.add_argument("--postings", type=int, default=1_000_000)
    args = parser.parse_args()
    from voucher.backup.restore import restore
    from voucher.backup.snapshot import create_backup
    from voucher.extensions import db
    from voucher.vouchers.keys import master_key

    engine = (args.database_url or "sqlite").split(":")[0]
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "bench.backup"
        with temporary_database(args.database_url) as source_url:
            source = make_app(source_url)
            with source.app_context():
                print(f"Building a parish with {args.postings:,} postings on {engine} …")
                build(db.session, args.postings, on_progress=lambda *_: None)
                db.session.commit()
                with Timer() as made, archive.open("wb") as out:
                    manifest = create_backup(db.engine, out, PASSPHRASE, master_key())
                db.session.remove()
                db.engine.dispose()
        rows = sum(manifest["counts"].values())
        size = archive.stat().st_size / 2**20
        print(f"backup create: {made.seconds:.1f} s for {rows:,} rows, {size:.0f} MiB encrypted")
        with temporary_database(args.database_url) as target_url:
            target = make_app(target_url, VOUCHER_KEY_FILE=os.path.join(folder, "voucher_key"))
            with target.app_context():
                with Timer() as restored:
                    outcome = restore(archive, PASSPHRASE)
                verdict = "OK" if outcome.ok else "; ".join(outcome.failures[:3])
                print(
                    f"backup restore: {restored.seconds:.1f} s (load, migrate, ledger verify "
                    f"and comparison with the manifest): {verdict}"
                )
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
