"""What every endpoint shares (api.md, domain.md "API conventions"): pagination,
Idempotency-Key on the POSTs that move money, input limits, problem+json for every
refusal (never HTML, never a 500) and messages in the caller's language."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.api.conftest import PROBLEM, assert_problem
from voucher.dates import local_today

LISTS = [
    ("staff", "/api/v1/families"),
    ("staff", "/api/v1/programs"),
    ("staff", "/api/v1/vouchers"),
    ("admin", "/api/v1/shops"),
    ("treasurer", "/api/v1/funds"),
    ("treasurer", "/api/v1/settlements"),
    ("shopkeeper", "/api/v1/redemptions"),
]


# --- pagination ------------------------------------------------------------------------------


def test_list_bounds_and_cursor_are_checked(as_role):
    for role, path in LISTS:
        client = as_role(role)
        page = client.get(path).get_json()
        assert set(page) >= {"items", "next"}, path
        for limit in ("0", "201", "-1", "abc"):
            answer = client.get(f"{path}?limit={limit}")
            assert_problem(answer, 422, "validation", ["limit"])
        for cursor in ("@@@", "LTE", "x" * 41):  # not base64, a negative id, too long
            answer = client.get(f"{path}?cursor={cursor}")
            assert_problem(answer, 422, "validation", ["cursor"])
        assert client.get(f"{path}?limit=200").status_code == 200, path


def test_the_cursor_walks_every_item_once_newest_first(as_role, seed):
    staff = as_role("staff")
    everything = [v["id"] for v in staff.get("/api/v1/vouchers?limit=200").get_json()["items"]]
    assert len(everything) == 8 and everything == sorted(everything, reverse=True)
    seen, cursor, pages = [], None, 0
    while True:
        page = staff.get("/api/v1/vouchers?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        body = page.get_json()
        assert len(body["items"]) <= 3
        seen += [v["id"] for v in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == everything and pages == 3


# --- Idempotency-Key -------------------------------------------------------------------------


def _money_moving_posts(seed, world):
    """(role, path, body, the same key used again with another path or body)."""
    today = local_today(world.parishes["a"].timezone).isoformat()
    food, hygiene = seed.ids["program_id"][:2]
    active = seed.first("voucher_id")
    fund = {"program_id": food, "amount": 1000, "received_on": today, "source": "Colecta"}
    voucher = {"family_id": seed.first("family_id"), "program_id": food}
    redemption = {"code": seed.codes["active"], "amount": 1000}
    settlement = {"shop_id": seed.objects["shop"].id, "through": today, "method": "cash"}
    return {
        "funds": ("treasurer", "/api/v1/funds", fund, ("/api/v1/funds", {**fund, "amount": 2000})),
        "vouchers": (
            "staff",
            "/api/v1/vouchers",
            voucher,
            ("/api/v1/vouchers", {**voucher, "amount": 5000}),
        ),
        "rounds": (
            "staff",
            f"/api/v1/programs/{food}/rounds",
            {},
            (f"/api/v1/programs/{hygiene}/rounds", {}),
        ),
        "redemptions": (
            "shopkeeper",
            "/api/v1/redemptions",
            redemption,
            ("/api/v1/redemptions", {**redemption, "amount": 2000}),
        ),
        "settlements": (
            "treasurer",
            "/api/v1/settlements",
            settlement,
            ("/api/v1/settlements", {**settlement, "method": "transfer"}),
        ),
        "cancel": (
            "staff",
            f"/api/v1/vouchers/{active}/cancel",
            {"reason": "Perdido"},
            (f"/api/v1/vouchers/{active}/cancel", {"reason": "Otro motivo"}),
        ),
    }


@pytest.mark.parametrize(
    "operation", ["funds", "vouchers", "rounds", "redemptions", "settlements", "cancel"]
)
def test_a_retry_with_the_same_key_answers_the_same_and_moves_no_money(
    as_role, seed, world, operation
):
    role, path, body, (other_path, other_body) = _money_moving_posts(seed, world)[operation]
    client, admin = as_role(role), as_role("admin")
    key = {"Idempotency-Key": f"op-{operation}-1"}
    first = client.post(path, json=body, headers=key)
    assert first.status_code in (200, 201), first.get_data(as_text=True)
    assert "Idempotent-Replayed" not in first.headers
    books = admin.get("/api/v1/reports/trial-balance").get_json()
    again = client.post(path, json=body, headers=key)
    assert again.status_code == first.status_code
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert admin.get("/api/v1/reports/trial-balance").get_json() == books
    reused = client.post(other_path, json=other_body, headers=key)
    assert_problem(reused, 422, "idempotency_key_reused")
    assert admin.get("/api/v1/reports/trial-balance").get_json() == books


def test_a_replayed_voucher_carries_its_code_but_the_database_does_not(as_role, seed, db):
    from voucher.api.models import IdempotencyRecord

    staff = as_role("staff")
    body = {"family_id": seed.first("family_id"), "program_id": seed.first("program_id")}
    first = staff.post("/api/v1/vouchers", json=body, headers={"Idempotency-Key": "v-1"})
    again = staff.post("/api/v1/vouchers", json=body, headers={"Idempotency-Key": "v-1"})
    assert again.get_json()["code"] == first.get_json()["code"]
    stored = db.session.scalars(sa.select(IdempotencyRecord.body)).all()
    code = first.get_json()["code"]
    assert stored and not any(code in text or code.replace("-", "") in text for text in stored)


@pytest.mark.parametrize("key", ["", "   ", "k" * 101])
def test_a_blank_or_overlong_key_is_refused(as_role, seed, key):
    body = {"code": seed.codes["active"], "amount": 1000}
    answer = as_role("shopkeeper").post(
        "/api/v1/redemptions", json=body, headers={"Idempotency-Key": key}
    )
    assert_problem(answer, 422, "validation", ["Idempotency-Key"])


def test_a_redemption_requires_a_key(as_role, seed):
    body = {"code": seed.codes["active"], "amount": 1000}
    answer = as_role("shopkeeper").post("/api/v1/redemptions", json=body)
    assert_problem(answer, 422, "validation", ["Idempotency-Key"])


# --- input limits ----------------------------------------------------------------------------


def test_a_body_over_one_megabyte_is_413(as_role):
    staff = as_role("staff")
    big = {"head_name": "x", "notes": "n" * (1024 * 1024)}
    assert_problem(staff.post("/api/v1/families", json=big), 413)
    keeper = as_role("shopkeeper")
    raw = b'{"code": "' + b"A" * (1024 * 1024) + b'", "amount": 1}'
    answer = keeper.post(
        "/api/v1/redemptions",
        data=raw,
        content_type="application/json",
        headers={"Idempotency-Key": "big"},
    )
    assert_problem(answer, 413)


LONG_STRINGS = [
    (
        "staff",
        "/api/v1/families",
        {"head_name": "x" * 121, "document_type": "other", "document_number": "1", "consent": True},
        "head_name",
    ),
    (
        "staff",
        "/api/v1/families",
        {
            "head_name": "Ana",
            "document_type": "other",
            "document_number": "1",
            "notes": "n" * 2001,
            "consent": True,
        },
        "notes",
    ),
    ("admin", "/api/v1/shops", {"name": "n" * 121, "rut": "76.086.428-5"}, "name"),
    ("shopkeeper", "/api/v1/redemptions", {"code": "A" * 301, "amount": 1}, "code"),
    (
        "treasurer",
        "/api/v1/funds",
        {"program_id": 1, "amount": 1, "received_on": "2026-01-01", "source": "s" * 121},
        "source",
    ),
    ("staff", "/api/v1/vouchers/1/cancel", {"reason": "r" * 201}, "reason"),
]


def test_strings_over_their_maximum_are_422(as_role):
    for role, path, body, field in LONG_STRINGS:
        answer = as_role(role).post(path, json=body, headers={"Idempotency-Key": "long"})
        assert_problem(answer, 422, "validation", [field])


def test_amounts_must_be_positive_integer_pesos(as_role, seed, world):
    food = seed.first("program_id")
    today = local_today(world.parishes["a"].timezone).isoformat()
    treasurer, staff, keeper = as_role("treasurer"), as_role("staff"), as_role("shopkeeper")
    for amount in (0, -5, 10**30, "12000", 1000.5, True):
        fund = treasurer.post(
            "/api/v1/funds",
            json={"program_id": food, "amount": amount, "received_on": today, "source": "x"},
        )
        assert_problem(fund, 422, "validation", ["amount"])
        voucher = staff.post(
            "/api/v1/vouchers",
            json={"family_id": seed.first("family_id"), "program_id": food, "amount": amount},
        )
        assert_problem(voucher, 422, "validation", ["amount"])
        redemption = keeper.post(
            "/api/v1/redemptions",
            json={"code": seed.codes["active"], "amount": amount},
            headers={"Idempotency-Key": f"amount-{amount!r}"},
        )
        assert redemption.status_code == 422 and redemption.mimetype == PROBLEM, amount
    assert (
        keeper.get(f"/api/v1/vouchers/by-code/{seed.codes['active']}").get_json()["remaining"]
        == 17000
    )


def test_dates_are_yyyy_mm_dd(as_role):
    for day in (0, "0", "86400", "2026-03-02T00:00:00", "02-03-2026", "2026-02-30", None):
        fund = as_role("treasurer").post(
            "/api/v1/funds",
            json={"program_id": 1, "amount": 1000, "received_on": day, "source": "x"},
        )
        assert_problem(fund, 422, "validation", ["received_on"])
    for query in ("from=2026-01-01T00:00:00&to=2026-01-31", "from=0&to=2026-01-31"):
        report = as_role("admin").get(f"/api/v1/reports/programs?{query}")
        assert_problem(report, 422, "validation", ["from"])


def test_bodies_that_are_not_a_json_object(as_role):
    staff = as_role("staff")
    for raw in (b"{bad", b"[1, 2]", b'"text"', b"null", b"12"):
        answer = staff.post("/api/v1/families", data=raw, content_type="application/json")
        assert_problem(answer, 422, "validation", ["body"])
    form = staff.post("/api/v1/families", data={"head_name": "Ana"})
    assert_problem(form, 415, "unsupported_media_type")
    text = staff.post("/api/v1/vouchers/1/cancel", data="Perdido", content_type="text/plain")
    assert_problem(text, 415, "unsupported_media_type")


def test_unknown_fields_are_refused_by_name(as_role, seed):
    answer = as_role("staff").post(
        f"/api/v1/vouchers/{seed.first('voucher_id')}/cancel",
        json={"reason": "Perdido", "motivo": "x"},
    )
    body = assert_problem(answer, 422, "validation", ["motivo"])
    assert body["errors"][0]["message"] == "Campo desconocido."
    query = as_role("staff").get("/api/v1/vouchers?estado=active")
    assert_problem(query, 422, "validation", ["estado"])


HUGE_IDS = [
    ("staff", "/api/v1/vouchers/2147483648", None),
    ("staff", "/api/v1/families/99999999999999999999", None),
    ("treasurer", "/api/v1/settlements/2147483648/remittance.pdf", None),
    ("shopkeeper", "/api/v1/shops/2147483648/statement.csv?from=2026-01-01&to=2026-01-31", None),
    ("shopkeeper", "/api/v1/redemptions/2147483648/void", {}),
    ("staff", "/api/v1/vouchers", {"family_id": 2**31, "program_id": 2**63}),
    ("staff", "/api/v1/programs/1/enrolments", {"family_id": 2**64}),
    ("staff", "/api/v1/vouchers/print", {"ids": [2**31]}),
    ("staff", "/api/v1/vouchers?program_id=2147483648", None),
    (
        "treasurer",
        "/api/v1/funds",
        {"program_id": 2**31, "amount": 1, "received_on": "2026-01-01", "source": "x"},
    ),
    (
        "treasurer",
        "/api/v1/settlements",
        {"shop_id": 2**31, "through": "2026-01-01", "method": "cash"},
    ),
]


def _no_server_error(client, path, body) -> None:
    answer = (
        client.get(path)
        if body is None
        else client.post(path, json=body, headers={"Idempotency-Key": "huge"})
    )
    assert answer.status_code in (404, 422), (path, answer.get_data(as_text=True)[:300])
    assert answer.mimetype == PROBLEM


def test_ids_beyond_the_database_are_not_found_never_a_500(as_role):
    """Ids are 32-bit on PostgreSQL, which refuses a larger one in a query."""
    for role, path, body in HUGE_IDS:
        _no_server_error(as_role(role), path, body)


def test_errors_are_problems_never_html(client, as_role):
    staff = as_role("staff")
    for answer in (
        client.get("/api/v1/nothing-here"),
        staff.get("/api/v1/nothing-here"),
        staff.client.delete("/api/v1/families", headers=staff.headers()),
        staff.client.put("/api/v1/vouchers/1/cancel", headers=staff.headers()),
    ):
        assert answer.mimetype == PROBLEM
        assert answer.get_json()["status"] == answer.status_code
    not_allowed = staff.client.delete("/api/v1/families", headers=staff.headers())
    assert not_allowed.status_code == 405
    assert set(not_allowed.headers["Allow"].split(", ")) >= {"GET", "POST"}


# --- language --------------------------------------------------------------------------------


def test_messages_follow_accept_language(as_role):
    staff = as_role("staff")
    body = {"reason": "x", "extra": 1}
    spanish = assert_problem(staff.post("/api/v1/vouchers/1/cancel", json=body), 422)
    assert spanish["detail"] == "Revise los datos marcados."
    assert spanish["errors"] == [{"field": "extra", "message": "Campo desconocido."}]
    english = staff.post(
        "/api/v1/vouchers/1/cancel", json=body, headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    english = assert_problem(english, 422)
    assert english["title"] == "Invalid data"
    assert english["detail"] == "Check the highlighted fields."
    assert english["errors"] == [{"field": "extra", "message": "Unknown field."}]
    missing = staff.get("/api/v1/vouchers/999999", headers={"Accept-Language": "en"})
    assert assert_problem(missing, 404)["detail"] == "We could not find what you are looking for."


def test_a_users_own_language_wins(as_role, world, db):
    world.users[("a", "staff")].locale = "en"
    db.session.commit()
    answer = as_role("staff").get("/api/v1/vouchers/999999")
    assert assert_problem(answer, 404)["detail"] == "We could not find what you are looking for."


def test_json_answers_are_utf8_json(as_role):
    answer = as_role("staff").get("/api/v1/me")
    assert answer.mimetype == "application/json"
    assert json.loads(answer.data.decode("utf-8"))["role"] == "staff"


def test_the_same_body_with_its_fields_in_another_order_is_the_same_request(as_role, seed):
    """A retry compares the parsed JSON, not its bytes: a client library that orders its
    fields differently on the retry gets the first answer, not a 422."""
    keeper = as_role("shopkeeper")
    key = {"Idempotency-Key": "reordered-1"}
    first = keeper.post(
        "/api/v1/redemptions", json={"code": seed.codes["active"], "amount": 1000}, headers=key
    )
    assert first.status_code == 201, first.get_data(as_text=True)
    again = keeper.post(
        "/api/v1/redemptions",
        data='{"amount": 1000,   "code": "' + seed.codes["active"] + '"}',
        headers={**key, "Content-Type": "application/json"},
    )
    assert again.status_code == 201, again.get_data(as_text=True)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
