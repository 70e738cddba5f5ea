"""Programs on the web: list, admin form, program page and enrolment."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.families import helpers
from voucher.programs.models import Category, Cycle, Enrolment, Program


def _form(**overrides) -> dict:
    data = {
        "name": "Canasta básica",
        "category": "food",
        "voucher_amount": "15.000",
        "validity_days": "30",
        "cycle": "monthly",
        "per_cycle_limit": "1",
        "active": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _programs(db) -> list[Program]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Program)))


def _enrolments(db) -> list[tuple[int, int]]:
    db.session.expire_all()
    return [(e.program_id, e.family_id) for e in db.session.scalars(sa.select(Enrolment))]


def test_admin_creates_a_program_with_a_value_written_with_dots(login_as, db, world):
    client = login_as("admin")
    response = client.post("/programs/new", data=_form())
    assert response.status_code == 302
    [program] = _programs(db)
    assert response.headers["Location"].endswith(f"/programs/{program.id}")
    assert program.voucher_amount == 15000
    assert (program.category, program.cycle) == (Category.FOOD, Cycle.MONTHLY)
    assert program.parish_id == world.parishes["a"].id and program.active is True
    assert helpers.audit_actions(db, "program_created", program.id)

    listing = client.get("/programs/").get_data(as_text=True)
    assert "Canasta básica" in listing and "$15.000" in listing
    assert "Alimentos" in listing and "Mensual" in listing and "$0" in listing


def test_bad_values_are_explained_and_kept(login_as, db):
    response = login_as("admin").post(
        "/programs/new", data=_form(voucher_amount="15,5", validity_days="0", name="Útiles")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Escriba un monto en pesos" in page and "Escriba entre 1 y 366 días" in page
    assert 'value="15,5"' in page and 'value="Útiles"' in page
    assert _programs(db) == []


def test_a_name_used_twice_is_refused(login_as, db, world):
    helpers.program(db, world, "Canasta básica")
    page = login_as("admin").post("/programs/new", data=_form()).get_data(as_text=True)
    assert "Ya existe un programa con ese nombre" in page
    assert len(_programs(db)) == 1


def test_admin_edits_a_program(login_as, db, world):
    program = helpers.program(db, world, "Canasta", amount=15000)
    client = login_as("admin")
    form_page = client.get(f"/programs/{program.id}/edit").get_data(as_text=True)
    assert 'value="15.000"' in form_page
    response = client.post(
        f"/programs/{program.id}/edit",
        data=_form(name="Canasta", voucher_amount="$20.000", category="hygiene", active=None),
    )
    assert response.status_code == 302
    [edited] = _programs(db)
    assert (edited.voucher_amount, edited.category, edited.active) == (
        20000,
        Category.HYGIENE,
        False,
    )


@pytest.mark.parametrize("role", ["staff", "treasurer"])
def test_only_the_admin_creates_or_edits_programs(login_as, db, world, role):
    program = helpers.program(db, world, "Canasta")
    client = login_as(role)
    assert client.get("/programs/").status_code == 200
    assert client.get("/programs/new").status_code == 403
    assert client.post("/programs/new", data=_form(name="Otro")).status_code == 403
    assert client.post(f"/programs/{program.id}/edit", data=_form()).status_code == 403
    assert [p.name for p in _programs(db)] == ["Canasta"]


def test_shopkeeper_sees_no_programs(login_as):
    assert login_as("shopkeeper").get("/programs/").status_code == 403


def test_lists_never_show_another_parish(login_as, db, world):
    helpers.program(db, world, "Canasta de aquí")
    helpers.program(db, world, "Canasta de allá", parish="b")
    page = login_as("treasurer").get("/programs/").get_data(as_text=True)
    assert "Canasta de aquí" in page and "Canasta de allá" not in page


def test_enrol_a_family_found_by_rut_from_the_program_page(login_as, db, world):
    program = helpers.program(db, world, "Canasta")
    family = helpers.family(db, world, "Rosa Nuñez", rut="12345678-5")
    helpers.family(db, world, "Juan Soto", rut="11111111-1")
    helpers.family(db, world, "Rosa de otra parroquia", parish="b", rut="12345678-5")
    client = login_as("staff")

    found = client.get(f"/programs/{program.id}?q=12.345.678-5").get_data(as_text=True)
    assert "Rosa Nuñez" in found and "Juan Soto" not in found and "otra parroquia" not in found
    response = client.post(f"/programs/{program.id}/enrolments", data={"family_id": family.id})
    assert response.status_code == 302
    assert _enrolments(db) == [(program.id, family.id)]

    page = client.get(f"/programs/{program.id}?q=nunez").get_data(as_text=True)
    assert "Familias inscritas (1)" in page
    assert f'href="/families/{family.id}"' in page
    assert "No hay familias activas sin inscribir" in page  # already enrolled: not offered

    again = client.post(
        f"/programs/{program.id}/enrolments", data={"family_id": family.id}, follow_redirects=True
    )
    assert "ya está inscrita" in again.get_data(as_text=True)
    assert _enrolments(db) == [(program.id, family.id)]
    assert len(helpers.audit_actions(db, "family_enrolled")) == 1


def test_enrolled_families_are_paginated(login_as, db, world):
    from voucher.programs.services import enrol_family

    program = helpers.program(db, world)
    for n in range(27):
        enrol_family(
            db.session,
            program,
            helpers.family(db, world, f"Familia {n:02d}"),
            world.users[("a", "staff")],
        )
    db.session.commit()
    client = login_as("admin")
    first = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "Familias inscritas (27)" in first and "Página 1 de 2" in first
    assert "Familia 26" in first and "Familia 00" not in first
    assert "Familia 00" in client.get(f"/programs/{program.id}?page=2").get_data(as_text=True)


def test_a_deactivated_family_cannot_be_enrolled(login_as, db, world):
    from voucher.families.services import set_active

    program = helpers.program(db, world)
    family = helpers.family(db, world)
    set_active(db.session, family, False, world.users[("a", "staff")])
    db.session.commit()
    response = login_as("staff").post(
        f"/programs/{program.id}/enrolments", data={"family_id": family.id}, follow_redirects=True
    )
    assert "desactivada" in response.get_data(as_text=True)
    assert _enrolments(db) == []


def test_another_parish_gets_404(login_as, db, world):
    program = helpers.program(db, world, "Canasta de aquí")
    mine = helpers.family(db, world, parish="b")
    theirs = helpers.family(db, world, parish="a")
    client = login_as("admin", parish="b")
    assert client.get(f"/programs/{program.id}").status_code == 404
    assert client.get(f"/programs/{program.id}/edit").status_code == 404
    assert client.post(f"/programs/{program.id}/edit", data=_form()).status_code == 404
    assert (
        client.post(f"/programs/{program.id}/enrolments", data={"family_id": mine.id}).status_code
        == 404
    )
    # Nor can parish a enrol parish b's family in its own program.
    own = login_as("staff", parish="a")
    assert (
        own.post(f"/programs/{program.id}/enrolments", data={"family_id": mine.id}).status_code
        == 404
    )
    assert (
        own.post(f"/programs/{program.id}/enrolments", data={"family_id": theirs.id}).status_code
        == 302
    )
    assert _enrolments(db) == [(program.id, theirs.id)]
    assert _programs(db)[0].name == "Canasta de aquí"


def test_treasurer_does_not_open_the_family_list_of_a_program(login_as, db, world):
    program = helpers.program(db, world)
    client = login_as("treasurer")
    assert f'href="/programs/{program.id}"' not in client.get("/programs/").get_data(as_text=True)
    assert client.get(f"/programs/{program.id}").status_code == 403
