"""A shop's phone in the field, in a real browser: paired from the shop's page by a QR
with no password typed, charging as that phone, unlinked; the scan page opening with
no connection from its service worker; a charge whose answer is lost on the way."""

from __future__ import annotations

import io
import logging
import re
import shutil
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.conftest import _config, _with_database
from tests.e2e.helpers import login, screenshot

PHONE_SCREEN = {"width": 360, "height": 640}
EXTRA = ("pair", "offline", "dropped", "unreached")


@pytest.fixture(scope="module")
def field_database_url(database_template, tmp_path_factory):
    """A migrated database of its own (the journeys' server has the other one)."""
    kind, admin_url, template, engine = database_template
    if kind == "sqlite":
        target = tmp_path_factory.mktemp("e2e-phone") / "phone.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    name = f"vales_e2e_phone_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _with_database(admin_url, name)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def field(field_database_url, tmp_path_factory):
    """Its own server (the tests change the pairing link's lifetime and read the
    database): the journeys' seed plus one voucher per journey here."""
    from werkzeug.serving import make_server

    from tests.e2e.seed import seed
    from voucher import create_app
    from voucher.extensions import db
    from voucher.families.models import Family
    from voucher.parishes.models import Parish
    from voucher.programs.models import Program
    from voucher.shops.models import Shop
    from voucher.vouchers.keys import code_keys
    from voucher.vouchers.services import issue_voucher

    key_file = tmp_path_factory.mktemp("e2e-phone-key") / "voucher_key"
    config = dict(
        _config(field_database_url),
        TESTING=False,
        WTF_CSRF_ENABLED=True,
        VOUCHER_KEY_FILE=str(key_file),
    )
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["VOUCHER_BASE_URL"] = base_url
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with app.app_context():
        s = db.session
        seed(s)
        parish = s.scalars(sa.select(Parish).where(Parish.slug == "jesus-maestro")).one()
        program = s.scalars(sa.select(Program).where(Program.name == "Ayuda de emergencia")).one()
        family = s.scalars(sa.select(Family).where(Family.parish_id == parish.id)).first()
        from voucher.auth.models import User

        staff = s.scalars(sa.select(User).where(User.parish_id == parish.id)).first()
        codes, voucher_ids = {}, {}
        for name in EXTRA:
            issued = issue_voucher(
                s, parish=parish, program=program, family=family, user=staff, keys=code_keys()
            )
            codes[name] = issued.code
            voucher_ids[name] = issued.voucher.id
        shop = s.scalars(sa.select(Shop).where(Shop.name == "Almacén Rosita")).one()
        s.commit()
        info = {
            "codes": codes,
            "voucher_ids": voucher_ids,
            "shop_id": shop.id,
            "base_url": base_url,
            "server": server,
        }
        db.session.remove()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, info
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


def _context(browser, info, phone: bool, **kw):
    context = browser.new_context(
        base_url=info["base_url"],
        viewport=PHONE_SCREEN if phone else {"width": 1280, "height": 800},
        is_mobile=phone,
        has_touch=phone,
        locale="es-CL",
        timezone_id="America/Santiago",
        **kw,
    )
    context.set_default_timeout(10_000)
    return context


def _admin(browser, info):
    from voucher import demo

    context = _context(browser, info, phone=False)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, demo.LOGINS[0][0], demo.DEMO_PASSWORD)
    return context, page


def _make_link(page, info, name: str) -> str:
    page.goto(f"/shops/{info['shop_id']}")
    page.get_by_label("Nombre del teléfono (por ejemplo, Caja 1)").fill(name)
    page.get_by_role("button", name="Vincular un teléfono").click()
    expect(page.get_by_role("heading", name=f"Vincular «{name}» a Almacén Rosita")).to_be_visible()
    return page.locator("#pairing-link").inner_text()


def _count(app, model, **where) -> int:
    from voucher.extensions import db

    with app.app_context():
        query = sa.select(sa.func.count()).select_from(model).filter_by(**where)
        found = db.session.scalar(query)
        db.session.remove()
        return found


def _type_code(page, code: str) -> None:
    page.get_by_label("o escriba el código:").press_sequentially(code)
    page.get_by_role("button", name="Ver", exact=True).click()
    expect(page.locator(".result")).to_contain_text("VALE VÁLIDO")
    # COBRAR goes through the retrying script only once it has loaded (a tap before
    # that would be a plain form post).
    expect(page.locator("form[data-resilient]")).to_have_count(1)


def _pair_phone(browser, info, admin_page, name: str, **kw):
    url = _make_link(admin_page, info, name)
    context = _context(browser, info, phone=True, **kw)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(url)
    expect(page.get_by_role("heading", name="Escanear vale")).to_be_visible()
    return context, page


