"""POST /api/v1/settlements carries the preview it was made from, as the web form does: a
total or count that is no longer true is refused (409 stale_preview) and nothing is paid.
A transfer or a cheque names its reference (422 otherwise)."""

from __future__ import annotations

from datetime import date, timedelta

from tests.treasury.conftest import at, count
from voucher.dates import local_today
from voucher.treasury.models import Settlement
from voucher.vouchers.models import Redemption


def _preview(t) -> dict:
    day = date.today() - timedelta(days=3)
    t.bulk([(12_000, at(day, 12)), (8_000, at(day, 13)), (5_500, at(day, 14))])
    return {
        "shop_id": t.shop.id,
        "through": local_today().isoformat(),
        "method": "transfer",
        "reference": "TRX-9",
        "expected_total": 25_500,
        "expected_count": 3,
    }


def test_a_preview_still_true_is_paid(t, api):
    body = _preview(t)
    answer = api("treasurer").post("/api/v1/settlements", json=body)
    assert answer.status_code == 201, answer.get_json()
    assert (answer.get_json()["amount"], answer.get_json()["redemption_count"]) == (25_500, 3)
    t.assert_books()


def test_a_stale_preview_is_refused_and_nothing_is_paid(t, api):
    body = _preview(t)
    t.real_redemption(1_000)  # made while the treasurer was reading the preview
    client = api("treasurer")
    plain = {k: v for k, v in body.items() if not k.startswith("expected_")}
    for stale in ({"expected_total": 25_500}, {"expected_count": 3}, body):
        answer = client.post("/api/v1/settlements", json=plain | stale)
        assert answer.status_code == 409, answer.get_json()
        assert answer.get_json()["reason"] == "stale_preview"
        assert "$26.500" in answer.get_json()["detail"]
    assert count(t.session, Settlement) == 0
    assert count(t.session, Redemption, Redemption.settlement_id.is_not(None)) == 0
    # Without a preview the treasurer pays what is owed now.
    paid = client.post("/api/v1/settlements", json=plain)
    assert paid.status_code == 201 and paid.get_json()["amount"] == 26_500
    t.assert_books()


def test_a_transfer_or_a_cheque_names_its_reference(t, api):
    body = _preview(t)
    client = api("treasurer")
    for method in ("transfer", "cheque"):
        for missing in ({"reference": None}, {"reference": "   "}, {}):
            sent = {k: v for k, v in body.items() if k != "reference"} | missing
            answer = client.post("/api/v1/settlements", json={**sent, "method": method})
            assert answer.status_code == 422, answer.get_json()
            assert [e["field"] for e in answer.get_json()["errors"]] == ["reference"]
    assert count(t.session, Settlement) == 0
    cash = {k: v for k, v in body.items() if k != "reference"} | {"method": "cash"}
    assert client.post("/api/v1/settlements", json=cash).status_code == 201


def test_the_preview_fields_are_whole_numbers(t, api):
    body = _preview(t)
    client = api("treasurer")
    wrong = (("expected_total", "25500"), ("expected_count", 3.5), ("expected_total", -1))
    for field, value in wrong:
        answer = client.post("/api/v1/settlements", json={**body, field: value})
        assert answer.status_code == 422, (field, value)
    assert count(t.session, Settlement) == 0
