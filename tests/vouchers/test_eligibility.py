"""One eligibility rule for a single voucher and a round: a household not enrolled in
the program gets no voucher of it, on the API (409 not_enrolled) and on the web (a
clear message with a link to enrol it)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import rut_for
from voucher.dates import local_today
from voucher.families.services import FamilyInput, create_family
from voucher.programs.models import Program
from voucher.programs.services import ProgramInput, create_program
from voucher.treasury.services import FundInput, record_fund
from voucher.vouchers import services
from voucher.vouchers.issuing import NotEnrolled
from voucher.vouchers.models import Voucher


def outsider(db, world, s):
    """A household of the scheme's parish, enrolled in no program."""
    family = create_family(
        db.session,
        s.parish.id,
        FamilyInput("Rosa Fuera", "rut", rut_for(9_100), consent=True),
        s.staff,
    )
    db.session.commit()
    return family


def second_program(db, world, s, fund: int = 50_000):
    """Another funded program of the same parish, with nobody enrolled."""
    program = create_program(
        db.session,
        s.parish.id,
        ProgramInput("Kit de aseo", "hygiene", 8_000, 30, "monthly", 1),
        world.users[("a", "admin")],
    )
    record_fund(
        db.session,
        s.parish,
        FundInput(program.id, fund, local_today(s.parish.timezone), "Colecta"),
        world.users[("a", "treasurer")],
    )
    db.session.commit()
    return program


def vouchers_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Voucher))


def fund_of(db, program) -> int:
    db.session.expire_all()
    return db.session.get(Program, program.id).fund_available


def test_the_service_refuses_a_family_not_enrolled(db, world, scheme, keys):
    s = scheme(families=1, fund=100_000)
    family = outsider(db, world, s)
    with pytest.raises(NotEnrolled) as refused:
        services.issue_voucher(
            db.session,
            parish=s.parish,
            program=s.program,
            family=family,
            user=s.staff,
            keys=keys,
        )
    assert refused.value.reason == "not_enrolled" and refused.value.status == 409
    db.session.rollback()
    assert vouchers_count(db) == 0 and fund_of(db, s.program) == 100_000


def test_the_api_answers_409_not_enrolled(db, world, scheme, api):
    s = scheme(families=1, fund=100_000)
    family = outsider(db, world, s)
    response = api("staff").post(
        "/api/v1/vouchers", json={"family_id": family.id, "program_id": s.program.id}
    )
    assert response.status_code == 409
    assert response.get_json()["reason"] == "not_enrolled"
    assert vouchers_count(db) == 0 and fund_of(db, s.program) == 100_000
    # Enrolled in one program is not enrolled in another.
    other = second_program(db, world, s)
    response = api("staff").post(
        "/api/v1/vouchers", json={"family_id": s.families[0].id, "program_id": other.id}
    )
    assert response.status_code == 409 and response.get_json()["reason"] == "not_enrolled"
    assert vouchers_count(db) == 0 and fund_of(db, other) == 50_000


def test_a_round_still_leaves_out_a_family_not_enrolled(db, world, scheme, keys):
    s = scheme(families=1, fund=100_000)
    family = outsider(db, world, s)
    result = services.issue_round(
        db.session, parish=s.parish, program=s.program, user=s.staff, keys=keys
    )
    db.session.commit()
    issued_to = set(db.session.scalars(sa.select(Voucher.family_id)))
    assert issued_to == {s.families[0].id} and family.id not in issued_to
    assert len(result.voucher_ids) == 1


def test_the_web_form_offers_only_the_familys_programs(db, world, scheme, login_as):
    s = scheme(families=1, fund=100_000)
    other = second_program(db, world, s)
    page = login_as("staff").get(f"/vouchers/issue?family_id={s.families[0].id}")
    html = page.get_data(as_text=True)
    assert "Canasta familiar · $15.000" in html
    assert other.name not in html


def test_the_web_says_a_family_without_programs_must_be_enrolled(db, world, scheme, login_as):
    s = scheme(families=1, fund=100_000)
    family = outsider(db, world, s)
    page = login_as("staff").get(f"/vouchers/issue?family_id={family.id}")
    html = page.get_data(as_text=True)
    assert "no está inscrita en ningún programa activo" in html
    assert f'href="/families/{family.id}#programs-title"' in html
    assert "Inscribir" in html
    assert 'name="program_id"' not in html


def test_the_web_refuses_a_forged_program_with_a_link_to_enrol(db, world, scheme, login_as):
    s = scheme(families=1, fund=100_000)
    other = second_program(db, world, s)
    response = login_as("staff").post(
        f"/vouchers/issue?family_id={s.families[0].id}", data={"program_id": str(other.id)}
    )
    html = response.get_data(as_text=True)
    assert "La familia no está inscrita en el programa Kit de aseo." in html
    assert f'href="/families/{s.families[0].id}#programs-title"' in html
    assert "Inscribir" in html
    assert vouchers_count(db) == 0 and fund_of(db, other) == 50_000
