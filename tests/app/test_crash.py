"""Killing the whole server (SIGKILL, master and workers) in the middle of charges and
payments loses nothing: every charge answered 201 is in the database with its ledger
entry, no record lacks its entry, clients retrying with their Idempotency-Keys get the
first answer, and ``ledger verify`` passes. Bounded: three kills, under a minute in all."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tests import factories
from tests.conftest import TEST_VOUCHER_KEY
from voucher.auth.models import Role
from voucher.auth.services import create_token
from voucher.dates import local_today
from voucher.extensions import db
from voucher.oversight.verify import verify_parish
from voucher.parishes.services import create_parish
from voucher.vouchers.keys import code_keys
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher
from voucher.vouchers.services import issue_round

ROOT = Path(__file__).resolve().parents[2]
KILLS = 3
VOUCHERS = 40
CHARGES_PER_VOUCHER = 3


@dataclass
class World:
    keepers: list[str]
    treasurer: str
    shop_ids: list[int]
    codes: list[str]
    parish_slug: str = "crash"


@dataclass
class Ledger:
    """What the clients were told, by Idempotency-Key."""

    answers: dict[str, tuple[int, dict]] = field(default_factory=dict)
    unanswered: dict[str, tuple[str, str, dict]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list = field(default_factory=list)


def _seed(app) -> World:
    with app.app_context():
        s = db.session
        parish = create_parish(s, slug="crash", name="Parroquia del corte")
        staff = factories.user(s, Role.STAFF, parish)
        treasurer = factories.user(s, Role.TREASURER, parish)
        program = factories.program(s, parish, staff, amount=9000, validity=60)
        for n in range(VOUCHERS):
            factories.family(s, parish, staff, f"Familia {n}", programs=[program])
        factories.fund(s, parish, program, 9000 * VOUCHERS, treasurer)
        issued = issue_round(s, parish=parish, program=program, user=staff, keys=code_keys())
        shops = [factories.shop(s, parish) for _ in range(2)]
        keepers = [
            create_token(s, factories.user(s, Role.SHOPKEEPER, shop_id=shop.id), "crash")[1]
            for shop in shops
            for _ in range(2)
        ]
        pay = create_token(s, treasurer, "crash")[1]
        s.commit()
        codes = [
            code_keys().decrypt(v.code_encrypted)
            for v in s.scalars(sa.select(Voucher).where(Voucher.id.in_(issued.voucher_ids)))
        ]
        shop_ids = [shop.id for shop in shops]
        s.remove()
    return World(keepers, pay, shop_ids, codes)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(database_url: str, port: int) -> subprocess.Popen:
    threads = "1" if database_url.startswith("sqlite") else "4"
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        VOUCHER_KEY=TEST_VOUCHER_KEY,
        SECRET_KEY="crash-test-secret-key-that-is-long-enough-0123",
        VOUCHER_BASE_URL="http://vales.test",
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            threads,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "critical",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: the kill takes every worker
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
        finally:
            connection.close()
    os.killpg(server.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not start")


def _post(port: int, token: str, path: str, body: dict, key: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            json.dumps(body),
            {
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": key,
                "Content-Type": "application/json",
            },
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def _send(port: int, ledger: Ledger, token: str, path: str, body: dict, key: str) -> None:
    try:
        answer = _post(port, token, path, body, key)
    except (OSError, http.client.HTTPException, ValueError) as error:
        ledger.errors.append(repr(error))
        with ledger.lock:
            ledger.unanswered[key] = (token, path, body)
        return
    with ledger.lock:
        ledger.unanswered.pop(key, None)
        ledger.answers.setdefault(key, answer)


def _traffic(port: int, world: World, ledger: Ledger, plan: list, stop: threading.Event):
    def keeper(index: int) -> None:
        for n, (code, key) in enumerate(plan):
            if stop.is_set():
                return
            if n % len(world.keepers) == index and key not in ledger.answers:
                body = {"code": code, "amount": 1000}
                _send(port, ledger, world.keepers[index], "/api/v1/redemptions", body, key)

    def treasurer() -> None:
        n = 0
        while not stop.is_set():
            shop_id = world.shop_ids[n % len(world.shop_ids)]
            body = {"shop_id": shop_id, "through": local_today().isoformat(), "method": "cash"}
            _send(port, ledger, world.treasurer, "/api/v1/settlements", body, f"pay-{n}")
            n += 1
            time.sleep(0.05)

    return [threading.Thread(target=keeper, args=(i,)) for i in range(len(world.keepers))] + [
        threading.Thread(target=treasurer)
    ]


def test_sigkill_in_the_middle_of_charges_and_payments_loses_nothing(app, database_url):
    world = _seed(app)
    db.engine.dispose()
    plan = [
        (code, f"charge-{v}-{n}")
        for n in range(CHARGES_PER_VOUCHER)
        for v, code in enumerate(world.codes)
    ]
    ledger, chance = Ledger(), random.Random(11)
    port = _free_port()
    for _kill in range(KILLS):
        server, stop = _serve(database_url, port), threading.Event()
        clients = _traffic(port, world, ledger, plan, stop)
        for client in clients:
            client.start()
        time.sleep(chance.uniform(0.8, 1.6))
        os.killpg(server.pid, signal.SIGKILL)  # mid-flight: posting, paying, committing
        server.wait()
        stop.set()
        for client in clients:
            client.join()
    acknowledged_before_retry = dict(ledger.answers)

    server = _serve(database_url, port)
    try:
        for key, (token, path, body) in list(ledger.unanswered.items()):
            _send(port, ledger, token, path, body, key)  # the client retries, same key
        replays = {
            key: _post(
                port,
                world.keepers[n % len(world.keepers)],  # the same client: keys are its own
                "/api/v1/redemptions",
                {"code": code, "amount": 1000},
                key,
            )
            for n, (code, key) in enumerate(plan[:8])
            if key in acknowledged_before_retry
        }
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert not ledger.unanswered, ledger.errors[-3:]
    for key, replay in replays.items():
        assert replay == acknowledged_before_retry[key]  # the same answer as the first time

    charged = {
        body["id"]
        for key, (status, body) in ledger.answers.items()
        if key.startswith("charge-") and status == 201
    }
    assert charged, "no charge was acknowledged: the test did not exercise anything"
    with app.app_context():
        present = set(
            db.session.scalars(
                sa.select(Redemption.id).where(Redemption.status == RedemptionStatus.COMMITTED)
            )
        )
        assert charged <= present  # lost = acknowledged - present = nothing
        from voucher.parishes.models import Parish

        parish = db.session.scalar(sa.select(Parish).where(Parish.slug == world.parish_slug))
        report = verify_parish(db.session, parish)
        assert report.ok, report.failures
    print(
        f"\ncrash: {len(ledger.answers)} requests answered, {KILLS} kills, "
        f"{len(charged)} charges acknowledged, {len(charged & present)} present, lost 0"
    )
