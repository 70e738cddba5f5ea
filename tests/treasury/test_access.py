"""Who may do what: roles on every treasury page and endpoint, 404 across parishes, the
shopkeeper's own statement only, and the API's statement and fund contract."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.treasury.conftest import at, settle_all
from voucher.dates import local_today
from voucher.treasury.csv_export import statement_csv
from voucher.treasury.papers import render_statement
from voucher.treasury.statement import shop_statement

READ_PAGES = [
    "/treasury/",
    "/treasury/funds",
    "/treasury/settlements",
    "/treasury/reports",
    "/treasury/settings",
]


@pytest.mark.parametrize("role", ["staff", "shopkeeper"])
def test_treasury_pages_refuse_other_roles(t, login_as, role):
    client = login_as(role)
    for path in [*READ_PAGES, "/treasury/settlements/new"]:
        assert client.get(path).status_code == 403, path


def test_admin_may_look_but_not_pay(t, login_as):
    admin = login_as("admin")
    for path in READ_PAGES:
        assert admin.get(path).status_code == 200, path
    assert admin.get("/treasury/settlements/new").status_code == 403
    assert admin.get("/treasury/my-statement").status_code == 403


def test_another_parish_objects_answer_404(t, login_as, api):
    ids = t.bulk([(9_000, at(local_today() - timedelta(days=2)))])
    settlement = settle_all(t.session, t.parish, t.shop.id, t.treasurer)
    other = login_as("treasurer", parish="b")
    for path in [
        f"/treasury/settlements/{settlement.id}",
        f"/treasury/settlements/{settlement.id}/comprobante.pdf",
        f"/treasury/shops/{t.shop.id}/statement",
        f"/treasury/settlements/new?shop_id={t.shop.id}&through={local_today().isoformat()}",
    ]:
        assert other.get(path).status_code == 404, path
    assert (
        other.post(f"/treasury/redemptions/{ids[0]}/void", data={"reason": "x"}).status_code == 404
    )
    assert (
        other.post(
            f"/treasury/settlements/{settlement.id}/reverse", data={"reason": "x"}
        ).status_code
        == 404
    )
    client = api("treasurer", parish="b")
    for path in [
        f"/api/v1/shops/{t.shop.id}/balance",
        f"/api/v1/settlements/{settlement.id}",
        f"/api/v1/settlements/{settlement.id}/remittance.pdf",
        f"/api/v1/shops/{t.shop.id}/statement.pdf?from=2026-01-01&to=2026-01-31",
    ]:
        assert client.get(path).status_code == 404, path
    assert (
        client.post(
            f"/api/v1/settlements/{settlement.id}/reverse", json={"reason": "x"}
        ).status_code
        == 404
    )
    paid = client.post(
        "/api/v1/settlements",
        json={"shop_id": t.shop.id, "through": local_today().isoformat(), "method": "cash"},
    )
    assert paid.status_code == 404


def test_api_statement_for_treasurer_and_own_shopkeeper(t, api, world, db):
    t.bulk(
        [
            (4_000, at(local_today() - timedelta(days=5))),
            (6_000, at(local_today() - timedelta(days=1))),
        ]
    )
    today = local_today()
    start = today - timedelta(days=7)
    query = f"from={start.isoformat()}&to={today.isoformat()}"
    expected = shop_statement(t.session, t.parish, t.shop, start, today).statement
    for role in ("treasurer", "shopkeeper"):
        client = api(role)
        pdf = client.get(f"/api/v1/shops/{t.shop.id}/statement.pdf?{query}")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf", pdf.data[:300]
        assert len(pdf.data) > 1000
        csv_answer = client.get(f"/api/v1/shops/{t.shop.id}/statement.csv?{query}&sep=;")
        assert csv_answer.mimetype == "text/csv"
        body = csv_answer.data.decode("utf-8")
        assert body == "\ufeff" + statement_csv(expected, ";")
        rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
        assert int(rows[-1][6]) == 10_000
    assert render_statement(expected).startswith(b"%PDF")
    keeper = api("shopkeeper")
    assert (
        keeper.get(f"/api/v1/shops/{world.shops['b'].id}/statement.pdf?{query}").status_code == 404
    )
    assert (
        keeper.get(
            f"/api/v1/shops/{t.shop.id}/statement.pdf?{query}&parish=san-esteban"
        ).status_code
        == 404
    )
    for bad in (
        "",
        f"from={today.isoformat()}",
        "from=hoy&to=mañana",
        f"from={today.isoformat()}&to={start.isoformat()}",
    ):
        answer = keeper.get(f"/api/v1/shops/{t.shop.id}/statement.pdf?{bad}")
        assert answer.status_code == 422, bad
        assert answer.mimetype == "application/problem+json"
    assert api("staff").get(f"/api/v1/shops/{t.shop.id}/statement.pdf?{query}").status_code == 403
    assert keeper.get(f"/api/v1/shops/{t.shop.id}/balance").status_code == 403


def test_api_funds(t, api):
    client = api("treasurer")
    body = {
        "program_id": t.food.id,
        "amount": 250_000,
        "received_on": local_today().isoformat(),
        "source": "Aporte municipal",
    }
    created = client.post("/api/v1/funds", json=body, headers={"Idempotency-Key": "f-1"})
    assert created.status_code == 201
    fund = created.get_json()
    assert {k: fund[k] for k in ("program_id", "amount", "source", "reference")} == {
        "program_id": t.food.id,
        "amount": 250_000,
        "source": "Aporte municipal",
        "reference": "",
    }
    replay = client.post("/api/v1/funds", json=body, headers={"Idempotency-Key": "f-1"})
    assert replay.get_json()["id"] == fund["id"]
    listed = client.get("/api/v1/funds?limit=1").get_json()
    assert listed["items"][0]["id"] == fund["id"] and listed["next"]
    for wrong in (
        {**body, "amount": "250000"},
        {**body, "amount": 0},
        {**body, "extra": 1},
        {**body, "source": ""},
        {**body, "received_on": "01-02-2026"},
    ):
        assert client.post("/api/v1/funds", json=wrong).status_code == 422, wrong
    assert client.post("/api/v1/funds", json={**body, "program_id": 999_999}).status_code == 404
    assert api("staff").post("/api/v1/funds", json=body).status_code == 403
    assert api("admin").get("/api/v1/funds").status_code == 200
    t.assert_books()


def test_openapi_declares_the_files(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    for path, media in [
        ("/api/v1/shops/{shop_id}/statement.pdf", "application/pdf"),
        ("/api/v1/shops/{shop_id}/statement.csv", "text/csv"),
        ("/api/v1/settlements/{settlement_id}/remittance.pdf", "application/pdf"),
        ("/api/v1/ledger/export", "text/plain"),
    ]:
        assert media in paths[path]["get"]["responses"]["200"]["content"], path
    for path in (
        "/api/v1/funds",
        "/api/v1/settlements",
        "/api/v1/reports/trial-balance",
        "/api/v1/reports/programs",
        "/api/v1/shops/{shop_id}/balance",
    ):
        assert path in paths
