"""The sign-in brake is counted in the database: two workers (two app instances on one
database) share its counts; a locked-out client does not lock the account for another
client; one address trying a password on many e-mails is slowed down."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import factories
from voucher.auth.models import LoginFailure

HERE = "192.0.2.10"
ELSEWHERE = "198.51.100.20"


WORKER = """
import json, sys
from voucher import create_app
config, email, password, address, times = json.loads(sys.argv[1])
app = create_app(config)
codes = []
for _ in range(times):
    response = app.test_client().post(
        "/login", data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    codes.append(response.status_code)
print(json.dumps(codes))
"""


@pytest.fixture
def second_worker(app_config, tmp_path):
    """Sign-in tries made by another process on the same database, as a second gunicorn
    worker would make them (its own memory, its own app)."""
    config = dict(app_config, VOUCHER_KEY_FILE=str(tmp_path / "voucher_key"))

    def _tries(email: str, password: str, times: int, address: str = HERE) -> list[int]:
        done = subprocess.run(
            [sys.executable, "-c", WORKER, json.dumps([config, email, password, address, times])],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    return _tries


def _try(app, email, password, address=HERE):
    client = app.test_client()
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _age_failures(db, by: timedelta) -> None:
    db.session.rollback()
    for failure in db.session.scalars(sa.select(LoginFailure)):
        failure.at = failure.at - by
    db.session.commit()


def test_two_workers_share_the_count_and_the_right_password_waits_too(
    app, db, second_worker, world
):
    email = world.users[("a", "staff")].email
    db.session.rollback()  # this process holds no transaction while the other one writes
    assert second_worker(email, "wrong-password-x", 3) == [200, 200, 200]
    for _ in range(2):
        assert _try(app, email, "wrong-password-x").status_code == 200
    locked = _try(app, email, factories.PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 14 * 60
    assert "Espere 15 minutos" in locked.get_data(as_text=True)
    db.session.rollback()
    assert second_worker(email, factories.PASSWORD, 1) == [429]


def test_a_lock_out_does_not_refuse_the_right_password_from_another_client(app, world):
    email = world.users[("a", "staff")].email
    for _ in range(5):
        _try(app, email, "wrong-password-x")
    assert _try(app, email, factories.PASSWORD).status_code == 429
    assert _try(app, email, factories.PASSWORD, ELSEWHERE).status_code == 302


def test_the_lock_lifts_when_the_failures_leave_the_window(app, world, db):
    email = world.users[("a", "staff")].email
    for _ in range(5):
        _try(app, email, "wrong-password-x")
    assert _try(app, email, factories.PASSWORD).status_code == 429
    _age_failures(db, timedelta(minutes=15, seconds=1))
    assert _try(app, email, factories.PASSWORD).status_code == 302


def test_a_sign_in_forgets_that_clients_failures(app, world, db):
    email = world.users[("a", "staff")].email
    for _ in range(4):
        _try(app, email, "wrong-password-x")
    assert _try(app, email, factories.PASSWORD).status_code == 302
    for _ in range(4):
        assert _try(app, email, "wrong-password-x").status_code == 200


def test_one_password_sprayed_over_many_emails_is_slowed(app, world, db):
    emails = [f"persona{n}@example.org" for n in range(10)]
    for email in emails:
        assert _try(app, email, "Primavera2026").status_code == 200
    slowed = _try(app, "otra@example.org", "Primavera2026")
    assert slowed.status_code == 429
    assert 1 <= int(slowed.headers["Retry-After"]) <= 5
    assert "segundos" in slowed.get_data(as_text=True)
    # another address is not slowed by it
    assert _try(app, "otra@example.org", "Primavera2026", ELSEWHERE).status_code == 200
    _age_failures(db, timedelta(seconds=6))
    assert _try(app, "otra@example.org", "Primavera2026").status_code == 200
    again = _try(app, "tercera@example.org", "Primavera2026")
    assert again.status_code == 429
    assert 6 <= int(again.headers["Retry-After"]) <= 10  # each wait doubles


def test_a_throttled_try_checks_no_password_and_keeps_nothing(app, world, db):
    email = world.users[("a", "staff")].email
    for _ in range(5):
        _try(app, email, "wrong-password-x")
    db.session.rollback()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure))
    assert _try(app, email, "wrong-password-x").status_code == 429
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == before


def test_guesses_spread_over_many_addresses_still_leave_the_owner_a_try(app, world):
    email = world.users[("a", "staff")].email
    addresses = [f"203.0.113.{n}" for n in range(1, 21)]
    for address in addresses:  # 20 addresses, one guess each: the account's ceiling
        assert _try(app, email, "wrong-password-x", address).status_code == 200
    # every address that guessed now waits, even with the right password
    assert _try(app, email, factories.PASSWORD, addresses[0]).status_code == 429
    assert _try(app, email, "another-guess-1", addresses[-1]).status_code == 429
    # the owner, on a client that has not failed, still signs in
    assert _try(app, email, factories.PASSWORD, ELSEWHERE).status_code == 302
