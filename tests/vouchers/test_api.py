"""The vouchers JSON API: exact shapes, refusals, idempotent replays, and that no
voucher code is ever stored in clear."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.api.contract import CODE, VOUCHER
from tests.vouchers.conftest import voucher_row
from voucher.api.models import IdempotencyRecord
from voucher.oversight.verify import verify_parish
from voucher.programs.models import Program
from voucher.shops.redemption import Scanner, lookup
from voucher.vouchers import rules
from voucher.vouchers.codes import normalize_code
from voucher.vouchers.models import Voucher


def issue(client, s, family=0, **extra):
    body = {"family_id": s.families[family].id, "program_id": s.program.id, **extra}
    return client.post("/api/v1/vouchers", json=body, headers=extra.pop("headers", None))


def test_issue_answers_the_voucher_with_its_code_once(db, scheme, api):
    s = scheme(families=1, fund=20_000)
    response = issue(api("staff"), s)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert VOUCHER | {"code", "redeem_url"} <= set(body)
    assert CODE.match(body["code"])
    assert body["redeem_url"] == f"http://vales.test/r/{body['code']}"
    assert body["amount"] == body["remaining"] == 15_000
    assert body["status"] == "active" and body["category"] == "food"
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", body["expires_on"])
    row = voucher_row(db, body["id"])
    stored = " ".join(str(value) for value in row.values())
    assert body["code"] not in stored and body["code"].replace("-", "") not in stored
    detail = api("treasurer").get(f"/api/v1/vouchers/{body['id']}").get_json()
    assert set(detail) >= VOUCHER and "code" not in detail


def test_a_replayed_issue_gives_the_same_voucher_and_stores_no_code(db, scheme, api):
    s = scheme(families=1, fund=100_000)
    client = api("staff")
    headers = {"Idempotency-Key": "desk-1-family-0"}
    first = client.post(
        "/api/v1/vouchers",
        json={"family_id": s.families[0].id, "program_id": s.program.id},
        headers=headers,
    )
    again = client.post(
        "/api/v1/vouchers",
        json={"family_id": s.families[0].id, "program_id": s.program.id},
        headers=headers,
    )
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voucher)) == 1
    record = db.session.scalars(sa.select(IdempotencyRecord)).one()
    code = first.get_json()["code"]
    assert code not in record.body and code.replace("-", "") not in record.body


def test_issue_refusals(db, scheme, api):
    s = scheme(families=2, fund=20_000)
    other = scheme(families=1, parish="b", name="Otro")
    client = api("staff")
    assert issue(client, s).status_code == 201
    limit = issue(client, s)
    assert limit.status_code == 409 and limit.get_json()["reason"] == "cycle_limit"
    short = issue(client, s, 1)
    assert short.status_code == 409 and short.get_json()["reason"] == "insufficient_fund"
    assert issue(client, s, 1, amount="5000").status_code == 422
    assert issue(client, s, 1, amount=0).status_code == 422
    assert issue(client, s, 1, extra_field=1).status_code == 422
    foreign = client.post(
        "/api/v1/vouchers", json={"family_id": other.families[0].id, "program_id": s.program.id}
    )
    assert foreign.status_code == 404
    partial = issue(client, s, 1, amount=5_000)
    assert partial.status_code == 201 and partial.get_json()["amount"] == 5_000


def test_list_is_paginated_and_filtered(db, scheme, api):
    s = scheme(families=3, fund=100_000)
    client = api("staff")
    ids = [issue(client, s, n).get_json()["id"] for n in range(3)]
    page = client.get("/api/v1/vouchers?limit=2").get_json()
    assert [v["id"] for v in page["items"]] == [ids[2], ids[1]]
    rest = client.get(f"/api/v1/vouchers?limit=2&cursor={page['next']}").get_json()
    assert [v["id"] for v in rest["items"]] == [ids[0]] and rest["next"] is None
    client.post(f"/api/v1/vouchers/{ids[0]}/cancel", json={"reason": "error"})
    cancelled = client.get("/api/v1/vouchers?status=cancelled").get_json()["items"]
    assert [v["id"] for v in cancelled] == [ids[0]]
    assert client.get("/api/v1/vouchers?status=lost").status_code == 422
    assert api("staff", parish="b").get("/api/v1/vouchers").get_json()["items"] == []


def test_cancel_and_replace(db, scheme, api, world, keys):
    s = scheme(families=2, fund=30_000)
    client = api("staff")
    first = issue(client, s).get_json()
    second = issue(client, s, 1).get_json()
    cancelled = client.post(f"/api/v1/vouchers/{first['id']}/cancel", json={"reason": "Mudanza"})
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled" and cancelled.get_json()["remaining"] == 0
    again = client.post(f"/api/v1/vouchers/{first['id']}/cancel", json={"reason": "x"})
    assert again.status_code == 409
    assert client.post(f"/api/v1/vouchers/{second['id']}/cancel", json={}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Program, s.program.id).fund_available == 15_000

    replaced = client.post(f"/api/v1/vouchers/{second['id']}/replace", json={"reason": "Perdido"})
    assert replaced.status_code == 200
    body = replaced.get_json()
    assert body["id"] == second["id"] and CODE.match(body["code"])
    assert body["code"] != second["code"]
    assert body["redeem_url"].endswith(body["code"])
    scanner = Scanner(world.users[("a", "shopkeeper")], world.shops["a"], "10.0.0.2")
    try:
        lookup(db.session, scanner, second["code"], keys=keys)
        raise AssertionError("the old code still works")
    except rules.Replaced:
        pass
    assert lookup(db.session, scanner, body["code"], keys=keys).voucher.id == second["id"]
    assert normalize_code(body["code"]) == keys.decrypt(
        voucher_row(db, second["id"])["code_encrypted"]
    )
    assert (
        client.post(f"/api/v1/vouchers/{first['id']}/replace", json={"reason": "x"}).status_code
        == 409
    )
    assert verify_parish(db.session, s.parish).ok


def test_round_all_or_nothing(db, scheme, api):
    s = scheme(families=3, fund=40_000)
    client = api("staff")
    short = client.post(f"/api/v1/programs/{s.program.id}/rounds", json={})
    assert short.status_code == 409 and short.get_json()["reason"] == "insufficient_fund"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voucher)) == 0
    db.session.expire_all()
    assert db.session.get(Program, s.program.id).fund_available == 40_000

    s2 = scheme(families=2, fund=100_000, name="Kit", amount=8_000, category="hygiene")
    issue(client, s2, 0)
    done = client.post(
        f"/api/v1/programs/{s2.program.id}/rounds", json={}, headers={"Idempotency-Key": "r-1"}
    )
    assert done.status_code == 201
    body = done.get_json()
    assert set(body) >= {"id", "issued", "voucher_ids", "skipped"}
    assert body["issued"] == 1 and len(body["voucher_ids"]) == 1
    assert body["skipped"] == [{"family_id": s2.families[0].id, "reason": "already_served"}]
    replay = client.post(
        f"/api/v1/programs/{s2.program.id}/rounds", json={}, headers={"Idempotency-Key": "r-1"}
    )
    assert replay.get_json() == body
    assert client.post(f"/api/v1/programs/{s2.program.id}/rounds", json={"x": 1}).status_code == 422
    pdf = client.get(f"/api/v1/rounds/{body['id']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")


def test_openapi_declares_the_pdfs(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in (
        ("/api/v1/vouchers/{voucher_id}/pdf", "get"),
        ("/api/v1/vouchers/print", "post"),
        ("/api/v1/rounds/{round_id}/pdf", "get"),
    ):
        assert "application/pdf" in paths[path][method]["responses"]["200"]["content"]
    assert "/api/v1/programs/{program_id}/rounds" in paths
