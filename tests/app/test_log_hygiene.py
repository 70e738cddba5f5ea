"""A whole cycle against the server as the README runs it (gunicorn, its access log on)
leaves no voucher code, token, RUT or family name in the access log or the app's own
log lines: codes travel in bodies where they can, paths that carry one are blanked,
query strings and referrers are not logged, database errors carry no values."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests import factories
from tests.app.test_crash import ROOT, _free_port
from tests.conftest import TEST_VOUCHER_KEY
from voucher.auth.models import Role
from voucher.auth.services import create_token
from voucher.extensions import db
from voucher.parishes.services import create_parish
from voucher.vouchers.codes import format_code, generate_code, normalize_code

RUT = "12.345.678-5"
NAME = "Rosalía Quintanilla Peña"


def _serve(database_url: str, port: int, logs: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        VOUCHER_KEY=TEST_VOUCHER_KEY,
        SECRET_KEY="hygiene-test-secret-key-that-is-long-enough-01",
        VOUCHER_BASE_URL="http://vales.test",
    )
    with (logs / "stdout.log").open("w") as out, (logs / "stderr.log").open("w") as err:
        server = _popen(env, port, logs, out, err)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _ask(port, "GET", "/healthz")[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not start")


def _popen(env, port, logs, out, err) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(logs / "access.log"),
            "wsgi:app",
        ],
        cwd=ROOT,  # where gunicorn.conf.py is
        env=env,
        start_new_session=True,
        stdout=out,
        stderr=err,  # gunicorn's error log and the app's lines
    )


def _ask(port, method, path, body=None, token=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if body is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, json.dumps(body) if body is not None else None, sent)
        response = connection.getresponse()
        data = response.read()
        kind = response.getheader("Content-Type", "")
        return response.status, (json.loads(data) if "json" in kind and data else data)
    finally:
        connection.close()


def test_a_whole_cycle_leaves_no_secret_or_personal_data_in_the_logs(app, database_url, tmp_path):
    with app.app_context():
        s = db.session
        parish = create_parish(s, slug="limpia", name="Parroquia Limpia")
        staff = factories.user(s, Role.STAFF, parish)
        program = factories.program(s, parish, staff, amount=9000, validity=60)
        treasurer = factories.user(s, Role.TREASURER, parish)
        factories.fund(s, parish, program, 90_000, treasurer)
        shop = factories.shop(s, parish)
        keeper = factories.user(s, Role.SHOPKEEPER, shop_id=shop.id)
        staff_token = create_token(s, staff, "hygiene")[1]
        keeper_token = create_token(s, keeper, "hygiene")[1]
        program_id = program.id
        s.commit()
        s.remove()
    db.engine.dispose()

    port = _free_port()
    server = _serve(database_url, port, tmp_path)
    try:
        status, family = _ask(
            port,
            "POST",
            "/api/v1/families",
            {
                "head_name": NAME,
                "document_type": "rut",
                "document_number": RUT,
                "household_size": 3,
                "consent": True,
            },
            staff_token,
        )
        assert status == 201, family
        again = _ask(
            port,
            "POST",
            "/api/v1/families",
            {"head_name": NAME, "document_type": "rut", "document_number": RUT, "consent": True},
            staff_token,
        )
        assert again[0] == 409  # a duplicate: the database refusal carries no values
        assert _ask(port, "GET", f"/api/v1/families?q={RUT}", token=staff_token)[0] == 200
        assert _ask(port, "GET", "/families/?q=12345678")[0] < 500
        enrolled = _ask(
            port,
            "POST",
            f"/api/v1/programs/{program_id}/enrolments",
            {"family_id": family["id"]},
            staff_token,
        )
        assert enrolled[0] == 201, enrolled
        status, issued = _ask(
            port,
            "POST",
            "/api/v1/vouchers",
            {"family_id": family["id"], "program_id": program_id},
            staff_token,
        )
        assert status == 201, issued
        code = issued["code"]
        qr = f"/r/{code}"
        assert _ask(port, "GET", qr, headers={"Referer": f"http://vales.test{qr}"})[0] == 200
        raw = normalize_code(code)
        assert _ask(port, "GET", f"/r/{raw}")[0] == 200
        lookup = _ask(port, "GET", f"/api/v1/vouchers/by-code/{code}", token=keeper_token)
        assert lookup[0] == 200, lookup
        unknown = format_code(generate_code())
        assert (
            _ask(port, "GET", f"/api/v1/vouchers/by-code/{unknown}", token=keeper_token)[0] == 404
        )
        charged = _ask(
            port,
            "POST",
            "/api/v1/redemptions",
            {"code": code, "amount": 1000},
            keeper_token,
            headers={"Idempotency-Key": "hygiene-1"},
        )
        assert charged[0] == 201, charged
        assert _ask(port, "GET", f"/shops/voucher?code={code}")[0] < 500
    finally:
        server.terminate()
        server.wait(timeout=15)

    access = (tmp_path / "access.log").read_text()
    everything = access + (tmp_path / "stderr.log").read_text()
    assert "/api/v1/redemptions" in access and "/r/…" in access  # the log was written
    assert "route=vouchers_api" in everything or "route=" in everything  # and the app's lines
    secrets_and_personal = [
        code,
        raw,
        unknown,
        staff_token,
        keeper_token,
        RUT,
        "12345678-5",
        "12345678",
        NAME,
        "Rosal",
        "Quintanilla",
    ]
    for value in secrets_and_personal:
        assert value not in everything, f"{value!r} found in the logs"
