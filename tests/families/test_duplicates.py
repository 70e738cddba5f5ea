"""Possible duplicates at registration: a close name (accents, case, word order, a small
typo) at the same address or phone is a warning; staff may proceed with a reason."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.api.conftest import assert_problem
from tests.factories import rut_for
from tests.families import helpers
from voucher.families.models import Family
from voucher.families.rules import similar_names


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("maria nunez soto", "maria nunez soto", True),
        ("maria nunez soto", "soto nunez maria", True),
        ("maria nunez soto", "maria nunes soto", True),
        ("maria nunez soto", "pedro rojas diaz", False),
        ("maria nunez soto", "juan nunez soto", False),
    ],
)
def test_similar_names(a, b, same):
    assert similar_names(a, b) is same


def _register(client, name: str, rut: str, address: str, **extra):
    data = {
        "head_name": name,
        "document_type": "rut",
        "document_number": rut,
        "household_adults": "1",
        "household_children": "0",
        "address": address,
        "consent": "y",
        **extra,
    }
    return client.post("/families/new", data=data)


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Family))


def test_same_name_without_accents_at_the_same_address_warns_then_proceeds_with_reason(
    login_as, db, world
):
    first = helpers.family(db, world, "María Núñez Soto", address="Pasaje Los Aromos 12")
    staff = login_as("staff")
    before = _count(db)
    warned = _register(staff, "Maria Nunez Soto", rut_for(301), "pasaje los aromos 12")
    page = warned.get_data(as_text=True)
    assert warned.status_code == 200
    assert "Posible duplicado" in page and f"familia N° {first.id}" in page
    assert f"/families/{first.id}" in page
    assert _count(db) == before
    done = _register(
        staff,
        "Maria Nunez Soto",
        rut_for(301),
        "pasaje los aromos 12",
        other_family_reason="Es la tía, con su propio hogar",
    )
    assert done.status_code == 302
    assert _count(db) == before + 1
    (event,) = [
        e
        for e in helpers.audit_actions(db, "family_created")
        if "other_family_reason" in (e.detail or "")
    ]
    detail = json.loads(event.detail)
    assert detail["other_family_than"] == first.id
    assert detail["other_family_reason"] == "Es la tía, con su propio hogar"


def test_two_different_people_at_the_same_address_register_without_warning(login_as, db, world):
    helpers.family(db, world, "María Núñez Soto", address="Pasaje Los Aromos 12")
    staff = login_as("staff")
    response = _register(staff, "Pedro Rojas Díaz", rut_for(302), "Pasaje Los Aromos 12")
    assert response.status_code == 302


def test_api_answers_possible_duplicate_then_accepts_a_reason(as_role, db, world):
    first = helpers.family(db, world, "María Núñez Soto", phone="+56 9 1234 5678")
    staff = as_role("staff")
    body = {
        "head_name": "Nuñez Soto Maria",
        "document_type": "rut",
        "document_number": rut_for(303),
        "phone": "912345678",
        "consent": True,
    }
    problem = assert_problem(staff.post("/api/v1/families", json=body), 409, "possible_duplicate")
    assert problem["existing_id"] == first.id
    again = staff.post("/api/v1/families", json={**body, "other_family_reason": "Otra persona"})
    assert again.status_code == 201
