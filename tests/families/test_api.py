"""The families API: POST/GET /api/v1/families (contract in shared/design/api.md)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.families import helpers
from voucher.families.models import Family

FAMILY_KEYS = {
    "id",
    "head_name",
    "document_type",
    "document_number",
    "household_size",
    "household_adults",
    "household_children",
    "address",
    "sector",
    "phone",
    "active",
    "created_at",
}


def _body(**overrides) -> dict:
    body = {
        "head_name": "María Nuñez",
        "document_type": "rut",
        "document_number": "12.345.678-5",
        "household_size": 4,
        "address": "Pasaje Los Aromos 123",
        "sector": "Villa Esperanza",
        "phone": "+56 9 1234 5678",
        "consent": True,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _count(db) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Family))


def test_create_family_returns_the_contract_shape(api, db, world):
    response = api("staff").post("/api/v1/families", json=_body(document_number="123456785"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= FAMILY_KEYS
    assert body["document_number"] == "12345678-5"
    assert body["document_type"] == "rut"
    assert (body["household_size"], body["household_adults"], body["household_children"]) == (
        4,
        4,
        0,
    )
    assert body["active"] is True
    assert body["created_at"].endswith(("Z", "+00:00"))
    family = db.session.get(Family, body["id"])
    assert family.parish_id == world.parishes["a"].id
    assert family.consent_by_id == world.users[("a", "staff")].id


def test_create_family_with_adults_and_children(api):
    body = _body(household_size=None, household_adults=2, household_children=3)
    created = api("admin").post("/api/v1/families", json=body).get_json()
    assert (
        created["household_size"],
        created["household_adults"],
        created["household_children"],
    ) == (5, 2, 3)


def test_bad_rut_is_a_422_on_document_number_with_the_reason(api, db):
    response = api("staff").post("/api/v1/families", json=_body(document_number="12.345.678-4"))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert [e["field"] for e in errors] == ["document_number"]
    assert "el dígito verificador debería ser 5" in errors[0]["message"]
    assert _count(db) == 0


INVALID_BODIES = [
    (_body(consent=False), "consent"),
    (_body(consent=None), "consent"),
    (_body(household_size="4"), "household_size"),
    (_body(household_size=0), "household_size"),
    (_body(household_adults=1), "household_size"),
    (_body(household_size=None, household_adults=0), "household_adults"),
    (_body(document_type="dni"), "document_type"),
    (_body(document_number="12.345.678"), "document_number"),
    (_body(head_name=""), "head_name"),
    (_body(extra="x"), "extra"),
]


def test_invalid_bodies_are_refused_with_the_field(api, db):
    client = api("staff")
    for body, field in INVALID_BODIES:
        response = client.post("/api/v1/families", json=body)
        assert response.status_code == 422, body
        assert field in [e["field"] for e in response.get_json()["errors"]], body
    assert _count(db) == 0


def test_duplicate_document_is_a_409_with_existing_id(api, db, world):
    existing = helpers.family(db, world, rut="12345678-5")
    response = api("staff").post("/api/v1/families", json=_body(document_number="12345678-5"))
    assert response.status_code == 409
    body = response.get_json()
    assert body["existing_id"] == existing.id
    assert body["reason"] == "duplicate"
    # The same person can be registered by another parish.
    assert api("staff", parish="b").post("/api/v1/families", json=_body()).status_code == 201


@pytest.mark.parametrize("role", ["treasurer", "shopkeeper"])
def test_only_staff_and_admin_use_families(api, db, role):
    client = api(role)
    assert client.post("/api/v1/families", json=_body()).status_code == 403
    assert client.get("/api/v1/families").status_code == 403
    assert _count(db) == 0


def test_search_by_name_ignoring_accents_or_by_rut_in_any_format(api, db, world):
    rosa = helpers.family(db, world, "ROSA NUÑEZ", rut="12345678-5")
    helpers.family(db, world, "Juan Soto", rut="11111111-1")
    helpers.family(db, world, "Rosa Nuñez de San Esteban", parish="b", rut="22222222-2")
    client = api("staff")
    for q in ("nuñez", "NUNEZ", "Núñez", "12.345.678-5", "123456785", "12345678-5"):
        body = client.get("/api/v1/families", query_string={"q": q}).get_json()
        assert [f["id"] for f in body["items"]] == [rosa.id], q
    everyone = client.get("/api/v1/families").get_json()
    assert {f["head_name"] for f in everyone["items"]} == {"ROSA NUÑEZ", "Juan Soto"}
    assert everyone["next"] is None


def test_list_pages_with_a_cursor(api, db, world):
    ids = [helpers.family(db, world, f"Familia {n}").id for n in range(5)]
    client = api("admin")
    first = client.get("/api/v1/families?limit=2").get_json()
    second = client.get(f"/api/v1/families?limit=2&cursor={first['next']}").get_json()
    third = client.get(f"/api/v1/families?limit=2&cursor={second['next']}").get_json()
    seen = [f["id"] for page in (first, second, third) for f in page["items"]]
    assert seen == sorted(ids, reverse=True)
    assert third["next"] is None


def test_get_one_family_is_logged_and_other_parishes_get_404(api, db, world):
    family = helpers.family(db, world, "Rosa Soto")
    body = api("staff").get(f"/api/v1/families/{family.id}").get_json()
    assert body["head_name"] == "Rosa Soto" and set(body) >= FAMILY_KEYS
    assert len(helpers.audit_actions(db, "family_viewed", family.id)) == 1

    response = api("admin", parish="b").get(f"/api/v1/families/{family.id}")
    assert response.status_code == 404
    assert "Rosa" not in response.get_data(as_text=True)
    assert api("staff").get("/api/v1/families/999999").status_code == 404
