"""Every endpoint of the API contract (shared/design/api.md): the success shape with the
field names clients rely on, and each documented error as problem+json with its status
and reason. Shared conventions (pagination, Idempotency-Key, limits, language) are in
test_conventions.py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.api.conftest import Api, assert_problem
from tests.api.contract import CODE, FAMILY, FUND, PROGRAM, PROGRAM_REPORT, SHOP, VOUCHER
from voucher.auth.services import create_token
from voucher.dates import local_today
from voucher.programs.services import ProgramInput, create_program


def has_fields(body: dict, fields: set[str]) -> None:
    """The contract's fields are all there (more may be added, none renamed)."""
    assert fields <= set(body), sorted(fields - set(body))


def today(world) -> str:
    return local_today(world.parishes["a"].timezone).isoformat()


def is_pdf(response) -> None:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


# --- account ---------------------------------------------------------------------------------


def test_me_for_parish_staff_and_for_a_shopkeeper(as_role, seed, world, client):
    staff = as_role("staff").get("/api/v1/me").get_json()
    assert set(staff) >= {"id", "email", "name", "role", "parish", "shop_id"}
    assert staff["role"] == "staff"
    assert staff["parish"] == {"slug": "jesus-maestro", "name": "Parroquia Jesús Maestro"}
    assert staff["shop_id"] is None
    keeper = as_role("shopkeeper").get("/api/v1/me").get_json()
    assert keeper["parish"] is None and keeper["shop_id"] == world.shops["a"].id
    assert_problem(client.get("/api/v1/me"), 401, "unauthenticated")


# --- programs and families -----------------------------------------------------------------


def test_programs_are_created_by_admins_and_listed(as_role):
    body = {
        "name": "Leche",
        "category": "food",
        "voucher_amount": 9000,
        "validity_days": 20,
        "cycle": "monthly",
        "per_cycle_limit": 2,
    }
    created = as_role("admin").post("/api/v1/programs", json=body)
    assert created.status_code == 201
    program = created.get_json()
    has_fields(program, PROGRAM)
    assert program["fund_available"] == 0 and program["per_cycle_limit"] == 2
    assert_problem(as_role("staff").post("/api/v1/programs", json=body), 403, "forbidden")
    bad = as_role("admin").post("/api/v1/programs", json={**body, "category": "clothes"})
    assert_problem(bad, 422, "validation", ["category"])
    listed = as_role("treasurer").get("/api/v1/programs").get_json()
    assert listed["next"] is None
    assert listed["items"][0]["id"] == program["id"]
    has_fields(listed["items"][0], PROGRAM)
    assert_problem(as_role("shopkeeper").get("/api/v1/programs"), 403)


def test_families_are_registered_with_a_normalised_rut(as_role):
    staff = as_role("staff")
    body = {
        "head_name": "Ana Muñoz",
        "document_type": "rut",
        "document_number": "12.345.678-5",
        "household_size": 3,
        "sector": "Villa Sur",
        "consent": True,
    }
    created = staff.post("/api/v1/families", json=body)
    assert created.status_code == 201
    family = created.get_json()
    has_fields(family, FAMILY)
    assert family["document_number"] == "12345678-5" and family["household_size"] == 3
    again = staff.post("/api/v1/families", json={**body, "document_number": "123456785"})
    assert assert_problem(again, 409, "duplicate")["existing_id"] == family["id"]
    bad_rut = staff.post("/api/v1/families", json={**body, "document_number": "12.345.678-9"})
    assert_problem(bad_rut, 422, "validation", ["document_number"])
    found = staff.get("/api/v1/families?q=ana munoz").get_json()["items"]
    assert [f["id"] for f in found] == [family["id"]]
    by_document = staff.get("/api/v1/families?q=12345678-5").get_json()["items"]
    assert [f["id"] for f in by_document] == [family["id"]]
    assert_problem(as_role("treasurer").get("/api/v1/families"), 403)


def test_enrolments(as_role, seed, world):
    program = create_program_for(world)
    family = seed.first("family_id")
    staff = as_role("staff")
    created = staff.post(f"/api/v1/programs/{program}/enrolments", json={"family_id": family})
    assert created.status_code == 201
    assert created.get_json()["family_id"] == family
    again = staff.post(f"/api/v1/programs/{program}/enrolments", json={"family_id": family})
    assert_problem(again, 409, "already_enrolled")
    other = seed.ids["program_id"][2]
    foreign = staff.post(f"/api/v1/programs/{other}/enrolments", json={"family_id": family})
    assert_problem(foreign, 404, "not_found")


