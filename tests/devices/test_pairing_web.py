"""Pairing a phone from the shop's page, the phone signed in with no password, what it
may reach, and unlinking it."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.devices.conftest import pairing_path
from voucher.audit.models import AuditEvent
from voucher.db import utcnow
from voucher.shops.device_auth import COOKIE
from voucher.shops.device_models import Device, DevicePairing
from voucher.vouchers.models import Redemption


def page(response) -> str:
    return response.get_data(as_text=True)


def form_key(html: str) -> str:
    return re.search(r'name="key" type="hidden" value="([^"]+)"', html).group(1)


def test_admin_pairs_a_phone_from_the_shop_page(login_as, world, app, db):
    admin = login_as("admin")
    shop = world.shops["a"]
    html = page(admin.get(f"/shops/{shop.id}"))
    assert "Vincular un teléfono" in html
    response = admin.post(f"/shops/{shop.id}/devices/pairings", data={"device_name": " Caja  1 "})
    assert response.status_code == 201
    html = page(response)
    assert 'id="pairing-qr" src="data:image/svg+xml;base64,' in html
    assert "Sirve una sola vez y vence en 10 minutos" in html
    path = pairing_path(html)
    assert re.fullmatch(r"/p/[A-Za-z0-9_-]{20,}", path)

    phone = app.test_client()
    landed = phone.get(path, follow_redirects=True)
    assert landed.status_code == 200
    assert landed.request.path == "/shops/scan"
    text = page(landed)
    assert "Escanear vale" in text and shop.name in text
    assert 'type="password"' not in text
    assert "Mi cuenta" not in text  # the phone has no account page to go to

    device = db.session.scalars(sa.select(Device)).one()
    assert device.name == "Caja 1" and device.shop_id == shop.id
    assert device.paired_by_id == world.users[("a", "admin")].id
    assert device.last_ip == "127.0.0.1"
    # The cookie: HttpOnly, SameSite, long-lived; only its hash is stored.
    cookie = phone.get_cookie(COOKIE)
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    assert cookie.expires is not None and cookie.expires > utcnow() + timedelta(days=300)
    assert device.credential_hash == hashlib.sha256(cookie.value.encode()).hexdigest()
    assert cookie.value not in str(db.session.execute(sa.text("SELECT * FROM device")).all())

    # Listed on the shop's page: name, who paired it, last address.
    listed = page(admin.get(f"/shops/{shop.id}"))
    assert "Caja 1" in listed and "127.0.0.1" in listed
    assert world.users[("a", "admin")].name in listed
    # The phone's account is not listed as a person's account of the shop.
    assert "devices.invalid" not in listed
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"device_pairing_started", "device_paired"} <= actions
    audit = page(admin.get("/audit/"))
    assert "Enlace para vincular un teléfono creado" in audit and "Teléfono vinculado" in audit


def test_shopkeeper_pairs_a_phone_for_their_own_shop_only(login_as, world):
    keeper = login_as("shopkeeper")
    own, other = world.shops["a"], world.shops["b"]
    assert "Vincular un teléfono" in page(keeper.get("/shops/phones"))
    made = keeper.post(f"/shops/{own.id}/devices/pairings", data={"device_name": "Caja 2"})
    assert made.status_code == 201
    assert (
        keeper.post(f"/shops/{other.id}/devices/pairings", data={"device_name": "X"}).status_code
        == 404
    )
    assert keeper.get(f"/shops/{other.id}/devices").status_code == 404
    # An admin of another parish does not see this shop either; staff may not pair.
    assert login_as("admin", "b").get(f"/shops/{own.id}/devices").status_code == 404
    assert login_as("staff").get(f"/shops/{own.id}/devices").status_code == 403


def test_a_name_is_required(login_as, world, db):
    response = login_as("admin").post(
        f"/shops/{world.shops['a'].id}/devices/pairings", data={"device_name": "  "}
    )
    assert response.status_code == 422
    assert "Escriba un nombre para el teléfono." in page(response)
    assert db.session.scalars(sa.select(DevicePairing)).all() == []


def test_a_link_works_once(app, new_link, db):
    link = new_link()
    assert app.test_client().get(link).status_code == 302
    again = app.test_client()
    response = again.get(link)
    assert response.status_code == 410
    assert "Este enlace para vincular ya se usó" in page(response)
    assert again.get_cookie(COOKIE) is None
    assert len(db.session.scalars(sa.select(Device)).all()) == 1


def test_an_expired_link_is_refused_and_changes_nothing(app, new_link, db):
    link = new_link(now=utcnow() - timedelta(minutes=11))
    client = app.test_client()
    response = client.get(link)
    assert response.status_code == 410
    assert "venció" in page(response)
    assert client.get_cookie(COOKIE) is None
    assert db.session.scalars(sa.select(Device)).all() == []
    assert db.session.scalars(sa.select(DevicePairing)).one().used_at is None


def test_the_link_lifetime_comes_from_the_settings(app, login_as, world, db):
    app.config["DEVICE_PAIRING_SECONDS"] = 60
    html = page(
        login_as("admin").post(
            f"/shops/{world.shops['a'].id}/devices/pairings", data={"device_name": "Caja"}
        )
    )
    assert "vence en 1 minuto" in html
    made = db.session.scalars(sa.select(DevicePairing)).one()
    assert timedelta(seconds=55) < made.expires_at - made.created_at <= timedelta(seconds=60)


def test_an_unknown_link_is_404(client):
    response = client.get("/p/not-a-real-token-at-all")
    assert response.status_code == 404
    assert "no existe" in page(response)


def test_the_phone_charges_and_the_charge_names_it(phone, issue, world, db):
    client, device = phone(name="Caja 3")
    issued = issue(15000)
    html = page(client.get("/shops/voucher", query_string={"code": issued.code}))
    assert "VALE VÁLIDO" in html
    response = client.post(
        "/shops/redeem", data={"code": issued.code, "key": form_key(html), "amount": "12000"}
    )
    assert response.status_code == 302
    done = db.session.scalars(sa.select(Redemption)).one()
    assert done.device_id == device.id and done.amount == 12000
    receipt = page(client.get(response.headers["Location"]))
    assert "CANJE REALIZADO" in receipt
    assert "Caja 3" in page(client.get("/treasury/my-statement"))
    assert "$12.000" in page(client.get("/shops/today"))
    db.session.expire_all()
    assert db.session.get(Device, device.id).last_seen_at is not None


def test_the_statement_and_scan_log_show_the_phone(phone, issue, login_as, world, db):
    client, _device = phone(name="Caja 4")
    issued = issue(15000)
    html = page(client.get("/shops/voucher", query_string={"code": issued.code}))
    client.post(
        "/shops/redeem", data={"code": issued.code, "key": form_key(html), "amount": "5000"}
    )
    treasurer = login_as("treasurer")
    statement = page(treasurer.get(f"/treasury/shops/{world.shops['a'].id}/statement"))
    assert "Caja 4" in statement
    scans = page(login_as("admin").get("/audit/scans"))
    assert "Caja 4 (teléfono)" in scans


@pytest.mark.parametrize(
    "path",
    ["/families/", "/vouchers/", "/programs/", "/shops/phones", "/profile", "/treasury/"],
)
def test_a_phone_reaches_only_the_till(phone, path):
    client, _device = phone()
    assert client.get(path).status_code == 403


def test_a_phone_sees_404_for_another_shops_charge(phone, issue, world, db, login_as):
    from tests import factories

    issued = issue(15000, parish="b")
    other = factories.charge(
        db.session, world.users[("b", "shopkeeper")], world.shops["b"], issued.code, 1000
    )
    db.session.commit()
    client, _device = phone()
    assert client.get(f"/shops/receipts/{other.id}").status_code == 404
    assert client.post(f"/shops/redemptions/{other.id}/void", data={}).status_code == 404
    assert client.get(f"/shops/{world.shops['b'].id}/devices").status_code == 403


def test_unlinking_stops_the_phone_at_its_next_request(phone, login_as, world, db):
    client, device = phone(name="Caja 5")
    assert client.get("/shops/scan").status_code == 200
    admin = login_as("admin")
    shop = world.shops["a"]
    listed = page(admin.get(f"/shops/{shop.id}"))
    assert "Desvincular «Caja 5»" in listed
    response = admin.post(f"/shops/{shop.id}/devices/{device.id}/unlink", data={})
    assert response.status_code == 302
    refused = client.get("/shops/scan")
    assert refused.status_code == 403
    text = page(refused)
    assert "TELÉFONO DESVINCULADO" in text
    assert "Caja 5" in text and world.users[("a", "admin")].name in text
    assert "Parroquia Jesús Maestro" in text
    assert client.get("/shops/today").status_code == 403
    db.session.expire_all()
    assert db.session.get(Device, device.id).revoked_at is not None
    assert "device_unlinked" in set(db.session.scalars(sa.select(AuditEvent.action)))
    assert "Desvinculado" in page(admin.get(f"/shops/{shop.id}"))


def test_shopkeeper_unlinks_own_phone_but_not_anothers(phone, login_as, world):
    _client_a, device_a = phone("a")
    _client_b, device_b = phone("b")
    keeper = login_as("shopkeeper")
    shop_a = world.shops["a"].id
    assert keeper.post(f"/shops/{shop_a}/devices/{device_b.id}/unlink", data={}).status_code == 404
    assert keeper.post(f"/shops/{shop_a}/devices/{device_a.id}/unlink", data={}).status_code == 302


def test_a_phone_cannot_unlink_or_pair(phone, world):
    client, device = phone()
    shop = world.shops["a"].id
    assert client.post(f"/shops/{shop}/devices/{device.id}/unlink", data={}).status_code == 403
    assert (
        client.post(f"/shops/{shop}/devices/pairings", data={"device_name": "x"}).status_code == 403
    )


def test_a_browser_with_a_person_logged_in_becomes_the_phone(login_as, new_link):
    browser = login_as("shopkeeper")
    landed = browser.get(new_link(name="Caja 9"), follow_redirects=True)
    assert landed.request.path == "/shops/scan" and landed.status_code == 200
    assert "Mi cuenta" not in page(landed)
    assert browser.get("/shops/phones").status_code == 403  # the phone, not the person


class TestProduction:
    @pytest.fixture
    def app_config(self, app_config):
        return dict(app_config, SESSION_COOKIE_SECURE=True)

    def test_the_cookie_is_secure(self, app, new_link):
        client = app.test_client()
        client.get(new_link())
        assert client.get_cookie(COOKIE).secure
