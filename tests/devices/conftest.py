"""A shop's paired phones: pairing links made through the shop's page or the service,
and test clients that carry a phone's cookie."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tests.api.conftest import as_role, tokens  # noqa: F401  (the API's clients)
from voucher.shops import pairing
from voucher.shops.device_auth import COOKIE
from voucher.shops.device_models import Device


@pytest.fixture
def issue(db, world) -> factories.Issuer:
    return factories.Issuer(db.session, world)


def pairing_path(html: str) -> str:
    """The pairing link shown under the QR, as a path."""
    url = re.search(r'id="pairing-link" href="([^"]+)"', html).group(1)
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def new_link(db, world):
    """``new_link(parish="a", name="Caja 1", minutes=10)`` -> the pairing path /p/…"""

    def _link(parish: str = "a", name: str = "Caja 1", minutes: int = 10, **kw) -> str:
        made = pairing.start_pairing(
            db.session,
            world.shops[parish],
            name,
            world.users[(parish, "admin")],
            ttl=timedelta(minutes=minutes),
            **kw,
        )
        db.session.commit()
        return f"/p/{made.token}"

    return _link


@pytest.fixture
def phone(app, db, new_link):
    """``phone(parish="a")`` -> (a test client paired as a phone of that parish's shop,
    the Device)."""

    def _phone(parish: str = "a", name: str = "Caja 1"):
        client = app.test_client()
        response = client.get(new_link(parish, name))
        assert response.status_code == 302, response.get_data(as_text=True)[:400]
        assert client.get_cookie(COOKIE) is not None
        device = db.session.scalars(sa.select(Device).order_by(Device.id.desc())).first()
        return client, device

    return _phone