def create_program_for(world) -> int:
    """A new program of parish "a" with no money in its fund."""
    from voucher.extensions import db

    program = create_program(
        db.session,
        world.parishes["a"].id,
        ProgramInput("Sin fondos", "food", 15000, 30, "monthly", 1),
        world.users[("a", "admin")],
    )
    db.session.commit()
    return program.id


# --- vouchers --------------------------------------------------------------------------------


def test_issuing_a_voucher_shows_its_code_once(as_role, seed):
    staff = as_role("staff")
    family, food = seed.first("family_id"), seed.first("program_id")
    created = staff.post(
        "/api/v1/vouchers", json={"family_id": family, "program_id": food, "amount": 12000}
    )
    assert created.status_code == 201
    voucher = created.get_json()
    has_fields(voucher, VOUCHER | {"code", "redeem_url"})
    assert CODE.match(voucher["code"]), voucher["code"]
    assert voucher["redeem_url"] == "http://vales.test/r/" + voucher["code"]
    assert voucher["amount"] == voucher["remaining"] == 12000 and voucher["status"] == "active"
    shown = staff.get(f"/api/v1/vouchers/{voucher['id']}").get_json()
    has_fields(shown, VOUCHER)
    assert "code" not in shown and "redeem_url" not in shown
    assert as_role("treasurer").get(f"/api/v1/vouchers/{voucher['id']}").status_code == 200


def test_issuing_refusals(as_role, seed, world):
    staff = as_role("staff")
    family = seed.first("family_id")
    hygiene = seed.ids["program_id"][1]  # once per family, already served
    limit = staff.post("/api/v1/vouchers", json={"family_id": family, "program_id": hygiene})
    assert_problem(limit, 409, "cycle_limit")
    empty = create_program_for(world)
    staff.post(f"/api/v1/programs/{empty}/enrolments", json={"family_id": family})
    broke = staff.post("/api/v1/vouchers", json={"family_id": family, "program_id": empty})
    assert_problem(broke, 409, "insufficient_fund")
    zero = staff.post(
        "/api/v1/vouchers",
        json={"family_id": family, "program_id": seed.first("program_id"), "amount": 0},
    )
    assert_problem(zero, 422, "validation", ["amount"])
    other = seed.ids["voucher_id"][-1]
    assert_problem(staff.get(f"/api/v1/vouchers/{other}"), 404, "not_found")


def test_cancel_and_replace(as_role, seed):
    staff = as_role("staff")
    active, spent = seed.ids["voucher_id"][0], seed.ids["voucher_id"][1]
    replaced = staff.post(f"/api/v1/vouchers/{active}/replace", json={"reason": "Se mojó"})
    assert replaced.status_code == 200
    new = replaced.get_json()
    has_fields(new, VOUCHER | {"code", "redeem_url"})
    assert CODE.match(new["code"]) and new["id"] == active
    cancelled = staff.post(f"/api/v1/vouchers/{active}/cancel", json={"reason": "Duplicado"})
    assert cancelled.status_code == 200
    has_fields(cancelled.get_json(), VOUCHER)
    assert cancelled.get_json()["status"] == "cancelled"
    again = staff.post(f"/api/v1/vouchers/{active}/cancel", json={"reason": "Otra vez"})
    assert_problem(again, 409, "not_active")
    used = staff.post(f"/api/v1/vouchers/{spent}/replace", json={"reason": "Perdido"})
    assert_problem(used, 409, "not_active")
    assert_problem(staff.post(f"/api/v1/vouchers/{active}/cancel", json={}), 422, None, ["reason"])


def test_printing(as_role, seed):
    staff = as_role("staff")
    round_vouchers = seed.ids["voucher_id"][4:-1]
    is_pdf(staff.get(f"/api/v1/vouchers/{seed.first('voucher_id')}/pdf"))
    is_pdf(staff.post("/api/v1/vouchers/print", json={"ids": round_vouchers[:2]}))
    is_pdf(staff.get(f"/api/v1/rounds/{seed.first('round_id')}/pdf"))
    assert_problem(staff.post("/api/v1/vouchers/print", json={"ids": []}), 422)
    foreign = staff.post("/api/v1/vouchers/print", json={"ids": [seed.ids["voucher_id"][-1]]})
    assert_problem(foreign, 404)
    assert_problem(staff.get("/api/v1/vouchers/999999/pdf"), 404)
    assert_problem(staff.get("/api/v1/rounds/999999/pdf"), 404)
    assert_problem(as_role("treasurer").get(f"/api/v1/rounds/{seed.first('round_id')}/pdf"), 403)


