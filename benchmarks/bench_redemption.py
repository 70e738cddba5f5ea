"""Redemptions over HTTP: the real app under gunicorn, 8 shop clients charging vouchers
at once through the JSON API (keep-alive connections, bearer tokens), then the books
checked for double spending. Beside it, a "floor": a bare Flask endpoint doing one
indexed SELECT on the same database, served the same way. Also prints the weight of the
shopkeeper's scan page (gzip sizes of the page and the assets it loads).

Run from the repository root:  .venv/bin/python benchmarks/bench_redemption.py
PostgreSQL:  .venv/bin/python benchmarks/bench_redemption.py --database-url postgresql://postgres@127.0.0.1:5432/test
(a temporary database is created next to the one named, and dropped afterwards).
Targets (SQLite, 8 clients): >= 150 redemptions/s, p99 < 100 ms, zero double spends,
scan page < 150 KB transferred. "server CPU" is what gunicorn's processes spent per
request and how many cores they kept busy: below the machine's count with a high load
average means other work on the machine took the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sqlalchemy as sa  # noqa: E402
from support import rut_for  # noqa: E402

CLIENTS = 8
REQUESTS = 2_000
WORKERS = 2
# Threads per worker, as the README serves each database: on SQLite the work is
# CPU-bound Python, so processes share it (more threads only pass the SQLite write lock
# among themselves and starve the other worker); PostgreSQL requests also wait on the
# server and its commits, which other threads overlap.
THREADS = {"sqlite": 1, "postgresql": 4}
FACE = 25_000
CHARGE = 5_000  # five charges empty a voucher
SHOPS = 4
TARGET_RATE = 150.0
TARGET_P99_MS = 100.0
TARGET_PAGE_BYTES = 150_000
SECRET = "bench-" + "s" * 40


# --- the floor: one indexed SELECT behind a bare Flask endpoint ----------------------------


def floor_app():
    """gunicorn 'bench_redemption:floor_app()': POST /floor {"h": code_hash} -> the row."""
    from flask import Flask, jsonify, request

    from voucher.config import database_url

    engine = sa.create_engine(database_url(Path("/nonexistent")), pool_pre_ping=True)
    statement = sa.text("SELECT id, remaining FROM voucher WHERE code_hash = :h")
    app = Flask("floor")

    @app.post("/floor")
    def floor():
        with engine.connect() as connection:
            row = connection.execute(statement, {"h": request.get_json()["h"]}).one()
        return jsonify(id=row.id, remaining=row.remaining), 200

    return app


# --- data ----------------------------------------------------------------------------------


@dataclass
class Seeded:
    tokens: list[str]
    plan: list[tuple[str, str]]  # (code, code hash) per request, in the order they are sent
    parish_slug: str
    vouchers: int


def seed(app, requests: int) -> Seeded:
    """One parish, SHOPS shops with two shopkeepers each (a token per client), and enough
    vouchers that every one is charged five times plus a few over-spend attempts."""
    from voucher.auth.models import Role
    from voucher.auth.services import create_token, create_user
    from voucher.dates import local_today
    from voucher.extensions import db
    from voucher.families.services import FamilyInput, create_family
    from voucher.parishes.services import create_parish
    from voucher.programs.services import ProgramInput, create_program, enrol_family
    from voucher.shops.services import ShopInput, create_shop, enrol_shop
    from voucher.treasury.services import FundInput, record_fund
    from voucher.vouchers.keys import code_keys
    from voucher.vouchers.models import Voucher
    from voucher.vouchers.services import issue_round

    extras = requests // 20  # 5% of the requests ask a used-up voucher: refused
    count = (requests - extras) // 5
    with app.app_context():
        s = db.session
        parish = create_parish(s, slug="jesus-maestro", name="Parroquia Jesús Maestro")
        staff = create_user(
            s,
            email="staff@bench.cl",
            password="bench-password-1",
            role=Role.STAFF,
            name="Staff",
            parish=parish,
        )
        treasurer = create_user(
            s,
            email="tes@bench.cl",
            password="bench-password-1",
            role=Role.TREASURER,
            name="Tesorería",
            parish=parish,
        )
        program = create_program(
            s, parish.id, ProgramInput("Canasta", "food", FACE, 60, "monthly", 1), staff
        )
        for n in range(count):
            family = create_family(
                s,
                parish.id,
                FamilyInput(f"Familia {n}", "passport", f"B{n:07d}", consent=True),
                staff,
            )
            enrol_family(s, program, family, staff)
        record_fund(
            s, parish, FundInput(program.id, FACE * count, local_today(), "Colecta"), treasurer
        )
        result = issue_round(s, parish=parish, program=program, user=staff, keys=code_keys())
        tokens = []
        for n in range(SHOPS):
            shop = create_shop(s, ShopInput(name=f"Almacén {n}", rut=rut_for(n, base=76_000_000)))
            enrol_shop(s, shop, parish.id)
            for m in range(CLIENTS // SHOPS):
                keeper = create_user(
                    s,
                    email=f"caja{n}{m}@bench.cl",
                    password="bench-password-1",
                    role=Role.SHOPKEEPER,
                    name=f"Caja {n}{m}",
                    shop_id=shop.id,
                )
                tokens.append(create_token(s, keeper, "bench")[1])
        s.commit()
        keys = code_keys()
        codes = []
        for voucher in s.scalars(sa.select(Voucher).where(Voucher.id.in_(result.voucher_ids))):
            code = keys.decrypt(voucher.code_encrypted)
            codes.append((code, voucher.code_hash))
        s.remove()
    plan = [c for c in codes for _ in range(5)] + codes[:extras]
    random.Random(7).shuffle(plan)
    return Seeded(tokens, plan[:requests], "jesus-maestro", len(codes))


# --- serving -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn with WORKERS gthread workers on a free loopback port."""

    def __init__(self, target: str, env: dict[str, str], threads: int):
        self.port = free_port()
        self.threads = threads
        self.target = target
        self.env = dict(os.environ, **env)

    def __enter__(self) -> Gunicorn:
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(self.threads),
            "--keep-alive",
            "30",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--pythonpath",
            f"{ROOT},{ROOT / 'benchmarks'}",
            self.target,
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.process.kill()
        raise RuntimeError("gunicorn did not start")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        pids = [self.process.pid]
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids += [int(p) for p in children.read_text().split()]
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- clients -------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float = 0.0
    server_cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    bodies: list[tuple[int, dict]] = field(default_factory=list)

    def add(self, status: int, latency: float, body: dict) -> None:
        self.latencies.append(latency)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.bodies.append((status, body))

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def drive(
    port: int, tokens: list[str], requests: Iterator[tuple[str, dict, dict]], clients: int
) -> Run:
    """``clients`` threads, each on one keep-alive connection with its own token, take
    requests from the shared iterator until it runs out."""
    run = Run()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(token: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            _send(connection, "GET", "/api/v1/me", {}, token)  # connect and warm up
        except Exception:
            start.abort()  # nobody waits for a client that could not connect
            raise
        start.wait()
        while True:
            with lock:
                item = next(requests, None)
            if item is None:
                break
            path, body, headers = item
            began = time.perf_counter()
            status, answer = _send(connection, "POST", path, body, token, headers)
            latency = time.perf_counter() - began
            with lock:
                run.add(status, latency, answer)
        connection.close()

    threads = [
        threading.Thread(target=client, args=(tokens[n % len(tokens)],)) for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - began
    return run


def _send(
    connection, method: str, path: str, body: dict, token: str, headers: dict | None = None
) -> tuple[int, dict]:
    data = json.dumps(body) if method == "POST" else None
    all_headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        **(headers or {}),
    }
    connection.request(method, path, body=data, headers=all_headers)
    response = connection.getresponse()
    raw = response.read()
    if response.getheader("Content-Type", "").split(";")[0].endswith("json"):
        return response.status, json.loads(raw)
    return response.status, {}


# --- checks --------------------------------------------------------------------------------


def check_books(app) -> tuple[int, int, int, bool, list[str]]:
    """(committed redemptions, pesos charged, double spends, ledger ok, failures)."""
    from voucher.extensions import db
    from voucher.oversight.verify import verify_parish
    from voucher.parishes.models import Parish
    from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher

    with app.app_context():
        s = db.session
        spent = (
            sa.select(Redemption.voucher_id, sa.func.sum(Redemption.amount).label("spent"))
            .where(Redemption.status == RedemptionStatus.COMMITTED)
            .group_by(Redemption.voucher_id)
            .subquery()
        )
        taken = sa.func.coalesce(spent.c.spent, 0)
        double = s.scalar(
            sa.select(sa.func.count())
            .select_from(Voucher)
            .outerjoin(spent, spent.c.voucher_id == Voucher.id)
            .where(
                sa.or_(
                    taken > Voucher.amount,
                    Voucher.remaining + Voucher.closed_amount + taken != Voucher.amount,
                    Voucher.remaining < 0,
                )
            )
        )
        count, pesos = s.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Redemption.amount), 0)).where(
                Redemption.status == RedemptionStatus.COMMITTED
            )
        ).one()
        report = verify_parish(s, s.scalar(sa.select(Parish)))
        s.remove()
    return count, int(pesos), double, report.ok, report.failures


