"""The redemption API: by-code lookups, charges, voids and the day's list."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.shops.conftest import REFUSALS, age_redemption, books_ok, unknown_code
from voucher.dates import local_today
from voucher.treasury.services import SettlementInput, settle
from voucher.vouchers.models import Redemption, RedemptionStatus, ScanLog


def charge(client, code: str, amount, key: str = "key-1"):
    return client.post(
        "/api/v1/redemptions",
        json={"code": code, "amount": amount},
        headers={"Idempotency-Key": key},
    )


def redemption_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Redemption))


def test_by_code_answers_what_a_shop_needs(api, issue):
    issued = issue(15000)
    response = api("shopkeeper").get(f"/api/v1/vouchers/by-code/{issued.code.lower()}")
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "serial": issued.voucher.serial,
        "status": "active",
        "amount": 15000,
        "remaining": 15000,
        "category": "food",
        "expires_on": issued.voucher.expires_on.isoformat(),
        "parish": {"slug": "jesus-maestro", "name": "Parroquia Jesús Maestro"},
        "redeemable": True,
        "reason": None,
        "message": None,
    }


@pytest.mark.parametrize("refused", REFUSALS, indirect=True)
def test_by_code_refusals(api, refused):
    response = api("shopkeeper").get(f"/api/v1/vouchers/by-code/{refused.code}")
    body = response.get_json()
    if refused.kind in ("unknown", "typo", "replaced"):
        assert response.status_code == refused.status
        assert response.mimetype == "application/problem+json"
        assert body["detail"] == refused.message
    else:
        assert response.status_code == 200
        assert body["redeemable"] is False
        assert body["message"] == refused.message
    assert body["reason"] == refused.reason


def test_parish_staff_see_only_their_parish_vouchers(api, issue):
    issued = issue(15000)
    mine = api("staff").get(f"/api/v1/vouchers/by-code/{issued.code}")
    assert mine.status_code == 200 and mine.get_json()["redeemable"] is True
    theirs = api("staff", parish="b").get(f"/api/v1/vouchers/by-code/{issued.code}")
    assert theirs.status_code == 404
    assert theirs.get_json()["reason"] == "unknown_code"


def test_charge_partial_then_full(api, issue, db, world):
    issued = issue(15000)
    keeper = api("shopkeeper")
    first = charge(keeper, issued.code, 12000, "a")
    assert first.status_code == 201
    body = first.get_json()
    assert body["amount"] == 12000
    assert body["voucher"] == {
        "serial": issued.voucher.serial,
        "remaining": 3000,
        "status": "active",
    }
    assert body["created_at"].endswith(("Z", "+00:00"))
    second = charge(keeper, issued.code, 3000, "b")
    assert second.status_code == 201
    assert second.get_json()["voucher"]["status"] == "redeemed"
    third = charge(keeper, issued.code, 1, "c")
    assert third.status_code == 409 and third.get_json()["reason"] == "already_used"
    books_ok(db, world)


@pytest.mark.parametrize("refused", REFUSALS, indirect=True)
def test_every_refusal_has_its_status_reason_and_words(api, refused, db):
    before = redemption_count(db)
    logged = db.session.scalar(sa.select(sa.func.count()).select_from(ScanLog))
    response = charge(api("shopkeeper"), refused.code, 1000)
    assert response.status_code == refused.status
    body = response.get_json()
    assert body["reason"] == refused.reason
    assert body["detail"] == refused.message
    assert redemption_count(db) == before
    last = db.session.scalars(sa.select(ScanLog).order_by(ScanLog.id.desc())).first()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScanLog)) == logged + 1
    assert (last.action, last.result, last.reason) == ("redeem", "refused", refused.reason)


@pytest.mark.parametrize("amount", [0, -5, 100_000_001])
def test_bad_amounts(api, issue, amount):
    response = charge(api("shopkeeper"), issue(15000).code, amount)
    assert response.status_code == 422
    assert response.get_json()["reason"] == "bad_amount"
    assert (
        response.get_json()["detail"]
        == "Escriba un monto en pesos enteros, desde $1 hasta el saldo del vale."
    )


def test_amount_must_be_an_integer(api, issue):
    response = charge(api("shopkeeper"), issue(15000).code, "12000")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "amount"


def test_insufficient_balance_says_the_balance(api, issue):
    response = charge(api("shopkeeper"), issue(15000).code, 15001)
    assert response.status_code == 409
    body = response.get_json()
    assert body["reason"] == "insufficient_balance"
    assert body["detail"] == "El monto supera el saldo del vale ($15.000)."


def test_idempotency_key_is_required(api, issue, db):
    keeper = api("shopkeeper")
    response = keeper.post("/api/v1/redemptions", json={"code": issue(15000).code, "amount": 1})
    assert response.status_code == 422
    assert redemption_count(db) == 0


def test_replay_answers_the_same_and_moves_money_once(api, issue, db, world):
    issued = issue(15000)
    keeper = api("shopkeeper")
    first = charge(keeper, issued.code, 5000, "same")
    again = charge(keeper, issued.code, 5000, "same")
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other_amount = charge(keeper, issued.code, 6000, "same")
    assert other_amount.status_code == 422
    assert other_amount.get_json()["reason"] == "idempotency_key_reused"
    db.session.refresh(issued.voucher)
    assert issued.voucher.remaining == 10000
    assert redemption_count(db) == 1
    books_ok(db, world)


def test_two_shopkeepers_may_pick_the_same_key(api, issue, db, world):
    from tests import factories
    from voucher.auth.models import Role
    from voucher.auth.services import create_token

    issued = issue(15000)
    colleague = factories.user(db.session, Role.SHOPKEEPER, shop_id=world.shops["a"].id)
    _row, token = create_token(db.session, colleague)
    db.session.commit()
    first = charge(api("shopkeeper"), issued.code, 1000, "1")
    second = charge(factories.ApiClient(api("shopkeeper").client, token), issued.code, 1000, "1")
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]


@pytest.mark.parametrize("role", ["staff", "admin", "treasurer"])
def test_only_shopkeepers_charge(api, issue, role):
    response = charge(api(role), issue(15000).code, 1000)
    assert response.status_code == 403


def test_void_within_window_restores_the_voucher(api, issue, db, world):
    issued = issue(15000)
    keeper = api("shopkeeper")
    done = charge(keeper, issued.code, 15000).get_json()
    response = keeper.post(f"/api/v1/redemptions/{done['id']}/void", json={"reason": "error"})
    assert response.status_code == 200
    assert response.get_json() == {"id": done["id"], "status": "voided"}
    db.session.refresh(issued.voucher)
    assert issued.voucher.remaining == 15000 and issued.voucher.status.value == "active"
    again = keeper.post(f"/api/v1/redemptions/{done['id']}/void", json={})
    assert again.status_code == 409 and again.get_json()["reason"] == "already_voided"
    books_ok(db, world)


def test_void_late_is_for_the_treasurer(api, issue, db, world):
    issued = issue(15000)
    done = charge(api("shopkeeper"), issued.code, 4000).get_json()
    age_redemption(db, done["id"], 16)
    late = api("shopkeeper").post(f"/api/v1/redemptions/{done['id']}/void", json={})
    assert late.status_code == 409 and late.get_json()["reason"] == "too_late"
    other = api("treasurer", parish="b").post(f"/api/v1/redemptions/{done['id']}/void", json={})
    assert other.status_code == 404
    ok = api("treasurer").post(f"/api/v1/redemptions/{done['id']}/void", json={})
    assert ok.status_code == 200
    assert db.session.get(Redemption, done["id"]).status == RedemptionStatus.VOIDED
    books_ok(db, world)


def test_settled_redemptions_cannot_be_voided(api, issue, db, world):
    issued = issue(15000)
    done = charge(api("shopkeeper"), issued.code, 4000).get_json()
    data = SettlementInput(world.shops["a"].id, local_today(), "transfer", "T-1")
    settle(db.session, world.parishes["a"], data, world.users[("a", "treasurer")])
    db.session.commit()
    for role in ("shopkeeper", "treasurer"):
        response = api(role).post(f"/api/v1/redemptions/{done['id']}/void", json={})
        assert response.status_code == 409
        assert response.get_json()["reason"] == "settled"
    books_ok(db, world)


def test_day_list_of_the_own_shop(api, issue, redeem_now, db, world):
    mine = redeem_now(issue(15000), 2000)
    redeem_now(issue(15000, parish="b"), 3000, parish="b")
    yesterday = redeem_now(issue(15000), 1000)
    age_redemption(db, yesterday.id, 60 * 24)
    keeper = api("shopkeeper")
    body = keeper.get("/api/v1/redemptions").get_json()
    assert [item["id"] for item in body["items"]] == [mine.id]
    assert body["items"][0]["status"] == "committed" and body["items"][0]["settled"] is False
    assert body["next"] is None
    day = db.session.get(Redemption, yesterday.id).created_at
    from voucher.dates import to_local

    older = keeper.get(f"/api/v1/redemptions?date={to_local(day).date().isoformat()}").get_json()
    assert yesterday.id in [item["id"] for item in older["items"]]
    assert keeper.get("/api/v1/redemptions?date=ayer").status_code == 422
    assert api("treasurer").get("/api/v1/redemptions").status_code == 403


def test_day_list_pages(api, issue, redeem_now):
    issued = issue(15000)
    ids = [redeem_now(issued, 1000).id for _ in range(3)]
    keeper = api("shopkeeper")
    first = keeper.get("/api/v1/redemptions?limit=2").get_json()
    assert [i["id"] for i in first["items"]] == ids[::-1][:2]
    rest = keeper.get(f"/api/v1/redemptions?limit=2&cursor={first['next']}").get_json()
    assert [i["id"] for i in rest["items"]] == [ids[0]] and rest["next"] is None


def test_rate_limit_answers_429_with_retry_after(api, app, issue):
    keeper = api("shopkeeper")
    for _ in range(app.config["UNKNOWN_CODE_SLOW_AFTER"]):
        assert keeper.get(f"/api/v1/vouchers/by-code/{unknown_code()}").status_code == 404
    blocked = charge(keeper, issue(15000).code, 1000)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 31
    assert blocked.get_json()["reason"] == "rate_limited"
    lookup = keeper.get(f"/api/v1/vouchers/by-code/{unknown_code()}")
    assert lookup.status_code == 429 and "Retry-After" in lookup.headers