def test_rounds(as_role, seed, world):
    staff = as_role("staff")
    food = seed.first("program_id")
    issued = staff.post(f"/api/v1/programs/{food}/rounds", json={})
    assert issued.status_code == 201
    body = issued.get_json()
    assert {"id", "issued", "voucher_ids", "skipped"} <= set(body)
    assert body["issued"] == len(body["voucher_ids"]) == 4
    empty = create_program_for(world)
    staff.post(f"/api/v1/programs/{empty}/enrolments", json={"family_id": seed.first("family_id")})
    broke = staff.post(f"/api/v1/programs/{empty}/rounds", json={})
    assert_problem(broke, 409, "insufficient_fund")
    assert staff.get(f"/api/v1/vouchers?program_id={empty}").get_json()["items"] == []
    # The hygiene round skipped the household that already had its voucher.
    skipped = seed.objects["round_skipped"]
    assert skipped == [{"family_id": seed.first("family_id"), "reason": "already_served"}]
    hygiene = seed.ids["program_id"][1]
    again = staff.post(f"/api/v1/programs/{hygiene}/rounds", json={}).get_json()
    assert again["issued"] == 0 and again["voucher_ids"] == []
    assert {s["reason"] for s in again["skipped"]} == {"already_served"}


# --- shops and redemptions ------------------------------------------------------------------


def test_shops_are_registered_and_enrolled(app, db, world, as_role, seed):
    admin = as_role("admin")
    body = {
        "name": "Almacén La Esquina",
        "rut": "76.086.428-5",
        "categories": ["food"],
        "owner_name": "Rosa",
        "address": "Calle 1",
        "phone": "22223333",
    }
    created = admin.post("/api/v1/shops", json=body)
    assert created.status_code == 201
    shop = created.get_json()
    has_fields(shop, SHOP)
    assert shop["rut"] == "76086428-5" and shop["categories"] == ["food"] and shop["active"]
    again = admin.post("/api/v1/shops", json={**body, "rut": "760864285"})
    assert assert_problem(again, 409, "duplicate")["existing_id"] == shop["id"]
    assert_problem(
        admin.post("/api/v1/shops", json={**body, "rut": "76.086.428-1"}),
        422,
        "validation",
        ["rut"],
    )
    other = seed.objects["other_shop"].id
    asked = admin.post(f"/api/v1/shops/{other}/enrolment", json={})
    assert asked.status_code == 202  # another parish's shop: it must accept first
    assert asked.get_json()["status"] == "pending" and asked.get_json()["active"] is False
    _row, token = create_token(db.session, world.users[("b", "shopkeeper")], "pruebas")
    db.session.commit()
    keeper = Api(app.test_client(), token)
    accepted = keeper.post(f"/api/v1/shops/join-requests/{asked.get_json()['request_id']}/accept")
    assert accepted.status_code == 200
    assert_problem(admin.post(f"/api/v1/shops/{other}/enrolment", json={}), 409, "already_enrolled")
    assert_problem(as_role("staff").post("/api/v1/shops", json=body), 403)


def test_looking_a_code_up(as_role, seed):
    keeper = as_role("shopkeeper")
    seen = keeper.get(f"/api/v1/vouchers/by-code/{seed.codes['active']}")
    assert seen.status_code == 200
    body = seen.get_json()
    assert {
        "serial",
        "status",
        "amount",
        "remaining",
        "category",
        "expires_on",
        "parish",
        "redeemable",
        "reason",
    } <= set(body)
    assert body["redeemable"] is True and body["reason"] is None and body["remaining"] == 17000
    assert body["parish"] == {"slug": "jesus-maestro", "name": "Parroquia Jesús Maestro"}
    refused = keeper.get(f"/api/v1/vouchers/by-code/{seed.codes['expired']}").get_json()
    assert refused["redeemable"] is False and refused["reason"] == "expired"
    staff = as_role("staff").get(f"/api/v1/vouchers/by-code/{seed.codes['active']}")
    assert staff.status_code == 200
    unknown = keeper.get("/api/v1/vouchers/by-code/ZZZZ-ZZZZ-ZZZZ-Z")
    assert_problem(unknown, 404, "unknown_code")


