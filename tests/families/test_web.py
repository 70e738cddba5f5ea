"""Households on the web: register, search, the family page, privacy actions."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.families import helpers
from voucher.families.models import Family
from voucher.programs.models import Enrolment


def _form(**overrides) -> dict:
    data = {
        "head_name": "María Nuñez",
        "document_type": "rut",
        "document_number": "12.345.678-5",
        "household_adults": "2",
        "household_children": "3",
        "address": "Pasaje Los Aromos 123",
        "sector": "Villa Esperanza",
        "phone": "+56 9 1234 5678",
        "notes": "",
        "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _families(db) -> list[Family]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Family)))


def test_staff_registers_a_family_and_sees_its_page(login_as, db, world):
    client = login_as("staff")
    response = client.post("/families/new", data=_form(document_number="123456785"))
    assert response.status_code == 302
    [family] = _families(db)
    assert response.headers["Location"].endswith(f"/families/{family.id}")
    assert family.document_number == "12345678-5"
    assert (family.household_adults, family.household_children) == (2, 3)
    assert family.consent_by_id == world.users[("a", "staff")].id

    page = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "12.345.678-5" in page
    assert "Total: 5 (adultos: 2; niñas y niños: 3)" in page
    assert f"Lo registró {world.users[('a', 'staff')].name}" in page
    assert "Anonimizar" not in page  # privacy actions are for the admin
    assert len(helpers.audit_actions(db, "family_created", family.id)) == 1
    assert len(helpers.audit_actions(db, "family_viewed", family.id)) == 1


def test_bad_rut_is_explained_next_to_the_field_and_the_form_keeps_what_was_typed(login_as, db):
    response = login_as("staff").post("/families/new", data=_form(document_number="12.345.678-4"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="document_number-error"' in page
    assert "RUT inválido: el dígito verificador debería ser 5" in page
    assert 'value="12.345.678-4"' in page
    assert 'value="María Nuñez"' in page
    assert 'value="Pasaje Los Aromos 123"' in page
    assert _families(db) == []


def test_registration_requires_consent_and_a_name(login_as, db):
    response = login_as("admin").post("/families/new", data=_form(consent=None, head_name=" "))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Registre el consentimiento" in page
    assert "Escriba el nombre" in page
    assert _families(db) == []


def test_non_numeric_household_is_refused_with_a_message(login_as, db):
    page = (
        login_as("staff")
        .post("/families/new", data=_form(household_children="dos"))
        .get_data(as_text=True)
    )
    assert "Escriba un número entre 0 y 30" in page
    assert 'value="dos"' in page
    assert _families(db) == []


def test_same_document_twice_points_to_the_existing_family(login_as, db, world):
    existing = helpers.family(db, world, "Rosa Soto", rut="11111111-1")
    response = login_as("staff").post("/families/new", data=_form(document_number="11.111.111-1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/families/{existing.id}"' in page
    assert "Ya existe una familia con ese documento" in page
    assert len(_families(db)) == 1

    # Another parish may register the same person.
    other = login_as("staff", parish="b").post(
        "/families/new", data=_form(document_number="11.111.111-1")
    )
    assert other.status_code == 302


def test_search_ignores_accents_and_case_and_reads_any_rut_format(login_as, db, world):
    helpers.family(db, world, "ROSA NUÑEZ PÉREZ", rut="12345678-5")
    helpers.family(db, world, "Juan Soto", rut="11111111-1")
    helpers.family(db, world, "Nuñez de otra parroquia", parish="b", rut="22222222-2")
    client = login_as("staff")

    for q in ("Nuñez", "nunez", "NÚÑEZ", "rosa nuñez", "12.345.678-5", "123456785", "12345678"):
        page = client.get("/families/", query_string={"q": q}).get_data(as_text=True)
        assert "ROSA NUÑEZ PÉREZ" in page, q
        assert "Juan Soto" not in page, q
        assert "otra parroquia" not in page, q

    everyone = client.get("/families/").get_data(as_text=True)
    assert "Juan Soto" in everyone and "ROSA NUÑEZ PÉREZ" in everyone
    assert "otra parroquia" not in everyone
    assert "12.345.678-5" in everyone
    nobody = client.get("/families/?q=Gonz%C3%A1lez").get_data(as_text=True)
    assert "No encontramos familias" in nobody


def test_the_family_list_is_paginated(login_as, db, world):
    for n in range(26):
        helpers.family(db, world, f"Familia {n:02d}")
    client = login_as("staff")
    first = client.get("/families/").get_data(as_text=True)
    assert "Página 1 de 2" in first
    assert "Familia 25" in first and "Familia 00" not in first
    second = client.get("/families/?page=2").get_data(as_text=True)
    assert "Familia 00" in second and "Familia 25" not in second


def test_edit_keeps_consent_and_is_audited(login_as, db, world):
    family = helpers.family(db, world, "Rosa Soto")
    client = login_as("staff")
    form_page = client.get(f"/families/{family.id}/edit").get_data(as_text=True)
    assert 'value="Rosa Soto"' in form_page
    response = client.post(
        f"/families/{family.id}/edit",
        data=_form(
            head_name="Rosa Soto Díaz",
            document_number=family.document_number,
            phone="22 555 0000",
            consent=None,
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert family.head_name == "Rosa Soto Díaz" and family.phone == "22 555 0000"
    [event] = helpers.audit_actions(db, "family_updated", family.id)
    assert "phone" in event.detail


def test_edit_to_a_document_already_registered_is_refused(login_as, db, world):
    helpers.family(db, world, "Rosa Soto", rut="11111111-1")
    second = helpers.family(db, world, "Ana Díaz", rut="22222222-2")
    page = (
        login_as("staff")
        .post(
            f"/families/{second.id}/edit",
            data=_form(head_name="Ana Díaz", document_number="111111111"),
        )
        .get_data(as_text=True)
    )
    assert "Ya existe una familia con ese documento" in page
    db.session.expire_all()
    assert second.document_number == "22222222-2"


def test_deactivate_and_reactivate(login_as, db, world):
    family = helpers.family(db, world)
    client = login_as("staff")
    client.post(f"/families/{family.id}/deactivate")
    db.session.expire_all()
    assert family.active is False
    assert "Familia desactivada" in client.get(f"/families/{family.id}").get_data(as_text=True)
    client.post(f"/families/{family.id}/reactivate")
    db.session.expire_all()
    assert family.active is True
    assert helpers.audit_actions(db, "family_deactivated", family.id)
    assert helpers.audit_actions(db, "family_activated", family.id)


def test_enrol_from_the_family_page(login_as, db, world):
    family = helpers.family(db, world)
    program = helpers.program(db, world, "Canasta básica")
    client = login_as("staff")
    page = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "Inscribir en programa" in page and "Canasta básica" in page

    response = client.post(f"/families/{family.id}/enrol", data={"program_id": str(program.id)})
    assert response.status_code == 302
    enrolments = db.session.scalars(sa.select(Enrolment)).all()
    assert [(e.program_id, e.family_id) for e in enrolments] == [(program.id, family.id)]
    # A second time is refused with a message, and nothing changes.
    again = client.post(
        f"/families/{family.id}/enrol", data={"program_id": str(program.id)}, follow_redirects=True
    )
    assert "ya está inscrita" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1


def test_a_program_of_another_parish_cannot_be_chosen(login_as, db, world):
    family = helpers.family(db, world)
    foreign = helpers.program(db, world, "Ajeno", parish="b")
    response = login_as("staff").post(
        f"/families/{family.id}/enrol", data={"program_id": str(foreign.id)}
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0


def test_family_page_lists_its_vouchers_with_their_state(app, login_as, db, world):
    from voucher.programs.services import enrol_family
    from voucher.vouchers.keys import code_keys
    from voucher.vouchers.services import issue_voucher

    family = helpers.family(db, world)
    program = helpers.program(db, world, amount=12000)
    helpers.fund(db, world, program, 50000)
    enrol_family(db.session, program, family, world.users[("a", "staff")])
    issued = issue_voucher(
        db.session,
        parish=world.parishes["a"],
        program=program,
        family=family,
        user=world.users[("a", "staff")],
        keys=code_keys(),
    )
    db.session.commit()

    page = login_as("staff").get(f"/families/{family.id}").get_data(as_text=True)
    assert issued.voucher.serial in page
    assert "$12.000" in page
    assert "badge-active" in page and "Vigente" in page
    assert issued.code not in page  # the bearer secret never shows here
    if "vouchers.detail" in app.view_functions:
        assert f'href="/vouchers/{issued.voucher.id}"' in page
    if "vouchers.issue" in app.view_functions:
        assert f"/vouchers/issue?family_id={family.id}" in page


def test_admin_exports_a_family_as_json(login_as, db, world):
    family = helpers.family(db, world, "Rosa Soto", address="Calle 1")
    response = login_as("admin").post(f"/families/{family.id}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["head_name"] == "Rosa Soto" and data["address"] == "Calle 1"
    assert data["consent_at"] and data["vouchers"] == []
    assert helpers.audit_actions(db, "family_exported", family.id)


def test_anonymise_erases_personal_data_but_keeps_vouchers_and_books(login_as, db, world):
    from voucher.oversight.verify import verify_parish
    from voucher.programs.services import enrol_family
    from voucher.vouchers.keys import code_keys
    from voucher.vouchers.models import Voucher
    from voucher.vouchers.services import issue_voucher

    family = helpers.family(db, world, "Rosa Soto", rut="12345678-5", phone="555")
    program = helpers.program(db, world)
    helpers.fund(db, world, program, 30000)
    enrol_family(db.session, program, family, world.users[("a", "staff")])
    issued = issue_voucher(
        db.session,
        parish=world.parishes["a"],
        program=program,
        family=family,
        user=world.users[("a", "staff")],
        keys=code_keys(),
    )
    db.session.commit()
    voucher_id, serial = issued.voucher.id, issued.voucher.serial

    client = login_as("admin")
    page = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "data-confirm" in page and "Anonimizar familia" in page
    assert client.post(f"/families/{family.id}/anonymise").status_code == 302

    db.session.expire_all()
    assert "Rosa" not in family.head_name and family.phone == ""
    assert family.document_number != "12345678-5" and family.active is False
    voucher = db.session.get(Voucher, voucher_id)
    assert (voucher.family_id, voucher.amount, voucher.remaining) == (family.id, 15000, 15000)
    assert verify_parish(db.session, world.parishes["a"]).ok
    after = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert serial in after and "Rosa Soto" not in after and "12.345.678-5" not in after
    assert helpers.audit_actions(db, "family_anonymised", family.id)
    # Its data is gone for good: no reactivation, no edit, the RUT can be registered again.
    client.post(f"/families/{family.id}/reactivate")
    db.session.expire_all()
    assert family.active is False
    assert client.get(f"/families/{family.id}/edit").status_code == 302
    assert client.post("/families/new", data=_form()).status_code == 302


FAMILY_ROUTES = [
    ("get", "/families/{id}"),
    ("get", "/families/{id}/edit"),
    ("post", "/families/{id}/edit"),
    ("post", "/families/{id}/deactivate"),
    ("post", "/families/{id}/enrol"),
    ("post", "/families/{id}/export"),
    ("post", "/families/{id}/anonymise"),
]


def test_another_parish_gets_404_everywhere(login_as, db, world):
    family = helpers.family(db, world, "Rosa Soto")
    client = login_as("admin", parish="b")
    for method, path in FAMILY_ROUTES:
        response = getattr(client, method)(path.format(id=family.id), data={"program_id": "1"})
        assert response.status_code == 404, path
        assert "Rosa Soto" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert family.active is True and family.head_name == "Rosa Soto"
    assert helpers.audit_actions(db, "family_viewed") == []


@pytest.mark.parametrize("role", ["treasurer", "shopkeeper"])
def test_treasurer_and_shopkeeper_cannot_see_or_register_families(login_as, db, world, role):
    family = helpers.family(db, world)
    client = login_as(role)
    assert client.get("/families/").status_code == 403
    assert client.get(f"/families/{family.id}").status_code == 403
    assert client.post("/families/new", data=_form(document_number="11111111-1")).status_code == 403
    assert len(_families(db)) == 1


def test_staff_cannot_export_or_anonymise(login_as, db, world):
    family = helpers.family(db, world, "Rosa Soto")
    client = login_as("staff")
    assert client.post(f"/families/{family.id}/export").status_code == 403
    assert client.post(f"/families/{family.id}/anonymise").status_code == 403
    db.session.expire_all()
    assert family.head_name == "Rosa Soto"
