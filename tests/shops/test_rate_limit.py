"""The unknown-code brake lives in the database, so it holds across workers and servers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories
from tests.shops.conftest import unknown_code
from voucher.db import utcnow
from voucher.errors import RateLimited
from voucher.shops.redemption import Limits, Scanner, check_rate, limits_from_config
from voucher.vouchers.models import ScanLog


@pytest.fixture
def second_app(app_config, tmp_path, app):
    """Another app instance (another worker, another server) on the same database."""
    from voucher import create_app

    other = create_app(dict(app_config, VOUCHER_KEY=app.config["VOUCHER_KEY"]))
    yield other
    with other.app_context():
        from voucher.extensions import db

        db.engine.dispose()


def bearer(api, role: str = "shopkeeper"):
    return {"Authorization": f"Bearer {api(role).token}"}


def test_count_holds_across_two_app_instances(api, app, second_app, issue):
    issued = issue(15000)
    headers = bearer(api)
    clients = [app.test_client(), second_app.test_client()]
    for n in range(app.config["UNKNOWN_CODE_SLOW_AFTER"]):
        response = clients[n % 2].get(f"/api/v1/vouchers/by-code/{unknown_code()}", headers=headers)
        assert response.status_code == 404
    for client in clients:
        blocked = client.get(f"/api/v1/vouchers/by-code/{issued.code}", headers=headers)
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) >= 1


def test_block_after_many_failures_lasts_the_window(db, world):
    keeper = world.users[("a", "shopkeeper")]
    scanner = Scanner(keeper, world.shops["a"], "10.1.1.1")
    limits = Limits()
    now = utcnow()
    for minutes in range(limits.block_after):
        db.session.add(
            ScanLog(
                user_id=keeper.id,
                shop_id=world.shops["a"].id,
                ip="10.1.1.1",
                action="lookup",
                result="refused",
                reason="unknown_code",
                at=now - timedelta(minutes=9, seconds=30) + timedelta(seconds=minutes),
            )
        )
    db.session.commit()
    with pytest.raises(RateLimited) as blocked:
        check_rate(db.session, scanner.user.id, scanner.ip, limits, now=now)
    assert 25 <= blocked.value.retry_after <= 31  # until the oldest failure leaves the window
    assert blocked.value.detail.endswith(f"Espere {blocked.value.retry_after} segundos.")
    check_rate(
        db.session, scanner.user.id, scanner.ip, limits, now=now + timedelta(minutes=1)
    )  # the window passed


def _misses(db, *, user_id, ip, count, now):
    for n in range(count):
        db.session.add(
            ScanLog(
                user_id=user_id,
                ip=ip,
                action="lookup" if user_id else "status",
                result="refused",
                reason="unknown_code",
                at=now - timedelta(seconds=n),
            )
        )
    db.session.commit()


def test_a_users_misses_brake_that_user_not_others_on_the_same_address(db, world):
    """One shopkeeper's typos (or a stolen login's guesses) do not brake the shop next door
    that shares the connection; the guesser stays braked from any address."""
    keeper = world.users[("a", "shopkeeper")]
    other = factories.user(db.session, factories.Role.SHOPKEEPER, shop_id=world.shops["a"].id)
    now = utcnow()
    _misses(db, user_id=keeper.id, ip="10.2.2.2", count=Limits().slow_after, now=now)
    check_rate(db.session, other.id, "10.2.2.2", Limits(), now=now)
    check_rate(db.session, None, "10.2.2.2", Limits(), now=now)  # nor the anonymous page
    with pytest.raises(RateLimited):
        check_rate(db.session, keeper.id, "10.9.9.9", Limits(), now=now)


def test_anonymous_misses_brake_that_address_but_never_a_signed_in_user(db, world):
    keeper = world.users[("a", "shopkeeper")]
    now = utcnow()
    _misses(db, user_id=None, ip="10.4.4.4", count=Limits().block_after, now=now)
    with pytest.raises(RateLimited):
        check_rate(db.session, None, "10.4.4.4", Limits(), now=now)
    check_rate(db.session, None, "10.5.5.5", Limits(), now=now)
    check_rate(db.session, keeper.id, "10.4.4.4", Limits(), now=now)


def test_limits_come_from_the_settings():
    limits = limits_from_config(
        {
            "UNKNOWN_CODE_SLOW_AFTER": 3,
            "UNKNOWN_CODE_BLOCK_AFTER": 6,
            "UNKNOWN_CODE_WINDOW_MINUTES": 5,
            "VOID_WINDOW_MINUTES": 20,
        }
    )
    assert (limits.slow_after, limits.block_after) == (3, 6)
    assert limits.window == timedelta(minutes=5)
    assert limits.void_window == timedelta(minutes=20)


def _public(client, code: str, address: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.get(f"/r/{code}", headers=headers, environ_base={"REMOTE_ADDR": address})


def test_guesses_on_the_public_page_brake_the_guesser_not_the_shop(app, api, issue):
    """Anonymous unknown codes on the page a QR opens are braked like a till's guesses,
    and count against that visitor alone: a shopkeeper behind the same address still
    charges a valid voucher."""
    issued = issue(15000)
    client = app.test_client()
    for _ in range(app.config["UNKNOWN_CODE_SLOW_AFTER"]):
        assert _public(client, unknown_code(), "10.7.7.7").status_code == 200
    braked = _public(client, unknown_code(), "10.7.7.7")
    assert braked.status_code == 429
    assert "Espere" in braked.get_data(as_text=True)
    assert int(braked.headers["Retry-After"]) >= 1
    assert _public(client, issued.code, "10.7.7.7").status_code == 429  # that visitor waits
    assert _public(client, issued.code, "10.8.8.8").status_code == 200  # another does not
    keeper = app.test_client()
    answer = keeper.get(
        f"/api/v1/vouchers/by-code/{issued.code}",
        headers=bearer(api),
        environ_base={"REMOTE_ADDR": "10.7.7.7"},
    )
    assert answer.status_code == 200, answer.get_json()


@pytest.fixture
def proxied_app(app_config, app):
    """The app as the README's production setup runs it, behind one reverse proxy."""
    from voucher import create_app

    other = create_app(dict(app_config, VOUCHER_KEY=app.config["VOUCHER_KEY"], TRUSTED_PROXIES=1))
    yield other
    with other.app_context():
        from voucher.extensions import db

        db.engine.dispose()


def test_behind_a_trusted_proxy_each_client_is_braked_on_its_own_address(proxied_app, issue):
    issued = issue(15000)
    client = proxied_app.test_client()
    proxy = "127.0.0.1"
    for _ in range(proxied_app.config["UNKNOWN_CODE_SLOW_AFTER"]):
        _public(client, unknown_code(), proxy, forwarded="203.0.113.9")
    assert _public(client, issued.code, proxy, forwarded="203.0.113.9").status_code == 429
    assert _public(client, issued.code, proxy, forwarded="198.51.100.4").status_code == 200


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(app, issue):
    """Nobody escapes the brake by sending X-Forwarded-For straight to the app."""
    issued = issue(15000)
    client = app.test_client()
    for n in range(app.config["UNKNOWN_CODE_SLOW_AFTER"]):
        _public(client, unknown_code(), "10.6.6.6", forwarded=f"192.0.2.{n}")
    assert _public(client, issued.code, "10.6.6.6", forwarded="192.0.2.99").status_code == 429
