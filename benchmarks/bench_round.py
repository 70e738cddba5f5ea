"""A round for 2,000 households: issuance (database + ledger, committed), then its PDF
(decrypt, count and audit the prints, then render), on a database built by the
migrations.

The PDF is measured against the floor of benchmarks/bench_voucher_pdf.py: the least
reportlab can do for the same paper (same QR matrices, same strings, no layout).

Run from the repository root:  .venv/bin/python benchmarks/bench_round.py
PostgreSQL:  .venv/bin/python benchmarks/bench_round.py --database-url postgresql://postgres@127.0.0.1:5432/test
(a temporary database is created next to the one named, and dropped afterwards).
Targets: issuance < 2 s; PDF < 5 s, < 3 MB and at most 1.5x the floor.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from bench_voucher_pdf import TARGET_BYTES, TARGET_RATIO
from bench_voucher_pdf import TARGET_SECONDS as TARGET_PDF_SECONDS
from bench_voucher_pdf import floor as pdf_floor
from support import rut_for

FAMILIES = 2_000
ROUNDS = 3
TARGET_ISSUE_SECONDS = 2.0
BASE_URL = "https://vales.parroquiajesusmaestro.cl"
VOUCHER_AMOUNT = 15_000


# --- a database built by the migrations -------------------------------------------------------


def _psycopg_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@contextlib.contextmanager
def temporary_database(database_url: str | None) -> Iterator[str]:
    """A fresh SQLite file, or a fresh database on the PostgreSQL server named."""
    if not database_url:
        with tempfile.TemporaryDirectory(prefix="vales-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    admin_url = _psycopg_url(database_url)
    name = f"vales_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


def make_app(url: str, folder: str) -> Any:
    from flask_migrate import upgrade

    from voucher import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "VOUCHER_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "VOUCHER_KEY_FILE": os.path.join(folder, "voucher_key"),
            "VOUCHER_BASE_URL": BASE_URL,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )
    with app.app_context():
        upgrade()
    return app


# --- data ------------------------------------------------------------------------------------


def seed(session: Any, families: int) -> tuple[Any, Any, Any]:
    """A parish, its staff member and treasurer, and a program with ``families``
    households enrolled and enough fund for ROUNDS rounds."""
    from voucher.auth.models import Role
    from voucher.auth.services import create_user
    from voucher.dates import local_today
    from voucher.families.services import FamilyInput, create_family
    from voucher.parishes.services import create_parish
    from voucher.programs.services import ProgramInput, create_program, enrol_family
    from voucher.treasury.services import FundInput, record_fund

    parish = create_parish(session, slug="jesus-maestro", name="Parroquia Jesús Maestro")
    staff = create_user(
        session,
        email="staff@bench.cl",
        password="bench-password-1",
        role=Role.STAFF,
        name="Staff",
        parish=parish,
    )
    treasurer = create_user(
        session,
        email="tesoreria@bench.cl",
        password="bench-password-1",
        role=Role.TREASURER,
        name="Tesorería",
        parish=parish,
    )
    program = create_program(
        session,
        parish.id,
        ProgramInput("Canasta familiar", "food", VOUCHER_AMOUNT, 45, "monthly", 1),
        staff,
    )
    for number in range(families):
        family = create_family(
            session,
            parish.id,
            FamilyInput(f"Familia {number}", "rut", rut_for(number), consent=True),
            staff,
        )
        enrol_family(session, program, family, staff)
    needed = ROUNDS * families * VOUCHER_AMOUNT
    chunk = 90_000_000
    while needed > 0:
        amount = min(chunk, needed)
        record_fund(
            session, parish, FundInput(program.id, amount, local_today(), "Colecta"), treasurer
        )
        needed -= amount
    session.commit()
    return parish, program, staff


def cycle_day(index: int) -> date:
    """Round ``index`` runs in its own month, so each one serves every household."""
    return date(2026, 1 + index, 5)


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Runs:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def time(self, work: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return result

    def line(self, name: str, extra: str = "") -> str:
        return (
            f"{name:<34} best {min(self.wall):6.2f} s   median {statistics.median(self.wall):6.2f} s"
            f"   cpu best {min(self.cpu):6.2f} s{extra}"
        )


def measure_issuance(
    session: Any, parish: Any, program: Any, staff: Any, keys: Any, families: int
) -> tuple[Runs, list[int]]:
    """ROUNDS rounds, each in its own month; database and ledger work, committed."""
    from voucher.vouchers.services import issue_round

    runs, round_ids = Runs(), []
    for index in range(ROUNDS):

        def one_round(day: date = cycle_day(index)) -> Any:
            result = issue_round(
                session, parish=parish, program=program, user=staff, keys=keys, today=day
            )
            session.commit()
            return result

        result = runs.time(one_round)
        assert len(result.voucher_ids) == families, "a round did not serve every household"
        round_ids.append(result.round.id)
    return runs, round_ids


def measure_pdf(
    session: Any, round_id: int, parish: Any, staff: Any, keys: Any
) -> tuple[Runs, Runs, int, list]:
    """The round's sheets as the web view makes them: load, decrypt, count and audit the
    prints (committed), then render. Returns (whole, render alone, size, what was drawn)."""
    from voucher.pdf.vouchers import render_voucher_sheets
    from voucher.vouchers.models import Round
    from voucher.vouchers.printing import PrintRun, printable, round_vouchers

    whole, render = Runs(), Runs()
    drawn: list = []
    size = 0
    for _ in range(ROUNDS):

        def sheets() -> bytes:
            vouchers = round_vouchers(session, session.get(Round, round_id), today=cycle_day(0))
            run = PrintRun(parish=parish, keys=keys, base_url=BASE_URL, user=staff)
            items = printable(session, vouchers, run, today=cycle_day(0))
            session.commit()
            drawn[:] = items
            return render.time(lambda: render_voucher_sheets(items))

        size = len(whole.time(sheets))
    return whole, render, size, drawn


def run(url: str, families: int) -> int:
    from voucher.extensions import db
    from voucher.oversight.verify import verify_parish
    from voucher.pdf.vouchers import render_voucher_sheets
    from voucher.vouchers.keys import code_keys

    with tempfile.TemporaryDirectory(prefix="vales-bench-keys-") as folder:
        app = make_app(url, folder)
        with app.app_context():
            session = db.session
            setup = Runs()
            parish, program, staff = setup.time(lambda: seed(session, families))
            keys = code_keys()
            issuance, round_ids = measure_issuance(session, parish, program, staff, keys, families)
            whole, render, size, drawn = measure_pdf(session, round_ids[0], parish, staff, keys)
            render_voucher_sheets(drawn[:8])  # fonts and imports, outside the floor's clock
            floor = Runs()
            for _ in range(ROUNDS):
                floor.time(lambda: pdf_floor(drawn))
            report = verify_parish(session, parish)
            session.rollback()

    backend = url.split(":", 1)[0].split("+", 1)[0]
    ratio = min(whole.wall) / min(floor.wall)
    print(f"Round of {families} households on {backend}, best of {ROUNDS}")
    print(f"{'setup (migrations excluded)':<34} {setup.wall[0]:6.2f} s")
    print(issuance.line("issue_round + commit"))
    print(whole.line("PDF: printable + render", f"   {size / 1e6:5.2f} MB, {families // 4} pages"))
    print(render.line("  of which render_voucher_sheets"))
    print(floor.line("floor (bench_voucher_pdf.floor)"))
    print(
        f"ratio PDF / floor: {ratio:.2f}x wall, {min(whole.cpu) / min(floor.cpu):.2f}x cpu"
        f"   (render alone: {min(render.wall) / min(floor.wall):.2f}x wall)"
    )
    print(f"ledger verify: {'ok' if report.ok else 'FAILED ' + '; '.join(report.failures)}")
    checks = (
        (f"issuance < {TARGET_ISSUE_SECONDS:g} s", min(issuance.wall) < TARGET_ISSUE_SECONDS),
        (f"PDF < {TARGET_PDF_SECONDS:g} s", min(whole.wall) < TARGET_PDF_SECONDS),
        (f"PDF < {TARGET_BYTES / 1e6:g} MB", size < TARGET_BYTES),
        (f"ratio <= {TARGET_RATIO:g}x", ratio <= TARGET_RATIO),
        ("books verify", report.ok),
    )
    for label, passed in checks:
        print(f"  {'ok  ' if passed else 'FAIL'} {label}")
    return 0 if all(passed for _, passed in checks) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: SQLite file)")
    parser.add_argument("--families", type=int, default=FAMILIES)
    args = parser.parse_args()
    with temporary_database(args.database_url) as url:
        return run(url, args.families)


if __name__ == "__main__":
    raise SystemExit(main())
