"""Paying shops: atomic, never twice (also under real concurrent requests), the two-person
rule, reversals, idempotency, and the period lock on funds."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tests.treasury.conftest import at, count, settle_all
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.ledger.models import Entry, EntryKind
from voucher.ledger.periods import close_month
from voucher.treasury.models import Settlement, SettlementLine, SettlementStatus
from voucher.treasury.services import (
    NothingToSettle,
    SamePersonApproval,
    SettlementChanged,
    SettlementInput,
    approve,
    reject,
    reverse,
    settle,
    shop_balance,
)
from voucher.vouchers.models import Redemption


def owed(t) -> int:
    return shop_balance(t.session, t.parish.id, t.shop).owed


def some_redemptions(t, amounts=(12_000, 8_000, 5_500)) -> list[int]:
    day = date.today() - timedelta(days=3)
    return t.bulk([(amount, at(day, 12, i)) for i, amount in enumerate(amounts)])


def test_settlement_pays_everything_up_to_the_cut_off_and_nothing_twice(t):
    old = some_redemptions(t)
    today_one = t.real_redemption(4_000)
    assert owed(t) == 29_500
    settlement = settle_all(
        t.session, t.parish, t.shop.id, t.treasurer, through=date.today() - timedelta(days=2)
    )
    assert (settlement.amount, settlement.redemption_count, settlement.status) == (
        25_500,
        3,
        SettlementStatus.PAID,
    )
    paid = set(
        t.session.scalars(sa.select(Redemption.id).where(Redemption.settlement_id == settlement.id))
    )
    assert paid == set(old)
    assert today_one.settlement_id is None
    assert owed(t) == 4_000
    t.assert_books()
    with pytest.raises(NothingToSettle):
        settle_all(
            t.session, t.parish, t.shop.id, t.treasurer, through=date.today() - timedelta(days=2)
        )
    t.session.rollback()


def test_a_changed_list_is_refused_instead_of_paid(t):
    some_redemptions(t)
    data = SettlementInput(
        t.shop.id, local_today(), "cash", expected_amount=25_499, expected_count=3
    )
    with pytest.raises(SettlementChanged):
        settle(t.session, t.parish, data, t.treasurer)
    t.session.rollback()
    assert count(t.session, Settlement) == 0


def test_two_person_rule_nothing_paid_until_another_person_approves(t):
    s = t.session
    t.parish.two_person_rule = True
    second = factories.user(s, Role.TREASURER, t.parish)
    s.commit()
    some_redemptions(t)
    proposal = settle_all(s, t.parish, t.shop.id, t.treasurer)
    assert proposal.status == SettlementStatus.PROPOSED and proposal.paid_at is None
    assert owed(t) == 25_500
    assert count(s, Redemption, Redemption.settlement_id.is_not(None)) == 0
    assert count(s, Entry, Entry.kind == EntryKind.SETTLEMENT) == 0
    t.assert_books()
    # The same redemptions cannot be proposed twice.
    with pytest.raises(NothingToSettle):
        settle_all(s, t.parish, t.shop.id, second)
    s.rollback()
    with pytest.raises(SamePersonApproval):
        approve(s, proposal, t.treasurer)
    s.rollback()
    approve(s, proposal, second)
    s.commit()
    assert proposal.status == SettlementStatus.PAID and proposal.approved_by_id == second.id
    assert owed(t) == 0
    t.assert_books()


def test_a_rejected_proposal_frees_its_redemptions(t):
    s = t.session
    t.parish.two_person_rule = True
    s.commit()
    some_redemptions(t)
    proposal = settle_all(s, t.parish, t.shop.id, t.treasurer)
    reject(s, proposal, t.world.users[("a", "admin")])
    s.commit()
    assert proposal.status == SettlementStatus.REJECTED
    again = settle_all(s, t.parish, t.shop.id, t.treasurer)
    assert again.amount == 25_500
    t.assert_books()


def test_reversal_makes_the_redemptions_owed_again_and_a_new_settlement_pays_them(t):
    s = t.session
    ids = some_redemptions(t)
    first = settle_all(s, t.parish, t.shop.id, t.treasurer)
    assert owed(t) == 0
    reverse(s, first, reason="Transferencia rebotada", user=t.treasurer)
    s.commit()
    assert first.status == SettlementStatus.REVERSED
    assert owed(t) == 25_500
    t.assert_books()
    second = settle_all(s, t.parish, t.shop.id, t.treasurer)
    assert second.id != first.id and second.amount == 25_500
    assert set(
        s.scalars(
            sa.select(SettlementLine.redemption_id).where(SettlementLine.settlement_id == second.id)
        )
    ) == set(ids)
    # The reversed settlement keeps its lines as a record.
    assert count(s, SettlementLine, SettlementLine.settlement_id == first.id) == 3
    assert owed(t) == 0
    t.assert_books()


# --- the JSON API ---------------------------------------------------------------------------


def test_api_settlement_idempotent_and_conflicts(t, api):
    some_redemptions(t)
    client = api("treasurer")
    body = {
        "shop_id": t.shop.id,
        "through": local_today().isoformat(),
        "method": "transfer",
        "reference": "TRX-1",
    }
    first = client.post("/api/v1/settlements", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.get_json()
    data = first.get_json()
    assert {k: data[k] for k in ("amount", "redemption_count", "status")} == {
        "amount": 25_500,
        "redemption_count": 3,
        "status": "paid",
    }
    again = client.post("/api/v1/settlements", json=body, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.get_json()["id"] == data["id"]
    other = client.post(
        "/api/v1/settlements", json={**body, "reference": "X"}, headers={"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 422
    nothing = client.post("/api/v1/settlements", json=body, headers={"Idempotency-Key": "k-2"})
    assert nothing.status_code == 409 and nothing.get_json()["reason"] == "nothing_to_settle"
    bad = client.post("/api/v1/settlements", json={**body, "method": "bitcoin"})
    assert bad.status_code == 422
    assert count(t.session, Settlement) == 1
    t.assert_books()

    reversed_ = client.post(f"/api/v1/settlements/{data['id']}/reverse", json={"reason": "error"})
    assert reversed_.status_code == 200 and reversed_.get_json()["status"] == "reversed"
    balance = client.get(f"/api/v1/shops/{t.shop.id}/balance").get_json()
    assert (balance["owed"], balance["unsettled_count"]) == (25_500, 3)
    every = client.get("/api/v1/shops/balances").get_json()
    assert [(b["shop_id"], b["owed"]) for b in every["items"]] == [(t.shop.id, 25_500)]
    assert every["next"] is None
    assert balance["oldest_unsettled"].startswith((date.today() - timedelta(days=3)).isoformat())


def test_api_two_person_rule(t, api, db):
    t.parish.two_person_rule = True
    db.session.commit()
    some_redemptions(t)
    proposer, admin = api("treasurer"), api("admin")
    body = {"shop_id": t.shop.id, "through": local_today().isoformat(), "method": "cash"}
    created = proposer.post("/api/v1/settlements", json=body).get_json()
    assert created["status"] == "proposed"
    same = proposer.post(f"/api/v1/settlements/{created['id']}/approve")
    assert same.status_code == 409 and same.get_json()["reason"] == "same_person"
    assert proposer.get(f"/api/v1/settlements/{created['id']}/remittance.pdf").status_code == 409
    approved = admin.post(f"/api/v1/settlements/{created['id']}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "paid"
    pdf = proposer.get(f"/api/v1/settlements/{created['id']}/remittance.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    twice = admin.post(f"/api/v1/settlements/{created['id']}/approve")
    assert twice.status_code == 409
    t.assert_books()


def test_concurrent_settlements_of_one_shop_pay_once(t, app, db):
    """Ten real HTTP requests at the same moment, on a threaded server: one 201, nine 409."""
    from werkzeug.serving import make_server

    from voucher.auth.services import create_token

    some_redemptions(t)
    _row, token = create_token(db.session, t.treasurer, "concurrency")
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/settlements"
    body = json.dumps(
        {
            "shop_id": t.shop.id,
            "through": local_today().isoformat(),
            "method": "transfer",
            "reference": "TRX-1",
        }
    ).encode()
    # Outside a request every transaction here is a writer (BEGIN IMMEDIATE on SQLite):
    # end the test's own before the requests start.
    db.session.rollback()
    barrier = threading.Barrier(10)
    results: list[tuple[int, dict]] = []

    def pay() -> None:
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                results.append((response.status, json.loads(response.read())))
        except urllib.error.HTTPError as error:
            results.append((error.code, json.loads(error.read())))

    workers = [threading.Thread(target=pay) for _ in range(10)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
    finally:
        server.shutdown()
        thread.join(10)
    statuses = sorted(status for status, _body in results)
    assert statuses == [201] + [409] * 9, results
    assert all(b["reason"] == "nothing_to_settle" for s, b in results if s == 409)
    db.session.rollback()
    assert count(db.session, Settlement) == 1
    assert db.session.scalar(sa.select(Settlement.amount)) == 25_500
    t.assert_books()


# --- period lock -----------------------------------------------------------------------------


def test_a_closed_month_refuses_a_fund_dated_inside_it(t, api):
    s = t.session
    today = local_today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    close_month(s, t.parish, last_month_end.year, last_month_end.month, t.treasurer)
    s.commit()
    client = api("treasurer")
    inside = client.post(
        "/api/v1/funds",
        json={
            "program_id": t.food.id,
            "amount": 100_000,
            "received_on": last_month_end.isoformat(),
            "source": "Colecta",
        },
    )
    assert inside.status_code == 409 and inside.get_json()["reason"] == "period_closed"
    after = client.post(
        "/api/v1/funds",
        json={
            "program_id": t.food.id,
            "amount": 100_000,
            "received_on": today.isoformat(),
            "source": "Colecta",
            "reference": "Dep 12",
        },
    )
    assert after.status_code == 201, after.get_json()
    assert after.get_json()["amount"] == 100_000
    t.assert_books()
