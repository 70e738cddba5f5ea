"""The page a printed QR opens (/r/<code>): the voucher's state for anyone, no personal
data, the shopkeeper sent to the redeem screen, and no quick guessing of codes."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from voucher.dates import local_today
from voucher.vouchers import services
from voucher.vouchers.codes import format_code, generate_code
from voucher.vouchers.models import ScanLog


def text(response) -> str:
    return response.get_data(as_text=True)


def issue(db, s, keys, family=0, **kw):
    issued = services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[family],
        user=s.staff,
        keys=keys,
        **kw,
    )
    db.session.commit()
    return issued


def test_a_valid_voucher_shows_its_value_and_nothing_personal(db, scheme, keys, client):
    s = scheme(families=1)
    issued = issue(db, s, keys)
    response = client.get(f"/r/{format_code(issued.code)}")
    assert response.status_code == 200
    page = text(response)
    assert "Vale válido" in page
    assert "$15.000" in page
    assert issued.voucher.expires_on.strftime("%d-%m-%Y") in page
    assert "Parroquia Jesús Maestro" in page
    family = s.families[0]
    assert family.head_name not in page and family.document_number not in page
    assert "Ingresar como comercio" in page
    assert f"/login?next=/r/{format_code(issued.code)}" in page.replace("%2F", "/")


def test_every_state_in_plain_words(db, scheme, keys, client):
    s = scheme(families=3, fund=100_000)
    overdue = issue(db, s, keys, 0, today=local_today() - timedelta(days=40))
    cancelled = issue(db, s, keys, 1)
    services.cancel_voucher(db.session, cancelled.voucher, reason="error", user=s.staff)
    db.session.commit()
    # Past its date but the daily job has not run: still says expired.
    page = text(client.get(f"/r/{overdue.code}"))
    assert "Vale vencido el" in page
    assert "Vale anulado por la parroquia." in text(client.get(f"/r/{cancelled.code}"))
    assert "Código no encontrado" in text(client.get(f"/r/{format_code(generate_code())}"))
    typo = ("2" if cancelled.code[0] != "2" else "3") + cancelled.code[1:]
    assert "error de tipeo" in text(client.get(f"/r/{typo}"))
    assert "error de tipeo" in text(client.get("/r/hola"))


def test_a_used_voucher_says_so(db, scheme, keys, client, world):
    from voucher.shops.redemption import Scanner, redeem

    s = scheme(families=1)
    issued = issue(db, s, keys)
    scanner = Scanner(world.users[("a", "shopkeeper")], world.shops["a"], "10.0.0.9")
    redeem(db.session, scanner, issued.code, 15_000, idempotency_key="k-1", keys=keys)
    db.session.commit()
    assert "Vale ya usado" in text(client.get(f"/r/{issued.code}"))


def test_lookups_are_kept_in_the_scan_log(db, scheme, keys, client):
    s = scheme(families=1)
    issued = issue(db, s, keys)
    client.get(f"/r/{issued.code}")
    client.get(f"/r/{format_code(generate_code())}")
    logs = db.session.scalars(sa.select(ScanLog).order_by(ScanLog.id)).all()
    assert [(log.action, log.reason, log.voucher_id) for log in logs] == [
        ("status", "", issued.voucher.id),
        ("status", "unknown_code", None),
    ]


def test_a_shopkeeper_sees_the_redeem_screen_with_no_second_url(db, scheme, keys, login_as):
    """The QR's own link shows the charge screen at once: no redirect that would put the
    code in another URL (and another access-log line)."""
    s = scheme(families=1)
    issued = issue(db, s, keys)
    code = format_code(issued.code)
    response = login_as("shopkeeper").get(f"/r/{code}")
    assert response.status_code == 200
    html = text(response)
    assert "COBRAR" in html and 'action="/shops/redeem"' in html


def test_staff_get_a_link_to_their_own_parishs_voucher(db, scheme, keys, login_as):
    s = scheme(families=1)
    issued = issue(db, s, keys)
    mine = text(login_as("staff").get(f"/r/{issued.code}"))
    assert f'href="/vouchers/{issued.voucher.id}"' in mine
    assert "Ingresar como comercio" not in mine
    theirs = text(login_as("staff", parish="b").get(f"/r/{issued.code}"))
    assert f'href="/vouchers/{issued.voucher.id}"' not in theirs


def test_codes_cannot_be_tried_quickly(client, app):
    """Unknown codes meet the guesser's brake after a few tries."""
    for _ in range(app.config["UNKNOWN_CODE_SLOW_AFTER"]):
        assert client.get(f"/r/{format_code(generate_code())}").status_code == 200
    blocked = client.get(f"/r/{format_code(generate_code())}")
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


def test_nobody_asks_more_than_thirty_times_a_minute(db, scheme, keys, client):
    """Even known codes: the page is not a way to poll vouchers."""
    code = format_code(issue(db, scheme(families=1), keys).code)
    for _ in range(30):
        assert client.get(f"/r/{code}").status_code == 200
    assert client.get(f"/r/{code}").status_code == 429
