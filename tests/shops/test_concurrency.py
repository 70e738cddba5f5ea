"""Real parallel requests against a real WSGI server: double spending is stopped by the
database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from tests.conftest import PG_URL
from tests.shops.conftest import books_ok
from voucher.dates import local_today
from voucher.vouchers.models import Redemption, RedemptionStatus


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


def beside_an_issuance(app, db, parish, program_id: int, work) -> list[BaseException]:
    """Run ``work(session)`` in another thread while this one does what issuance does:
    hold the program row (its fund reserved), then go on to the ledger head. Returns
    what ``work`` raised. PostgreSQL aborts one side of a deadlock with an error."""
    from sqlalchemy.orm import Session

    from voucher.ledger import chart
    from voucher.ledger.models import EntryKind
    from voucher.ledger.posting import EntryDraft, Leg, post_entry
    from voucher.programs import funds

    fund = chart.account_id(db.session, parish.id, chart.fund_code(program_id))
    outstanding = chart.account_id(db.session, parish.id, chart.VOUCHERS)
    db.session.commit()
    engine = db.engine
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context(), Session(engine) as s:
            try:
                work(s)
                s.commit()
            except BaseException as error:
                errors.append(error)

    issuing = Session(engine)
    funds.reserve_fund(issuing, program_id, 100)  # holds the program row
    other = threading.Thread(target=run)
    other.start()
    other.join(timeout=1.0)  # by now it waits for the program row
    try:
        draft = EntryDraft(
            parish.id, EntryKind.VOUCHER_ISSUED, [Leg(fund, outstanding, 100)], memo="x"
        )
        post_entry(issuing, draft)  # the ledger head
        issuing.rollback()
    finally:
        issuing.close()
    other.join(timeout=10)
    assert not other.is_alive()
    return errors


@pytest.mark.skipif(not PG_URL, reason="row locks are PostgreSQL's; SQLite writers queue whole")
def test_a_cancellation_beside_an_issuance_never_deadlocks(app, issue, db, world):
    """Value returning to a program takes its row before the ledger head, as issuance
    does; in the other order each would hold what the other waits for."""
    from voucher.vouchers.models import Voucher
    from voucher.vouchers.services import cancel_voucher

    voucher = issue(amount=15_000).voucher
    voucher_id, staff = voucher.id, world.users[("a", "staff")]

    def cancel(s) -> None:
        cancel_voucher(s, s.get(Voucher, voucher_id), reason="se mudó", user=s.merge(staff))

    assert beside_an_issuance(app, db, world.parishes["a"], voucher.program_id, cancel) == []
    db.session.expire_all()
    assert db.session.get(Voucher, voucher_id).status.value == "cancelled"
    books_ok(db, world)


@pytest.mark.skipif(not PG_URL, reason="row locks are PostgreSQL's; SQLite writers queue whole")
def test_the_nightly_expiry_of_two_programs_beside_an_issuance_never_deadlocks(
    app, issue, db, world
):
    """Expiry closes vouchers of several programs in one transaction: it locks every
    one of those programs before the first entry takes the ledger head."""
    from voucher.vouchers.models import Voucher, VoucherStatus
    from voucher.vouchers.services import expire_overdue

    long_ago = local_today() - timedelta(days=40)
    first = issue(amount=15_000, validity=30, today=long_ago).voucher
    second = issue(amount=12_000, validity=30, today=long_ago).voucher
    assert first.program_id != second.program_id and first.id < second.id
    ids = (first.id, second.id)

    def expire(s) -> None:
        assert expire_overdue(s, parish_id=world.parishes["a"].id) == 2

    # The issuance holds the program of the voucher expired second.
    assert beside_an_issuance(app, db, world.parishes["a"], second.program_id, expire) == []
    db.session.expire_all()
    assert {db.session.get(Voucher, i).status for i in ids} == {VoucherStatus.EXPIRED}
    books_ok(db, world)


@pytest.mark.skipif(not PG_URL, reason="row locks are PostgreSQL's; SQLite writers queue whole")
def test_voiding_a_charge_of_a_cancelled_voucher_beside_an_issuance_never_deadlocks(
    app, issue, redeem_now, db, world
):
    """The void's value goes on to the program fund (the voucher is cancelled): the
    void takes the program row before its reversal takes the ledger head."""
    from voucher.shops.redemption import void_redemption
    from voucher.vouchers.models import Redemption
    from voucher.vouchers.services import cancel_voucher

    issued = issue(amount=15_000)
    charge = redeem_now(issued, 4_000)
    cancel_voucher(db.session, issued.voucher, reason="se mudó", user=world.users[("a", "staff")])
    db.session.commit()
    treasurer = world.users[("a", "treasurer")]

    def void(s) -> None:
        void_redemption(s, s.get(Redemption, charge.id), user=s.merge(treasurer))

    program_id = issued.voucher.program_id
    assert beside_an_issuance(app, db, world.parishes["a"], program_id, void) == []
    db.session.expire_all()
    assert db.session.get(Redemption, charge.id).status.value == "voided"
    books_ok(db, world)