def test_pair_charge_unlink_and_refused_links(browser, field, screenshots_dir):
    app, info = field
    from voucher.shops.device_models import Device
    from voucher.vouchers.models import Redemption

    admin_context, admin = _admin(browser, info)
    url = _make_link(admin, info, "Caja 1")
    # The QR on the screen reads back as the link shown under it.
    picture = Image.open(io.BytesIO(admin.locator("#pairing-qr").screenshot()))
    assert [found.text for found in zxingcpp.read_barcodes(picture)] == [url]
    assert "/p/" in url
    screenshot(admin, screenshots_dir, "shop-pairing-qr")

    phone_context = _context(browser, info, phone=True)
    phone = phone_context.new_page()
    phone.goto(url)
    expect(phone).to_have_url(f"{info['base_url']}/shops/scan")
    expect(phone.get_by_role("heading", name="Escanear vale")).to_be_visible()
    expect(phone.get_by_text("Teléfono vinculado a Almacén Rosita como «Caja 1».")).to_be_visible()
    expect(phone.locator("input[type=password]")).to_have_count(0)
    screenshot(phone, screenshots_dir, "phone-paired-scan")

    _type_code(phone, info["codes"]["pair"])
    phone.get_by_role("button", name="COBRAR $15.000").click()
    expect(phone.locator(".result")).to_contain_text("CANJE REALIZADO")
    with app.app_context():
        from voucher.extensions import db

        device = db.session.scalars(sa.select(Device).where(Device.name == "Caja 1")).one()
        device_id = device.id
        db.session.remove()
    assert _count(app, Redemption, device_id=device_id) == 1
    phone.get_by_role("button", name="Menú").click()  # on a phone the links sit behind it
    phone.get_by_role("link", name="Estado de cuenta").click()
    expect(phone.get_by_role("main")).to_contain_text("Caja 1")

    # The admin unlinks it: the phone's next request is refused, and says why.
    admin.goto(f"/shops/{info['shop_id']}")
    expect(admin.get_by_text("Caja 1").first).to_be_visible()
    admin.get_by_role("button", name="Desvincular «Caja 1»").click()
    expect(admin.get_by_text("Teléfono «Caja 1» desvinculado.")).to_be_visible()
    phone.goto("/shops/scan")
    expect(phone.get_by_role("heading", name="TELÉFONO DESVINCULADO")).to_be_visible()
    expect(phone.get_by_role("main")).to_contain_text("pida que lo vinculen de nuevo")
    screenshot(phone, screenshots_dir, "phone-unlinked")

    # The same link again, in another browser: refused, nothing paired.
    again_context = _context(browser, info, phone=True)
    again = again_context.new_page()
    again.goto(url)
    expect(again.get_by_role("heading", name="NO SE VINCULÓ EL TELÉFONO")).to_be_visible()
    expect(again.get_by_role("main")).to_contain_text("ya se usó")
    # A link opened after its time (a lifetime of one second, set for this test).
    app.config["DEVICE_PAIRING_SECONDS"] = 1
    try:
        late = _make_link(admin, info, "Caja tarde")
    finally:
        app.config.pop("DEVICE_PAIRING_SECONDS")
    time.sleep(1.5)
    again.goto(late)
    expect(again.get_by_role("main")).to_contain_text("venció")
    assert _count(app, Device, name="Caja tarde") == 0
    for context in (admin_context, phone_context, again_context):
        context.close()


SHELL_ONLY = re.compile(r"^/(static/|shops/offline$|shops/manifest\.webmanifest$)")


def _count_charges(app, voucher_id: int) -> int:
    from voucher.vouchers.models import Redemption

    return _count(app, Redemption, voucher_id=voucher_id)


def test_a_charge_whose_answer_was_lost_is_charged_once(browser, field, screenshots_dir):
    app, info = field
    admin_context, admin = _admin(browser, info)
    # Routes see every request only without a service worker in between.
    context, phone = _pair_phone(browser, info, admin, "Caja 4G", service_workers="block")
    _type_code(phone, info["codes"]["dropped"])
    handled = []

    def lose_the_first_answer(route):
        if handled:
            route.continue_()
            return
        handled.append(route.fetch(max_redirects=0).status)  # the server charges…
        route.abort("connectionreset")  # …and its answer never reaches the phone

    phone.route("**/shops/redeem", lose_the_first_answer)
    phone.get_by_role("button", name="COBRAR $15.000").click()
    expect(phone.locator("#charge-status")).to_contain_text("Confirmando…")
    expect(phone.locator(".result").first).to_contain_text("CANJE REALIZADO")
    expect(phone.locator(".result").first).to_contain_text("Cobrado")
    assert handled == [302]
    assert _count_charges(app, info["voucher_ids"]["dropped"]) == 1
    screenshot(phone, screenshots_dir, "phone-charge-confirmed")
    context.close()
    admin_context.close()


