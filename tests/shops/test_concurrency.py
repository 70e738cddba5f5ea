"""Real parallel requests against a real WSGI server: double spending is stopped by the
database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from tests.conftest import PG_URL
from tests.shops.conftest import books_ok
from voucher.shops.models import Redemption, RedemptionStatus


@pytest.fixture
def server(app):
    """The app served by a threaded WSGI server on a free loopback port."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join(timeout=10)
    httpd.server_close()


def fire(port: int, token: str, bodies: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    """POST every (Idempotency-Key, body) at once, one thread and connection each."""
    # Use the token once first: its "last used" stamp is then fresh and no request
    # writes it, so the parallel requests really race each other (on PostgreSQL a
    # pending stamp update would queue them one after the other on the token row).
    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    warm.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert warm.getresponse().status == 200
    warm.close()
    start = threading.Barrier(len(bodies))

    def post(key_and_body: tuple[str, dict]) -> tuple[int, dict]:
        key, body = key_and_body
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.connect()
        start.wait()
        connection.request(
            "POST",
            "/api/v1/redemptions",
            body=json.dumps(body),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": key,
            },
        )
        response = connection.getresponse()
        answer = (response.status, json.loads(response.read()))
        connection.close()
        return answer

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def committed(db, voucher_id: int) -> list[Redemption]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Redemption).where(
                Redemption.voucher_id == voucher_id,
                Redemption.status == RedemptionStatus.COMMITTED,
            )
        )
    )


