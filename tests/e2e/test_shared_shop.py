"""A second parish asks to join a shop the demo parish registered; the shopkeeper accepts
on the phone; the second parish then sees the shop's name, address and categories, and
none of the owner's details, and cannot edit it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import check_accessibility, login, screenshot

SHOP = "Panadería Los Aromos"


def test_a_parish_joins_a_shop_only_once_its_shopkeeper_accepts(open_page, site, screenshots_dir):
    other = open_page("desktop")
    login(other, site.emails["other_admin"], site.password)
    other.goto("/shops/")
    other.get_by_label("RUT del comercio").fill("76543210-3")
    other.get_by_role("button", name="Pedir adherirlo").click()
    expect(other.get_by_text(f"Solicitud enviada a {SHOP}.")).to_be_visible()
    expect(other.get_by_text(re.compile(f"{SHOP}: esperando respuesta"))).to_be_visible()
    expect(other.get_by_role("row").filter(has_text=SHOP)).to_have_count(0)
    check_accessibility(other, "shops, request sent")
    screenshot(other, screenshots_dir, "shared-shop-requested")

    phone = open_page("phone")
    login(phone, site.emails["aromos"], site.password)
    banner = phone.get_by_role("link", name=re.compile("Parroquia San Esteban pide adherir"))
    expect(banner).to_be_visible()
    banner.click()
    expect(phone.get_by_role("heading", name="Solicitudes de parroquias")).to_be_visible()
    check_accessibility(phone, "join requests")
    screenshot(phone, screenshots_dir, "shared-shop-request")
    phone.get_by_role("button", name="Aceptar").click()
    expect(phone.get_by_text("Parroquia San Esteban ya puede pagar con vales")).to_be_visible()
    expect(phone.get_by_text("No hay solicitudes pendientes.")).to_be_visible()

    other.goto("/shops/")
    other.get_by_role("link", name=SHOP).click()
    expect(other.get_by_role("heading", name=SHOP)).to_be_visible()
    expect(other.get_by_text("Los Aromos 455")).to_be_visible()
    expect(other.get_by_text("solo ella puede modificar sus datos y sus cuentas")).to_be_visible()
    body = other.locator("main").inner_text()
    for secret in ("Marta Aravena", "BancoEstado", "+56 9 5555 0101", site.emails["aromos"]):
        assert secret not in body
    expect(other.get_by_role("link", name="Editar datos")).to_have_count(0)
    expect(other.get_by_role("button", name="Crear cuenta")).to_have_count(0)
    check_accessibility(other, "joined shop")
    screenshot(other, screenshots_dir, "shared-shop-joined")
    refused = other.goto(f"/shops/{site.ids['aromos']}/edit")
    assert refused.status == 403


def test_the_shopkeeper_changes_the_bank_details_and_the_statement_says_so(
    open_page, site, screenshots_dir
):
    phone = open_page("phone")
    login(phone, site.emails["aromos"], site.password)
    phone.goto("/treasury/my-statement")
    phone.get_by_role("link", name="Teléfono y datos para pagarle").click()
    phone.get_by_label("Datos para pagarle").fill("Banco de Chile, cuenta corriente 0001")
    phone.get_by_role("button", name="Guardar").click()
    expect(phone.get_by_text("Datos del comercio guardados.")).to_be_visible()
    expect(phone.get_by_text(re.compile("Modificados el"))).to_be_visible()
    check_accessibility(phone, "shop contact")
    screenshot(phone, screenshots_dir, "shop-contact")
    phone.goto("/treasury/my-statement")
    # On the statement of each parish the shop takes part in.
    notices = phone.get_by_text(re.compile(f"Los datos para pagarle a {SHOP} se modificaron"))
    expect(notices.first).to_be_visible()
