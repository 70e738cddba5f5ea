"""No input answers 500: JSON nested without end, and NUL or other control characters in
any text field or search, on both engines (PostgreSQL refuses NUL; SQLite stored it)."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_problem


def test_json_nested_fifty_thousand_levels_deep_is_a_422(as_role, seed):
    body = "[" * 50_000 + "]" * 50_000
    answer = as_role("staff").post(
        "/api/v1/families", data='{"head_name": ' + body + "}", content_type="application/json"
    )
    assert_problem(answer, 422, "validation", ["body"])
    deep = '{"a":' * 40 + "1" + "}" * 40
    answer = as_role("staff").post("/api/v1/families", data=deep, content_type="application/json")
    assert_problem(answer, 422, "validation", ["body"])


@pytest.mark.parametrize("field", ["head_name", "address"])
def test_a_nul_in_a_json_text_field_names_the_field(as_role, seed, field):
    body = {"head_name": "María", "document_type": "passport", "document_number": "X1"}
    body[field] = "María\u0000 Núñez"
    answer = as_role("staff").post("/api/v1/families", json=body)
    assert_problem(answer, 422, "validation", [field])


def test_a_nul_in_an_api_search_is_a_422(as_role, seed):
    answer = as_role("staff").get("/api/v1/families?q=12\u0000")
    assert_problem(answer, 422, "validation", ["q"])


def test_a_nul_in_a_web_search_or_form_is_said_plainly(login_as):
    staff = login_as("staff")
    page = staff.get("/families/?q=12%00")
    assert page.status_code == 422
    assert "caracteres no permitidos" in page.get_data(as_text=True)
    form = staff.post("/families/new", data={"head_name": "Ana\x00"})
    assert form.status_code == 422
    assert "caracteres no permitidos" in form.get_data(as_text=True)


def test_pages_with_personal_data_are_not_cached(login_as):
    page = login_as("staff").get("/families/")
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("received_on", ["0001-01-01", "1999-12-31"])
def test_a_fund_dated_before_any_parish_books_is_refused(as_role, seed, received_on):
    body = {
        "program_id": seed.first("program_id"),
        "amount": 10_000,
        "received_on": received_on,
        "source": "Colecta",
    }
    answer = as_role("treasurer").post("/api/v1/funds", json=body)
    assert_problem(answer, 422, "validation", ["received_on"])
    assert "entre el año 2000 y hoy" in answer.get_json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/reports/trial-balance?at=9999-12-31", "at"),
        ("/api/v1/reports/programs?from=0001-01-01&to=2026-01-31", "from"),
        ("/api/v1/ledger/export?format=hledger&from=1900-01-01", "from"),
    ],
)
def test_report_dates_outside_any_sane_range_are_refused(as_role, seed, path, field):
    answer = as_role("treasurer").get(path)
    assert_problem(answer, 422, "validation", [field])