def scan_page_weight(app) -> tuple[int, int, list[tuple[str, int]]]:
    """(gzip bytes of the page and what it loads, of the lazily loaded QR worker, parts)."""
    from voucher.auth.models import Role, User
    from voucher.extensions import db

    with app.app_context():
        keeper = db.session.scalar(sa.select(User).where(User.role == Role.SHOPKEEPER))
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(keeper.id)
            session["_fresh"] = True
        html = client.get("/shops/scan").get_data()
        assets = re.findall(rb'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', html)
        parts = [("/shops/scan", len(gzip.compress(html)))]
        for path in assets:
            body = client.get(path.decode()).get_data()
            parts.append((path.decode(), len(gzip.compress(body))))
        worker = client.get("/static/vendor/qr-scanner/qr-scanner-worker.min.js").get_data()
        db.session.remove()
    return sum(size for _, size in parts), len(gzip.compress(worker)), parts


# --- the run -------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: SQLite file)")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    args = parser.parse_args()

    from support import BENCH_KEY, make_app, temporary_database

    with temporary_database(args.database_url) as url:
        app = make_app(url)
        backend = url.split(":", 1)[0].split("+", 1)[0]
        began = time.perf_counter()
        seeded = seed(app, args.requests)
        print(
            f"Redemptions on {backend}: {seeded.vouchers} vouchers of ${FACE:,}, "
            f"{args.requests} charges of ${CHARGE:,} from {args.clients} clients, "
            f"gunicorn {WORKERS} workers x {THREADS[backend]} threads (gthread), "
            f"seeded in {time.perf_counter() - began:.1f} s"
        )
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "VOUCHER_KEY": BENCH_KEY,
            "VOUCHER_ENV": "development",
        }

        charges = iter(
            (
                "/api/v1/redemptions",
                {"code": code, "amount": CHARGE},
                {"Idempotency-Key": uuid.uuid4().hex},
            )
            for code, _hash in seeded.plan
        )
        with Gunicorn("wsgi:app", env, THREADS[backend]) as server:
            before = server.cpu_seconds()
            redeemed = drive(server.port, seeded.tokens, charges, args.clients)
            redeemed.server_cpu = server.cpu_seconds() - before

        lookups = iter(("/floor", {"h": code_hash}, {}) for _code, code_hash in seeded.plan)
        with Gunicorn("bench_redemption:floor_app()", env, THREADS[backend]) as server:
            before = server.cpu_seconds()
            floor = drive(server.port, seeded.tokens, lookups, args.clients)
            floor.server_cpu = server.cpu_seconds() - before

        count, pesos, double, ledger_ok, failures = check_books(app)
        page_bytes, worker_bytes, parts = scan_page_weight(app)

    ok = redeemed.statuses.get(201, 0)
    refused = redeemed.statuses.get(409, 0)
    other = {k: v for k, v in redeemed.statuses.items() if k not in (201, 409)}
    rate = ok / redeemed.seconds
    expected = args.requests - min(args.requests // 20, seeded.vouchers)
    print(f"{'':<22}{'req/s':>9}{'ok/s':>9}{'p50 ms':>9}{'p99 ms':>9}   answers")
    print(
        f"{'redeem (POST, API)':<22}{len(redeemed.latencies) / redeemed.seconds:>9.0f}"
        f"{rate:>9.0f}{redeemed.percentile(50):>9.1f}{redeemed.percentile(99):>9.1f}"
        f"   201 x{ok}, 409 x{refused}{f', other {other}' if other else ''}"
    )
    print(
        f"{'floor (1 SELECT)':<22}{len(floor.latencies) / floor.seconds:>9.0f}"
        f"{floor.statuses.get(200, 0) / floor.seconds:>9.0f}{floor.percentile(50):>9.1f}"
        f"{floor.percentile(99):>9.1f}   200 x{floor.statuses.get(200, 0)}"
    )
    print(f"redeem / floor throughput: {rate / (len(floor.latencies) / floor.seconds):.2f}")
    for name, run in (("redeem", redeemed), ("floor", floor)):
        print(
            f"server CPU, {name}: {run.server_cpu / len(run.latencies) * 1000:.1f} ms a request, "
            f"{run.server_cpu / run.seconds:.2f} of {os.cpu_count()} cores busy "
            f"(machine load average {os.getloadavg()[0]:.1f})"
        )
    print(
        f"books: {count} committed redemptions, ${pesos:,}; double spends: {double}; "
        f"ledger verify: {'ok' if ledger_ok else 'FAILED ' + '; '.join(failures)}"
    )
    listed = ", ".join(f"{path.rsplit('/', 1)[-1]} {size / 1000:.1f}" for path, size in parts)
    print(
        f"scan page: {page_bytes / 1000:.1f} KB gzip ({listed}); + QR worker "
        f"{worker_bytes / 1000:.1f} KB, loaded only on phones without BarcodeDetector"
    )
    checks = (
        (f">= {TARGET_RATE:g} redemptions/s", rate >= TARGET_RATE),
        (f"p99 < {TARGET_P99_MS:g} ms", redeemed.percentile(99) < TARGET_P99_MS),
        ("zero double spends", double == 0),
        (
            "every charge answered as the books say",
            ok == count == expected and pesos == ok * CHARGE and not other,
        ),
        ("ledger verifies", ledger_ok),
        (
            f"scan page < {TARGET_PAGE_BYTES / 1000:g} KB",
            page_bytes + worker_bytes < TARGET_PAGE_BYTES,
        ),
    )
    for label, passed in checks:
        print(f"  {'ok  ' if passed else 'FAIL'} {label}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