def test_twenty_full_charges_of_one_voucher_succeed_once(server, api, issue, db, world):
    issued = issue(15000)
    token = api("shopkeeper").token
    answers = fire(
        server, token, [(f"full-{n}", {"code": issued.code, "amount": 15000}) for n in range(20)]
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 19, answers
    assert {body["reason"] for status, body in answers if status == 409} == {"already_used"}
    assert len(committed(db, issued.voucher.id)) == 1
    db.session.refresh(issued.voucher)
    assert issued.voucher.remaining == 0
    books_ok(db, world)


def test_twenty_partial_charges_never_exceed_the_face_value(server, api, issue, db, world):
    issued = issue(15000)
    token = api("shopkeeper").token
    amounts = [900 + 50 * n for n in range(20)]  # 27.500 asked of a 15.000 voucher
    answers = fire(
        server,
        token,
        [(f"part-{n}", {"code": issued.code, "amount": a}) for n, a in enumerate(amounts)],
    )
    taken = [body["amount"] for status, body in answers if status == 201]
    refused = [body["reason"] for status, body in answers if status != 201]
    assert set(refused) <= {"insufficient_balance", "already_used"}, answers
    assert taken and sum(taken) <= 15000
    rows = committed(db, issued.voucher.id)
    assert sorted(r.amount for r in rows) == sorted(taken)
    db.session.refresh(issued.voucher)
    assert issued.voucher.remaining == 15000 - sum(taken) >= 0
    # Whoever was refused was refused for a reason that was true: nothing smaller fitted.
    assert all(
        a > issued.voucher.remaining
        for a, (s, _) in zip(amounts, answers, strict=False)
        if s != 201
    )
    books_ok(db, world)


def test_ten_parallel_retries_of_one_charge_move_money_once(server, api, issue, db, world):
    issued = issue(15000)
    token = api("shopkeeper").token
    answers = fire(server, token, [("retry", {"code": issued.code, "amount": 5000})] * 10)
    assert [status for status, _ in answers] == [201] * 10, answers
    assert len({body["id"] for _, body in answers}) == 1
    assert len(committed(db, issued.voucher.id)) == 1
    db.session.refresh(issued.voucher)
    assert issued.voucher.remaining == 10000
    books_ok(db, world)


def test_ten_parallel_retries_of_a_full_charge_move_money_once(server, api, issue, db, world):
    issued = issue(15000)
    token = api("shopkeeper").token
    answers = fire(server, token, [("retry-all", {"code": issued.code, "amount": 15000})] * 10)
    assert [status for status, _ in answers] == [201] * 10, answers
    assert len({body["id"] for _, body in answers}) == 1
    assert len(committed(db, issued.voucher.id)) == 1
    books_ok(db, world)


def test_spent_between_the_check_and_the_charge(api, issue, db, world, monkeypatch):
    """Another till empties the voucher after this request looked at it and before it
    charges: the charge is refused with the fresh reason and nothing moves twice. (On
    SQLite this also shows the look holds no lock: the other till could write.)"""
    from sqlalchemy.orm import Session

    from voucher.shops import redemption
    from voucher.vouchers.keys import code_keys

    issued = issue(15000)
    keeper = world.users[("a", "shopkeeper")]
    real_check = redemption.refusal_for
    raced = []

    def check_then_race(*args, **kwargs):
        answer = real_check(*args, **kwargs)
        if not raced:
            raced.append(True)
            with Session(db.engine) as other:
                till = redemption.Scanner(
                    other.get(type(keeper), keeper.id),
                    other.get(type(world.shops["a"]), world.shops["a"].id),
                    "10.9.9.9",
                )
                redemption.redeem(
                    other, till, issued.code, 15000, idempotency_key="other-till", keys=code_keys()
                )
                other.commit()
        return answer

    client = api("shopkeeper")
    client.get("/api/v1/me")  # the token's use is stamped now, not during the charge
    monkeypatch.setattr(redemption, "refusal_for", check_then_race)
    response = client.post(
        "/api/v1/redemptions",
        json={"code": issued.code, "amount": 5000},
        headers={"Idempotency-Key": "this-till"},
    )
    assert raced
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["reason"] == "already_used"
    assert [r.amount for r in committed(db, issued.voucher.id)] == [15000]
    books_ok(db, world)


@pytest.mark.skipif(not PG_URL, reason="row locks are PostgreSQL's; SQLite writers queue whole")
def test_a_cancellation_and_an_issuance_at_once_never_deadlock(app, issue, db, world):
    """Issuance locks the program row, then the ledger head; a cancellation returning
    value to the same program must take them in that order too, or each would hold
    what the other waits for and PostgreSQL would abort one of them."""
    from sqlalchemy.orm import Session

    from voucher.ledger import chart, flows
    from voucher.ledger.models import EntryKind
    from voucher.ledger.posting import EntryDraft, Leg, post_entry
    from voucher.vouchers.models import Voucher
    from voucher.vouchers.services import cancel_voucher

    voucher_id = issue(amount=15_000).voucher.id
    staff = world.users[("a", "staff")]
    parish = world.parishes["a"]
    program_id = db.session.get(Voucher, voucher_id).program_id
    bank = chart.account_id(db.session, parish.id, chart.BANK)
    fund = chart.account_id(db.session, parish.id, chart.fund_code(program_id))
    db.session.commit()
    errors: list[BaseException] = []

    issuing = Session(db.engine)
    flows.reserve_fund(issuing, program_id, 100)  # holds the program row

    engine = db.engine

    def cancel() -> None:
        with app.app_context(), Session(engine) as s:
            try:
                cancel_voucher(s, s.get(Voucher, voucher_id), reason="se mudó", user=s.merge(staff))
                s.commit()
            except BaseException as error:
                errors.append(error)

    canceller = threading.Thread(target=cancel)
    canceller.start()
    canceller.join(timeout=1.0)  # it now waits for the program row
    try:
        # The issuance goes on to the ledger head, as issue_voucher does.
        post_entry(
            issuing,
            EntryDraft(parish.id, EntryKind.FUND_RECEIVED, [Leg(bank, fund, 100)], memo="x"),
        )
        issuing.rollback()
    finally:
        issuing.close()
    canceller.join(timeout=10)
    assert not canceller.is_alive()
    assert errors == []
    db.session.expire_all()
    assert db.session.get(Voucher, voucher_id).status.value == "cancelled"
    books_ok(db, world)
