"""The shopkeeper's phone: scan → voucher → charge → receipt, today's list and voids."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.shops.conftest import LOST, REFUSALS, age_redemption, books_ok, unknown_code
from voucher.dates import format_date, local_today
from voucher.vouchers.models import Redemption, RedemptionStatus, ScanLog


def page(response) -> str:
    return response.get_data(as_text=True)


def form_key(html: str) -> str:
    return re.search(r'name="key" type="hidden" value="([^"]+)"', html).group(1)


def open_voucher(client, code: str):
    return client.post("/shops/voucher", data={"code": code}, follow_redirects=True)


def charge(client, code: str, amount: str, key: str | None = None):
    if key is None:
        key = form_key(page(open_voucher(client, code)))
    return client.post("/shops/redeem", data={"code": code, "key": key, "amount": amount})


def test_scan_page_has_the_camera_and_the_typed_code_form(login_as):
    html = page(login_as("shopkeeper").get("/shops/scan"))
    assert '<video id="scan-video"' in html
    assert 'id="scan-start"' in html
    assert re.search(r'id="scan-status"[^>]*aria-live="polite"', html)
    form = re.search(r'<form id="lookup-form"[^>]*>', html).group(0)
    assert 'method="post"' in form and 'action="/shops/voucher"' in form  # no code in a URL
    code_input = re.search(r'<input id="code-input"[^>]*>', html, re.S).group(0)
    assert 'name="code"' in code_input
    assert "maxlength" not in code_input and "pattern" not in code_input
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts.index("/static/vendor/qr-scanner/qr-scanner.umd.min.js") < scripts.index(
        "/static/js/scan.js"
    )
    assert "Hoy: 0 canjes · $0" in html


def test_valid_voucher_screen_shows_value_not_people(login_as, issue):
    issued = issue(15000)
    html = page(open_voucher(login_as("shopkeeper"), issued.code.lower().replace("-", " ")))
    assert "VALE VÁLIDO" in html
    assert "$15.000" in html and "Alimentos" in html
    assert format_date(issued.voucher.expires_on) in html
    assert "Parroquia Jesús Maestro" in html
    family = issued.voucher.family
    assert family.head_name not in html and family.document_number not in html
    amount = re.search(r'<input[^>]*id="amount"[^>]*>', html).group(0)
    assert 'inputmode="numeric"' in amount and "data-money" in amount
    assert 'value="15.000"' in amount
    form = re.search(r'<form[^>]*action="/shops/redeem"[^>]*>', html).group(0)
    assert "data-once" in form
    assert re.search(r'class="btn btn-primary btn-huge[^"]*"[^>]*data-amount-for="amount"', html)
    assert "COBRAR $15.000" in html
    assert len(form_key(html)) >= 20


def test_each_rendered_form_gets_its_own_key(login_as, issue):
    issued = issue(15000)
    keeper = login_as("shopkeeper")
    assert form_key(page(open_voucher(keeper, issued.code))) != form_key(
        page(open_voucher(keeper, issued.code))
    )


def test_partial_then_full_redemption(login_as, issue, db, world):
    issued = issue(15000)
    keeper = login_as("shopkeeper")
    response = charge(keeper, issued.code, "$12.000")
    assert response.status_code == 302
    receipt = page(keeper.get(response.location))
    assert "CANJE REALIZADO" in receipt
    assert "$12.000" in receipt and "$3.000" in receipt
    done = db.session.scalars(sa.select(Redemption)).one()
    assert f"{done.id:06d}" in receipt
    assert "Anular (hasta" in receipt

    response = charge(keeper, issued.code, "3000")
    assert response.status_code == 302
    db.session.refresh(issued.voucher)
    assert issued.voucher.remaining == 0 and issued.voucher.status.value == "redeemed"
    html = page(open_voucher(keeper, issued.code))
    today = format_date(local_today())
    assert f"Este vale ya fue usado por completo el {today} en {world.shops['a'].name}." in html
    books_ok(db, world)


def test_amount_as_people_type_it(login_as, issue, db):
    issued = issue(15000)
    keeper = login_as("shopkeeper")
    for typed in ("1000", "1.000", "$1.000", " $ 1.000 "):
        assert charge(keeper, issued.code, typed).status_code == 302
    db.session.refresh(issued.voucher)
    assert issued.voucher.remaining == 11000


def test_double_tap_or_reload_lands_on_the_same_receipt(login_as, issue, db):
    issued = issue(15000)
    keeper = login_as("shopkeeper")
    key = form_key(page(open_voucher(keeper, issued.code)))
    first = charge(keeper, issued.code, "12.000", key)
    again = charge(keeper, issued.code, "12.000", key)
    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    db.session.refresh(issued.voucher)
    assert issued.voucher.remaining == 3000
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 1


def test_same_key_with_another_amount_is_refused_and_charges_nothing(login_as, issue, db):
    issued = issue(15000)
    keeper = login_as("shopkeeper")
    key = form_key(page(open_voucher(keeper, issued.code)))
    charge(keeper, issued.code, "12000", key)
    response = charge(keeper, issued.code, "1000", key)
    assert response.status_code == 302
    response = keeper.get(response.location)
    assert "Esta clave de operación ya se usó con otros datos" in page(response)
    assert "COBRAR" in page(response)  # the voucher again, with a fresh key
    db.session.refresh(issued.voucher)
    assert issued.voucher.remaining == 3000


@pytest.mark.parametrize(
    ("typed", "message", "status"),
    [
        ("12,5", "Escriba un monto en pesos enteros, desde $1 hasta el saldo del vale.", 422),
        ("0", "Escriba un monto en pesos enteros, desde $1 hasta el saldo del vale.", 422),
        ("doce mil", "Escriba un monto en pesos enteros, desde $1 hasta el saldo del vale.", 422),
        ("20.000", "El monto supera el saldo del vale ($15.000).", 409),
    ],
)
def test_amount_problems_keep_the_form_and_what_was_typed(
    login_as, issue, db, typed, message, status
):
    issued = issue(15000)
    keeper = login_as("shopkeeper")
    key = form_key(page(open_voucher(keeper, issued.code)))
    response = charge(keeper, issued.code, typed, key)
    html = page(response)
    assert response.status_code == status
    assert message in html
    assert f'value="{typed}"' in html
    assert form_key(html) == key  # nothing was charged: the same key may still be used
    assert "VALE VÁLIDO" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 0


@pytest.mark.parametrize("refused", REFUSALS, indirect=True)
def test_every_refusal_is_explained_and_logged(login_as, refused, db):
    keeper = login_as("shopkeeper")
    response = open_voucher(keeper, refused.code)
    html = page(response)
    # Unknown and replaced codes have no voucher to show; known ones are shown, refused.
    assert response.status_code == (refused.status if refused.kind in LOST else 200)
    assert refused.message in html
    assert "result-error" in html and "✖" in html
    assert 'action="/shops/redeem"' not in html  # nothing to charge
    assert "Escanear otro vale" in html
    last = db.session.scalars(sa.select(ScanLog).order_by(ScanLog.id.desc())).first()
    assert last.result == "refused" and last.action == "lookup" and last.reason


@pytest.mark.parametrize("refused", ["used", "expired", "cancelled", "category"], indirect=True)
def test_a_refused_charge_moves_no_money(login_as, refused, db, world):
    keeper = login_as("shopkeeper")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Redemption))
    response = keeper.post(
        "/shops/redeem", data={"code": refused.code, "key": "k-x", "amount": "1000"}
    )
    assert response.status_code == refused.status
    assert refused.message in page(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == before
    books_ok(db, world)


def test_paused_shop_is_not_enrolled(login_as, issue, db, world):
    from voucher.shops.services import set_enrolment_active

    issued = issue(15000)
    set_enrolment_active(db.session, world.shops["a"], world.parishes["a"].id, False, None)
    db.session.commit()
    html = page(open_voucher(login_as("shopkeeper"), issued.code))
    assert "Su comercio no está adherido a los vales de la Parroquia Jesús Maestro." in html


def test_receipt_is_only_for_its_own_shop(login_as, issue, redeem_now, app, db, world):
    from tests import factories
    from voucher.auth.models import Role

    done = redeem_now(issue(15000), 5000)
    other_shop = factories.shop(db.session, world.parishes["a"])
    other = factories.user(db.session, Role.SHOPKEEPER, shop_id=other_shop.id)
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": other.email, "password": factories.PASSWORD})
    assert client.get(f"/shops/receipts/{done.id}").status_code == 404
    assert login_as("shopkeeper").get(f"/shops/receipts/{done.id}").status_code == 200
    response = client.post(f"/shops/redemptions/{done.id}/void", data={})
    assert response.status_code == 404


def test_void_within_the_window_gives_the_money_back(login_as, issue, redeem_now, db, world):
    issued = issue(15000)
    done = redeem_now(issued, 12000)
    keeper = login_as("shopkeeper")
    response = keeper.post(
        f"/shops/redemptions/{done.id}/void", data={"next": f"/shops/receipts/{done.id}"}
    )
    assert response.status_code == 302
    html = page(keeper.get(response.location))
    assert "Canje anulado: el monto volvió al vale." in html
    assert "CANJE ANULADO" in html and "Anular (hasta" not in html
    db.session.refresh(issued.voucher)
    assert issued.voucher.remaining == 15000
    books_ok(db, world)


def test_void_after_the_window_is_for_the_treasurer(login_as, issue, redeem_now, db, world):
    issued = issue(15000)
    done = redeem_now(issued, 15000)
    age_redemption(db, done.id, 16)
    keeper = login_as("shopkeeper")
    receipt = page(keeper.get(f"/shops/receipts/{done.id}"))
    assert "Anular (hasta" not in receipt
    response = keeper.post(f"/shops/redemptions/{done.id}/void", data={})
    assert "pida la anulación a la tesorería" in page(keeper.get(response.location))
    assert db.session.get(Redemption, done.id).status == RedemptionStatus.COMMITTED

    treasurer = login_as("treasurer")
    response = treasurer.post(
        f"/shops/redemptions/{done.id}/void", data={"reason": "Cobro equivocado"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Redemption, done.id).status == RedemptionStatus.VOIDED
    assert issued.voucher.remaining == 15000 and issued.voucher.status.value == "active"
    books_ok(db, world)


def test_other_parish_treasurer_cannot_void(login_as, issue, redeem_now, db):
    done = redeem_now(issue(15000), 1000)
    response = login_as("treasurer", parish="b").post(f"/shops/redemptions/{done.id}/void")
    assert response.status_code == 404
    assert db.session.get(Redemption, done.id).status == RedemptionStatus.COMMITTED


def test_today_lists_the_day_with_totals_and_voids(login_as, issue, redeem_now, db):
    first = redeem_now(issue(15000), 12000)
    voided = redeem_now(issue(15000), 5000)
    old = redeem_now(issue(15000), 7000)
    age_redemption(db, old.id, 60 * 24 * 2)
    keeper = login_as("shopkeeper")
    keeper.post(f"/shops/redemptions/{voided.id}/void")
    html = page(keeper.get("/shops/today"))
    assert "Hoy: 1 canje · $12.000" in html
    assert f"{first.id:06d}" in html and f"{voided.id:06d}" in html
    assert f"{old.id:06d}" not in html
    assert "<s>$5.000</s>" in html and "Anulado" in html
    assert html.count("Anular (hasta") == 1
    assert "Hoy: 1 canje · $12.000" in page(keeper.get("/shops/scan"))


def test_rate_limited_shopkeeper_sees_the_wait_the_server_means(login_as, app, issue):
    issued = issue(15000)
    keeper = login_as("shopkeeper")
    for _ in range(app.config["UNKNOWN_CODE_SLOW_AFTER"]):
        assert open_voucher(keeper, unknown_code()).status_code == 404
    response = open_voucher(keeper, issued.code)  # even a good code waits
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) <= 31
    wait = int(response.headers["Retry-After"])
    says = f"Espere {wait} segundo{'s' if wait != 1 else ''}."  # the wait the server means
    assert f"Demasiados intentos con códigos inválidos. {says}" in page(response)


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("staff", "/shops/scan"),
        ("admin", "/shops/today"),
        ("treasurer", "/shops/voucher?code=X"),
        ("shopkeeper", "/shops/"),
        ("staff", "/shops/"),
    ],
)
def test_pages_are_for_their_role(login_as, role, path):
    assert login_as(role).get(path).status_code == 403


def test_anonymous_phone_is_sent_to_login_and_back(client, issue):
    issued = issue(15000)
    response = client.get(f"/shops/voucher?code={issued.code}")
    assert response.status_code == 302
    assert "/login?next=" in response.location and issued.code in response.location


@pytest.mark.parametrize("refused", ["replaced"], indirect=True)
def test_old_paper_of_a_replaced_voucher_says_so_on_the_phone_and_the_public_page(
    login_as, refused, client
):
    html = page(open_voucher(login_as("shopkeeper"), refused.code))
    assert "VALE REEMPLAZADO" in html and "VALE ANULADO" not in html
    assert "pida el vale nuevo en la parroquia" in html
    public = page(client.get(f"/r/{refused.code}"))
    assert "VALE REEMPLAZADO" in public
    assert "pida el vale nuevo en la parroquia" in public


@pytest.mark.parametrize("refused", ["used", "expired", "cancelled", "replaced"], indirect=True)
def test_a_refused_voucher_shows_no_balance(login_as, refused):
    html = page(open_voucher(login_as("shopkeeper"), refused.code))
    box = html[html.index('class="result result-error"') :]
    assert "result-figure" not in html
    assert "Saldo" not in box.split("</div>")[0] and "$15.000" not in html


@pytest.mark.parametrize("refused", ["typo", "unknown"], indirect=True)
def test_a_code_that_names_no_voucher_comes_back_in_the_field(login_as, refused):
    typed = refused.code.lower()
    html = page(open_voucher(login_as("shopkeeper"), typed))
    field = re.search(r'<input id="code-input"[^>]*>', html, re.S).group(0)
    assert f'value="{typed}"' in field
    assert "autofocus" in field
    form = re.search(r'<form id="lookup-form"[^>]*>', html).group(0)
    assert 'action="/shops/voucher"' in form
