"""The API's phone pairing: a link from the shop, the phone's own token from it, the
shop's list of phones, unlinking one (api.md, "shop devices")."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from tests.api.conftest import Api, assert_problem
from voucher.shops.device_models import Device


def _token_of(url: str) -> str:
    assert url.startswith("http://vales.test/p/")
    return url.rsplit("/", 1)[1]


def _pair(app, as_role, world, name="Caja 1") -> dict:
    made = as_role("admin").post(
        f"/api/v1/shops/{world.shops['a'].id}/pairings", json={"device_name": name}
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=9) < expires - datetime.now(expires.tzinfo) <= timedelta(minutes=10)
    paired = app.test_client().post(f"/api/v1/pairings/{_token_of(body['url'])}", json={})
    assert paired.status_code == 201, paired.get_json()
    return paired.get_json()


def test_pairing_gives_the_phone_a_token_that_charges_as_the_phone(app, as_role, world, issue):
    paired = _pair(app, as_role, world)
    assert paired["shop_id"] == world.shops["a"].id
    phone = Api(app.test_client(), paired["token"])
    me = phone.get("/api/v1/me").get_json()
    assert me["role"] == "shopkeeper" and me["shop_id"] == world.shops["a"].id
    issued = issue(15000)
    charged = phone.post(
        "/api/v1/redemptions",
        json={"code": issued.code, "amount": 3000},
        headers={"Idempotency-Key": "k-1"},
    )
    assert charged.status_code == 201
    assert charged.get_json()["device_id"] == paired["device_id"]
    items = phone.get("/api/v1/redemptions").get_json()["items"]
    assert [i["device_id"] for i in items] == [paired["device_id"]]
    # A person's charge names no phone.
    keeper = as_role("shopkeeper").post(
        "/api/v1/redemptions",
        json={"code": issued.code, "amount": 1000},
        headers={"Idempotency-Key": "k-2"},
    )
    assert keeper.get_json()["device_id"] is None


def test_the_phones_token_reaches_only_the_till(app, as_role, world):
    paired = _pair(app, as_role, world)
    phone = Api(app.test_client(), paired["token"])
    shop = world.shops["a"].id
    assert_problem(phone.get(f"/api/v1/shops/{shop}/devices"), 403)
    assert_problem(phone.post(f"/api/v1/shops/{shop}/pairings", json={"device_name": "x"}), 403)
    assert_problem(phone.get("/api/v1/programs"), 403)
    assert_problem(
        phone.get(
            f"/api/v1/shops/{world.shops['b'].id}/statement.csv?from=2026-01-01&to=2026-01-31"
        ),
        404,
    )


def test_a_link_is_single_use_and_expires(app, as_role, world, new_link):
    paired_url = as_role("admin").post(
        f"/api/v1/shops/{world.shops['a'].id}/pairings", json={"device_name": "Caja"}
    )
    token = _token_of(paired_url.get_json()["url"])
    client = app.test_client()
    assert client.post(f"/api/v1/pairings/{token}", json={}).status_code == 201
    assert_problem(client.post(f"/api/v1/pairings/{token}", json={}), 410, "pairing_used")
    from voucher.db import utcnow

    old = new_link(now=utcnow() - timedelta(minutes=30)).rsplit("/", 1)[1]
    assert_problem(client.post(f"/api/v1/pairings/{old}", json={}), 410, "pairing_expired")
    assert_problem(client.post("/api/v1/pairings/nope", json={}), 404)


def test_who_may_make_a_link(as_role, world):
    own, other = world.shops["a"].id, world.shops["b"].id
    keeper = as_role("shopkeeper")
    assert (
        keeper.post(f"/api/v1/shops/{own}/pairings", json={"device_name": "C"}).status_code == 201
    )
    assert_problem(keeper.post(f"/api/v1/shops/{other}/pairings", json={"device_name": "C"}), 404)
    assert_problem(
        as_role("admin").post(f"/api/v1/shops/{other}/pairings", json={"device_name": "C"}), 404
    )
    assert_problem(
        as_role("staff").post(f"/api/v1/shops/{own}/pairings", json={"device_name": "C"}), 403
    )
    assert_problem(
        as_role("admin").post(f"/api/v1/shops/{own}/pairings", json={"device_name": ""}),
        422,
        fields=["device_name"],
    )


def test_list_and_unlink(app, as_role, world, db):
    paired = _pair(app, as_role, world, name="Caja 7")
    admin = as_role("admin")
    shop = world.shops["a"].id
    items = admin.get(f"/api/v1/shops/{shop}/devices").get_json()["items"]
    assert len(items) == 1
    item = items[0]
    assert item["name"] == "Caja 7" and item["revoked_at"] is None
    assert item["paired_by"] == world.users[("a", "admin")].name
    assert item["last_seen_at"] is not None
    assert as_role("shopkeeper").get(f"/api/v1/shops/{shop}/devices").status_code == 200
    assert_problem(as_role("other_staff").get(f"/api/v1/shops/{shop}/devices"), 403)

    phone = Api(app.test_client(), paired["token"])
    assert phone.get("/api/v1/me").status_code == 200
    gone = admin.client.delete(f"/api/v1/devices/{paired['device_id']}", headers=admin.headers())
    assert gone.status_code == 204
    assert_problem(phone.get("/api/v1/me"), 401)
    db.session.expire_all()
    assert db.session.scalars(sa.select(Device)).one().revoked_at is not None
    listed = admin.get(f"/api/v1/shops/{shop}/devices").get_json()["items"]
    assert listed[0]["revoked_at"] is not None
    missing = admin.client.delete("/api/v1/devices/999999", headers=admin.headers())
    assert_problem(missing, 404)
