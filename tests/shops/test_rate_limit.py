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
        check_rate(db.session, scanner, limits, now=now)
    assert 25 <= blocked.value.retry_after <= 31  # until the oldest failure leaves the window
    assert blocked.value.detail.endswith(f"Espere {blocked.value.retry_after} segundos.")
    check_rate(db.session, scanner, limits, now=now + timedelta(minutes=1))  # window passed


def test_the_same_address_is_braked_for_everyone_on_it(db, world):
    keeper = world.users[("a", "shopkeeper")]
    other = factories.user(db.session, factories.Role.SHOPKEEPER, shop_id=world.shops["a"].id)
    now = utcnow()
    for n in range(Limits().slow_after):
        db.session.add(
            ScanLog(
                user_id=keeper.id,
                ip="10.2.2.2",
                action="lookup",
                result="refused",
                reason="unknown_code",
                at=now - timedelta(seconds=n),
            )
        )
    db.session.commit()
    with pytest.raises(RateLimited):
        check_rate(db.session, Scanner(other, world.shops["a"], "10.2.2.2"), Limits(), now=now)
    check_rate(db.session, Scanner(other, world.shops["a"], "10.3.3.3"), Limits(), now=now)


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
