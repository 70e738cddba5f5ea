"""The scan page as an installable app (manifest, service worker, offline shell), and
the check the scan page asks after a charge's answer was lost."""

from __future__ import annotations

import json
import re

from tests.devices.test_pairing_web import form_key, page


def test_the_manifest_installs_the_scan_page(client):
    response = client.get("/shops/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "Vales · Cobrar vales" and manifest["lang"] == "es-CL"
    assert manifest["start_url"] == "/shops/scan" and manifest["scope"] == "/shops/"
    assert manifest["display"] == "standalone" and manifest["theme_color"] == "#12355b"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as picture:
            assert picture.status_code == 200 and picture.mimetype == "image/png"
            width, height = (int(n) for n in icon["sizes"].split("x"))
            size = width.to_bytes(4, "big") + height.to_bytes(4, "big")
            assert picture.data[16:24] == size


def test_the_service_worker_keeps_only_the_shell(client):
    response = client.get("/shops/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    version = re.search(r"var VERSION = '([0-9a-f]{12})';", source).group(1)
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);", source).group(1))
    assert "/shops/offline" in shell
    assert "/static/vendor/qr-scanner/qr-scanner.umd.min.js" in shell
    assert all(
        p.startswith("/static/")
        or p.startswith("/shops/offline")
        or p == "/shops/manifest.webmanifest"
        for p in shell
    )
    for path in shell:  # every kept file exists
        with client.get(path) as kept:
            assert kept.status_code == 200, path
    assert "vales-shell-' + VERSION" in source and version


def test_the_version_follows_the_files(app, client, tmp_path, monkeypatch):
    from voucher.shops.views import pwa

    first = re.search(r"VERSION = '(\w+)'", client.get("/shops/sw.js").get_data(as_text=True))
    app.extensions.pop("vales_shell_version", None)
    changed = tmp_path / "static"
    changed.mkdir()
    for name in pwa.STATIC_SHELL:
        target = changed / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"new build of " + name.encode())
    monkeypatch.setattr(app, "static_folder", str(changed))
    second = re.search(r"VERSION = '(\w+)'", client.get("/shops/sw.js").get_data(as_text=True))
    app.extensions.pop("vales_shell_version", None)
    assert first.group(1) != second.group(1)


def test_the_offline_shell_is_the_same_for_everyone(client, login_as):
    anonymous = page(client.get("/shops/offline"))
    assert "Sin conexión: no se puede cobrar ahora" in anonymous
    keeper = page(login_as("shopkeeper").get("/shops/offline"))
    assert keeper == anonymous  # no name, no shop, no token: nothing personal to keep


def test_the_scan_page_says_when_offline_or_not_on_https(login_as):
    html = page(login_as("shopkeeper").get("/shops/scan"))
    assert '<link rel="manifest" href="/shops/manifest.webmanifest">' in html
    assert 'name="vales-sw" content="/shops/sw.js"' in html
    assert re.search(r'id="offline-message" hidden>Sin conexión: no se puede cobrar ahora<', html)
    assert re.search(r'id="insecure-message" hidden>La cámara no se puede abrir', html)
    assert "/static/js/pwa.js" in html


def test_a_lost_charge_is_found_by_its_key(login_as, issue):
    keeper = login_as("shopkeeper")
    issued = issue(15000)
    html = page(keeper.get("/shops/voucher", query_string={"code": issued.code}))
    key = form_key(html)
    assert 'data-check-url="/shops/charges/KEY"' in html
    assert keeper.get(f"/shops/charges/{key}").get_json() == {"found": False}
    keeper.post("/shops/redeem", data={"code": issued.code, "key": key, "amount": "2000"})
    found = keeper.get(f"/shops/charges/{key}").get_json()
    assert found["found"] is True and re.fullmatch(r"\d\d:\d\d", found["at"])
    assert found["receipt_url"].startswith("/shops/receipts/")
    # Another shop's shopkeeper with the same key finds nothing.
    assert login_as("shopkeeper", "b").get(f"/shops/charges/{key}").get_json() == {"found": False}
