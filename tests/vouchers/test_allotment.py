"""Fair allotments: a program's voucher worth the program's value plus an amount per
household member beyond the first, capped; rounds, their preview and single issuance
follow the same rule, the ledger reserves the exact total; the per-cycle limit is
exceeded for one family only with a written reason."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests import factories
from tests.families import helpers
from voucher.programs.models import Program, household_amount
from voucher.programs.services import ProgramInput, create_program
from voucher.vouchers.models import Voucher

BASE, EXTRA, CAP = 10_000, 3_000, 25_000
# Household sizes and what each gets: 1 -> base; 3 -> base + 2 extra; 8 -> capped.
SIZES = {(1, 0): 10_000, (2, 1): 16_000, (2, 6): 25_000}


@pytest.mark.parametrize(
    ("size", "cap", "expected"),
    [(1, None, 10_000), (0, None, 10_000), (3, None, 16_000), (8, None, 31_000), (8, CAP, CAP)],
)
def test_household_amount(size, cap, expected):
    assert household_amount(BASE, EXTRA, cap, size) == expected


@pytest.fixture
def household_program(db, world):
    parish, admin = world.parishes["a"], world.users[("a", "admin")]
    program = create_program(
        db.session,
        parish.id,
        ProgramInput(
            "Canasta por hogar",
            "food",
            BASE,
            30,
            "monthly",
            1,
            allotment="household",
            extra_member_amount=EXTRA,
            voucher_amount_cap=CAP,
        ),
        admin,
    )
    db.session.commit()
    families = {}
    staff = world.users[("a", "staff")]
    for (adults, children), amount in SIZES.items():
        family = factories.family(
            db.session,
            parish,
            staff,
            f"Hogar {adults + children}",
            household_adults=adults,
            household_children=children,
            programs=[program],
        )
        families[family.id] = amount
    db.session.commit()
    return program, families


def _vouchers(db, program_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Voucher.family_id, Voucher.amount).where(Voucher.program_id == program_id)
    )
    return dict(rows.all())


def test_round_gives_each_household_its_amount_and_reserves_the_exact_total(
    app, api, db, world, household_program
):
    program, expected = household_program
    total = sum(expected.values())
    helpers.fund(db, world, program, total)
    staff = api("staff")
    response = staff.post(f"/api/v1/programs/{program.id}/rounds", json={})
    assert response.status_code == 201, response.get_json()
    assert _vouchers(db, program.id) == expected
    db.session.expire_all()
    assert db.session.get(Program, program.id).fund_available == 0
    verify = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output


def test_the_fund_check_uses_the_households_total(api, db, world, household_program):
    program, expected = household_program
    # Enough for three flat vouchers, not for the households' total.
    helpers.fund(db, world, program, sum(expected.values()) - 1)
    response = api("staff").post(f"/api/v1/programs/{program.id}/rounds", json={})
    assert response.status_code == 409
    assert response.get_json()["reason"] == "insufficient_fund"
    assert _vouchers(db, program.id) == {}


def test_round_preview_shows_each_familys_amount_and_the_total(
    login_as, db, world, household_program
):
    program, _amounts = household_program
    helpers.fund(db, world, program, 100_000)
    page = login_as("staff").get(f"/vouchers/rounds/new?program_id={program.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[:500]
    for name, amount in (("Hogar 1", "$10.000"), ("Hogar 3", "$16.000"), ("Hogar 8", "$25.000")):
        assert f"{name}</a> · {amount}" in text
    assert "$51.000" in text


def test_single_issuance_uses_the_same_rule_and_the_limit_needs_a_reason(
    api, db, world, household_program
):
    program, expected = household_program
    helpers.fund(db, world, program, 100_000)
    family_id = next(fid for fid, amount in expected.items() if amount == 16_000)
    staff = api("staff")
    body = {"family_id": family_id, "program_id": program.id}
    too_much = staff.post("/api/v1/vouchers", json={**body, "amount": 16_001})
    assert too_much.status_code == 422
    first = staff.post("/api/v1/vouchers", json=body)
    assert first.status_code == 201 and first.get_json()["amount"] == 16_000
    again = staff.post("/api/v1/vouchers", json=body)
    assert again.status_code == 409 and again.get_json()["reason"] == "cycle_limit"
    blank = staff.post("/api/v1/vouchers", json={**body, "limit_override_reason": "   "})
    assert blank.status_code == 409 and blank.get_json()["reason"] == "cycle_limit"
    reason = "Incendio en la casa: necesita una segunda canasta"
    over = staff.post("/api/v1/vouchers", json={**body, "limit_override_reason": reason})
    assert over.status_code == 201, over.get_json()
    (event,) = helpers.audit_actions(db, "cycle_limit_overridden")
    assert json.loads(event.detail)["reason"] == reason


def test_program_api_takes_and_answers_the_allotment(api):
    admin = api("admin")
    body = {
        "name": "Por hogar",
        "category": "food",
        "voucher_amount": 10_000,
        "validity_days": 30,
        "cycle": "monthly",
        "allotment": "household",
        "extra_member_amount": 2_000,
        "voucher_amount_cap": 20_000,
    }
    created = admin.post("/api/v1/programs", json=body)
    assert created.status_code == 201
    answer = created.get_json()
    assert (answer["allotment"], answer["extra_member_amount"], answer["voucher_amount_cap"]) == (
        "household",
        2_000,
        20_000,
    )
    low_cap = admin.post(
        "/api/v1/programs", json={**body, "name": "Otro", "voucher_amount_cap": 5_000}
    )
    assert low_cap.status_code == 422
    assert [e["field"] for e in low_cap.get_json()["errors"]] == ["voucher_amount_cap"]


def test_web_issuance_asks_why_before_exceeding_the_cycle_limit(
    login_as, db, world, household_program
):
    program, expected = household_program
    helpers.fund(db, world, program, 100_000)
    family_id = next(fid for fid, amount in expected.items() if amount == 25_000)
    staff = login_as("staff")
    page = staff.get(f"/vouchers/issue?family_id={family_id}").get_data(as_text=True)
    assert "Canasta por hogar · $25.000" in page
    data = {"program_id": str(program.id)}
    assert staff.post(f"/vouchers/issue?family_id={family_id}", data=data).status_code == 302
    refused = staff.post(f"/vouchers/issue?family_id={family_id}", data=data)
    text = refused.get_data(as_text=True)
    assert "ya recibió 1 vale de este programa" in text and "sobre el límite del ciclo" in text
    assert len(_vouchers_list(db, program.id)) == 1
    done = staff.post(
        f"/vouchers/issue?family_id={family_id}",
        data={**data, "limit_override_reason": "Familia damnificada por el temporal"},
    )
    assert done.status_code == 302
    assert len(_vouchers_list(db, program.id)) == 2


def _vouchers_list(db, program_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(Voucher.id).where(Voucher.program_id == program_id)))