def test_a_charge_that_never_reached_the_server_is_not_charged(browser, field, screenshots_dir):
    app, info = field
    admin_context, admin = _admin(browser, info)
    context, phone = _pair_phone(browser, info, admin, "Caja sin señal", service_workers="block")
    _type_code(phone, info["codes"]["unreached"])
    tries = []

    def no_signal(route):
        tries.append(route.request.post_data)
        route.abort("internetdisconnected")

    phone.route("**/shops/redeem", no_signal)
    phone.get_by_role("button", name="COBRAR $15.000").click()
    expect(phone.locator("#charge-status")).to_contain_text("Confirmando…")
    expect(phone.get_by_role("button", name="COBRAR $15.000")).to_be_disabled()
    phone.wait_for_timeout(1500)  # a retry, with the same key
    assert len(tries) >= 2 and len(set(tries)) == 1
    phone.get_by_role("button", name="Dejar de intentar").click()
    expect(phone.locator("#charge-status")).to_contain_text("No se cobró.")
    expect(phone.locator("#charge-status")).not_to_contain_text("sí quedó registrado")
    screenshot(phone, screenshots_dir, "phone-charge-not-made")
    assert _count_charges(app, info["voucher_ids"]["unreached"]) == 0
    context.close()
    admin_context.close()


def test_the_scan_page_says_why_the_camera_is_closed_without_https(browser, field, screenshots_dir):
    """Served over plain http from another machine's name, the browser keeps the camera
    closed: the page says why, and the code can still be typed."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
    from voucher import demo

    _app, info = field
    port = info["base_url"].rsplit(":", 1)[1]
    # A second Chromium whose resolver sends another machine's name to this server.
    chromium = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP caja.vales.test 127.0.0.1"],
    )
    try:
        context = chromium.new_context(
            base_url=f"http://caja.vales.test:{port}", viewport=PHONE_SCREEN, locale="es-CL"
        )
        page = context.new_page()
        login(page, demo.SHOPKEEPER, demo.DEMO_PASSWORD)
        page.goto("/shops/scan")
        assert page.evaluate("window.isSecureContext") is False
        notice = page.locator("#insecure-message")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("conexión segura (https://)")
        expect(page.get_by_label("o escriba el código:")).to_be_editable()
        screenshot(page, screenshots_dir, "phone-no-https")
    finally:
        chromium.close()


def test_the_scan_page_opens_offline_from_its_service_worker(browser, field, screenshots_dir):
    _app, info = field
    admin_context, admin = _admin(browser, info)
    context, phone = _pair_phone(browser, info, admin, "Caja sin red")
    # Pages with vouchers, lists and statements are visited while online too.
    _type_code(phone, info["codes"]["offline"])
    phone.goto("/shops/today")
    phone.goto("/treasury/my-statement")
    phone.goto("/shops/scan")
    phone.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    expect(phone.locator("#offline-message")).to_be_hidden()

    # No connection: the page's network is cut, and (Chromium's offline emulation not
    # reaching service workers) the server goes away too. Last test of the module.
    context.set_offline(True)
    server = info["server"]
    server.shutdown()
    server.server_close()
    phone.reload()
    expect(phone.get_by_role("link", name="Reintentar")).to_be_visible()  # the shell
    expect(phone.get_by_role("heading", name="Escanear vale")).to_be_visible()
    expect(phone.get_by_text("Sin conexión: no se puede cobrar ahora")).to_be_visible()
    screenshot(phone, screenshots_dir, "phone-offline")
    phone.goto("/shops/today")  # a list: never kept, so the offline shell answers
    expect(phone.get_by_text("Sin conexión: no se puede cobrar ahora")).to_be_visible()

    kept = phone.evaluate(
        """async () => {
            const out = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) {
                    out.push([name, new URL(request.url).pathname + new URL(request.url).search]);
                }
            }
            return out;
        }"""
    )
    assert kept, "the service worker kept nothing"
    assert {name for name, _path in kept} == {kept[0][0]}  # one versioned cache
    assert kept[0][0].startswith("vales-shell-")
    paths = sorted(path for _name, path in kept)
    assert all(SHELL_ONLY.match(path) for path in paths), paths
    for private in ("/shops/voucher", "/shops/today", "/shops/scan", "/treasury", "/r/", "/api/"):
        assert not any(path.startswith(private) for path in paths), (private, paths)
    assert "/static/vendor/qr-scanner/qr-scanner.umd.min.js" in paths
    context.set_offline(False)
    context.close()
    admin_context.close()