def test_unknown_codes_are_rate_limited(as_role):
    keeper = as_role("shopkeeper")
    for _ in range(12):
        answer = keeper.get("/api/v1/vouchers/by-code/2222-2222-2222-2")
        if answer.status_code == 429:
            break
    assert_problem(answer, 429, "rate_limited")
    assert int(answer.headers["Retry-After"]) > 0


def test_redeeming(as_role, seed):
    keeper = as_role("shopkeeper")
    done = keeper.post(
        "/api/v1/redemptions",
        json={"code": seed.codes["active"], "amount": 2000},
        headers={"Idempotency-Key": "r-1"},
    )
    assert done.status_code == 201
    body = done.get_json()
    assert {"id", "amount", "created_at", "voucher"} <= set(body)
    assert body["voucher"] == {
        "serial": body["voucher"]["serial"],
        "remaining": 15000,
        "status": "active",
    }
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", body["created_at"])


@pytest.mark.parametrize(
    ("code", "amount", "status", "reason"),
    [
        ("ZZZZ-ZZZZ-ZZZZ-Z", 1000, 404, "unknown_code"),
        ("spent", 1000, 409, "already_used"),
        ("active", 999_999, 409, "insufficient_balance"),
        ("expired", 1000, 410, "expired"),
        ("cancelled", 1000, 410, "cancelled"),
        ("hygiene", 1000, 403, "category_not_accepted"),
        ("other_parish", 1000, 403, "shop_not_enrolled"),
        ("active", 0, 422, "bad_amount"),
    ],
)
def test_redemption_refusals(as_role, seed, code, amount, status, reason):
    keeper = as_role("shopkeeper")
    answer = keeper.post(
        "/api/v1/redemptions",
        json={"code": seed.codes.get(code, code), "amount": amount},
        headers={"Idempotency-Key": f"refused-{reason}"},
    )
    assert_problem(answer, status, reason)


def test_voiding(as_role, seed, db):
    from voucher.db import utcnow
    from voucher.vouchers.models import Redemption

    keeper, treasurer = as_role("shopkeeper"), as_role("treasurer")
    open_ = seed.objects["open_redemption"].id
    voided = keeper.post(f"/api/v1/redemptions/{open_}/void", json={"reason": "Error"})
    assert voided.status_code == 200
    assert voided.get_json() == {"id": open_, "status": "voided"}
    paid = seed.objects["paid_redemption"].id
    assert_problem(treasurer.post(f"/api/v1/redemptions/{paid}/void", json={}), 409, "settled")
    late = keeper.post(
        "/api/v1/redemptions",
        json={"code": seed.codes["active"], "amount": 500},
        headers={"Idempotency-Key": "late"},
    ).get_json()["id"]
    db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == late)
        .values(created_at=utcnow() - timedelta(minutes=16))
    )
    db.session.commit()
    assert_problem(keeper.post(f"/api/v1/redemptions/{late}/void", json={}), 409, "too_late")
    assert treasurer.post(f"/api/v1/redemptions/{late}/void", json={}).status_code == 200


def test_a_shops_redemptions_of_the_day(as_role, seed, world):
    listed = as_role("shopkeeper").get(f"/api/v1/redemptions?date={today(world)}")
    assert listed.status_code == 200
    items = listed.get_json()["items"]
    assert [i["id"] for i in items] == [
        seed.objects["voided_redemption"].id,
        seed.objects["open_redemption"].id,
        seed.objects["paid_redemption"].id,
    ]
    assert {"id", "amount", "created_at", "voucher", "status"} <= set(items[0])
    assert items[0]["status"] == "voided"
    assert_problem(as_role("staff").get("/api/v1/redemptions"), 403)


# --- treasury --------------------------------------------------------------------------------


def test_funds(as_role, seed, world):
    treasurer = as_role("treasurer")
    body = {
        "program_id": seed.first("program_id"),
        "amount": 250000,
        "received_on": today(world),
        "source": "Colecta",
        "reference": "D-1",
    }
    created = treasurer.post("/api/v1/funds", json=body)
    assert created.status_code == 201
    fund = created.get_json()
    has_fields(fund, FUND)
    assert fund["amount"] == 250000 and fund["received_on"] == today(world)
    assert_problem(
        treasurer.post("/api/v1/funds", json={**body, "amount": 0}), 422, "validation", ["amount"]
    )
    assert_problem(as_role("staff").post("/api/v1/funds", json=body), 403)


