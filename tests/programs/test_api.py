"""The programs and enrolments API (contract in shared/design/api.md)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.api.contract import PROGRAM
from tests.families import helpers
from voucher.programs.models import Enrolment, Program


def _body(**overrides) -> dict:
    body = {
        "name": "Canasta básica",
        "category": "food",
        "voucher_amount": 15000,
        "validity_days": 30,
        "cycle": "monthly",
        "per_cycle_limit": 1,
    }
    body.update(overrides)
    return body


def _count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_admin_creates_a_program(api, db, world):
    response = api("admin").post("/api/v1/programs", json=_body())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == PROGRAM
    assert body["category"] == "food" and body["cycle"] == "monthly"
    assert body["voucher_amount"] == 15000 and body["fund_available"] == 0 and body["active"]
    assert db.session.get(Program, body["id"]).parish_id == world.parishes["a"].id


INVALID_BODIES = [
    (_body(voucher_amount="15000"), "voucher_amount"),
    (_body(voucher_amount=15000.0), "voucher_amount"),
    (_body(voucher_amount=0), "voucher_amount"),
    (_body(category="ropa"), "category"),
    (_body(validity_days=0), "validity_days"),
    (_body(cycle="weekly"), "cycle"),
    (_body(name="  "), "name"),
]


def test_invalid_programs_are_422(api, db):
    client = api("admin")
    for body, field in INVALID_BODIES:
        response = client.post("/api/v1/programs", json=body)
        assert response.status_code == 422, body
        assert field in [e["field"] for e in response.get_json()["errors"]], body
    assert _count(db, Program) == 0


def test_a_name_used_twice_is_409(api, db, world):
    existing = helpers.program(db, world, "Canasta básica")
    response = api("admin").post("/api/v1/programs", json=_body())
    assert response.status_code == 409
    assert response.get_json()["existing_id"] == existing.id


def test_only_the_admin_creates_programs(api, db):
    for role in ("staff", "treasurer", "shopkeeper"):
        assert api(role).post("/api/v1/programs", json=_body()).status_code == 403, role
    assert _count(db, Program) == 0


def test_list_and_get_programs_of_the_own_parish_only(api, db, world):
    here = helpers.program(db, world, "Canasta de aquí")
    there = helpers.program(db, world, "Canasta de allá", parish="b")
    for role in ("staff", "admin", "treasurer"):
        body = api(role).get("/api/v1/programs").get_json()
        assert [p["name"] for p in body["items"]] == ["Canasta de aquí"]
        assert set(body["items"][0]) == PROGRAM and body["next"] is None
    client = api("treasurer")
    assert client.get(f"/api/v1/programs/{here.id}").get_json()["name"] == "Canasta de aquí"
    assert client.get(f"/api/v1/programs/{there.id}").status_code == 404
    assert api("shopkeeper").get("/api/v1/programs").status_code == 403


def test_enrol_once_then_409(api, db, world):
    program = helpers.program(db, world)
    family = helpers.family(db, world)
    client = api("staff")
    response = client.post(
        f"/api/v1/programs/{program.id}/enrolments", json={"family_id": family.id}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("program_id", "family_id")} == {
        "program_id": program.id,
        "family_id": family.id,
    }
    assert isinstance(body["id"], int)
    again = client.post(f"/api/v1/programs/{program.id}/enrolments", json={"family_id": family.id})
    assert again.status_code == 409
    assert again.get_json()["reason"] == "already_enrolled"
    assert _count(db, Enrolment) == 1


def test_enrolment_across_parishes_is_404(api, db, world):
    program_a = helpers.program(db, world, "Canasta A")
    family_a = helpers.family(db, world, "Rosa A")
    family_b = helpers.family(db, world, "Rosa B", parish="b")
    staff_a, staff_b = api("staff"), api("staff", parish="b")
    url = f"/api/v1/programs/{program_a.id}/enrolments"
    assert staff_a.post(url, json={"family_id": family_b.id}).status_code == 404
    assert staff_b.post(url, json={"family_id": family_b.id}).status_code == 404
    assert staff_b.post(url, json={"family_id": family_a.id}).status_code == 404
    assert staff_a.post(url, json={"family_id": "1"}).status_code == 422
    assert api("treasurer").post(url, json={"family_id": family_a.id}).status_code == 403
    assert _count(db, Enrolment) == 0


def test_openapi_declares_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/families"])
    assert {"post", "get"} <= set(paths["/api/v1/programs"])
    assert "post" in paths["/api/v1/programs/{program_id}/enrolments"]
    assert "get" in paths["/api/v1/families/{family_id}"]