def test_shop_balance_and_settlement(as_role, seed, world):
    treasurer = as_role("treasurer")
    shop = seed.objects["shop"].id
    balance = treasurer.get(f"/api/v1/shops/{shop}/balance").get_json()
    assert {"owed", "unsettled_count", "oldest_unsettled"} <= set(balance)
    assert balance["owed"] == 3000 and balance["unsettled_count"] == 1
    other = seed.objects["other_shop"].id
    assert_problem(treasurer.get(f"/api/v1/shops/{other}/balance"), 404)
    body = {"shop_id": shop, "through": today(world), "method": "cash", "reference": "Caja"}
    paid = treasurer.post("/api/v1/settlements", json=body, headers={"Idempotency-Key": "s-1"})
    assert paid.status_code == 201
    settlement = paid.get_json()
    assert {"id", "amount", "redemption_count", "status"} <= set(settlement)
    assert (settlement["amount"], settlement["redemption_count"]) == (3000, 1)
    assert settlement["status"] == "paid"
    nothing = treasurer.post("/api/v1/settlements", json=body, headers={"Idempotency-Key": "s-2"})
    assert_problem(nothing, 409, "nothing_to_settle")
    is_pdf(treasurer.get(f"/api/v1/settlements/{settlement['id']}/remittance.pdf"))
    assert_problem(treasurer.get("/api/v1/settlements/999999/remittance.pdf"), 404)


def test_statements(as_role, seed, world):
    shop = seed.objects["shop"].id
    period = f"from={today(world)}&to={today(world)}"
    for role in ("treasurer", "shopkeeper"):
        client = as_role(role)
        is_pdf(client.get(f"/api/v1/shops/{shop}/statement.pdf?{period}"))
        csv = client.get(f"/api/v1/shops/{shop}/statement.csv?{period}")
        assert csv.status_code == 200 and csv.mimetype == "text/csv"
        assert csv.get_data(as_text=True).lstrip("\ufeff").strip()
    other = seed.objects["other_shop"].id
    assert_problem(as_role("shopkeeper").get(f"/api/v1/shops/{other}/statement.pdf?{period}"), 404)
    assert_problem(
        as_role("treasurer").get(f"/api/v1/shops/{shop}/statement.pdf?from=x&to=y"),
        422,
        "validation",
        ["from", "to"],
    )
    assert_problem(as_role("treasurer").get(f"/api/v1/shops/{shop}/statement.csv"), 422)


def test_reports(as_role, seed, world):
    admin = as_role("admin")
    balance = admin.get(f"/api/v1/reports/trial-balance?at={today(world)}").get_json()
    assert {"accounts", "total_debit", "total_credit"} <= set(balance)
    assert balance["total_debit"] == balance["total_credit"] > 0
    assert {"code", "name", "type", "debit", "credit", "balance"} <= set(balance["accounts"][0])
    period = f"from={today(world)[:8]}01&to={today(world)}"
    programs = admin.get(f"/api/v1/reports/programs?{period}").get_json()["programs"]
    assert set(programs[0]) >= PROGRAM_REPORT
    assert_problem(as_role("staff").get("/api/v1/reports/trial-balance"), 403)


def test_ledger_export(as_role, seed, world):
    treasurer = as_role("treasurer")
    journal = treasurer.get(f"/api/v1/ledger/export?format=hledger&to={today(world)}")
    assert journal.status_code == 200 and journal.mimetype == "text/plain"
    assert "fund:" in journal.get_data(as_text=True)
    assert_problem(treasurer.get("/api/v1/ledger/export?format=csv"), 422, "validation", ["format"])
    backwards = treasurer.get("/api/v1/ledger/export?from=2026-02-01&to=2026-01-01")
    assert_problem(backwards, 422, "validation", ["from"])


def test_another_parishs_objects_answer_404(as_role, seed):
    other = as_role("other_staff")
    for path in (
        f"/api/v1/vouchers/{seed.first('voucher_id')}",
        f"/api/v1/families/{seed.first('family_id')}",
        f"/api/v1/programs/{seed.first('program_id')}",
    ):
        assert_problem(other.get(path), 404, "not_found")
