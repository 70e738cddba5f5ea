"""Keyboard only (Tab and Enter, as with a barcode scanner that types): logging in and
charging a voucher at a shop counter, the focus always visible."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import focus_is_visible, tab_to
from tests.e2e.test_shopkeeper import result, row_value


def test_login_and_charge_with_the_keyboard_only(open_page, site):
    page = open_page("desktop")
    page.goto("/login")
    email = page.get_by_label("Correo")
    expect(email).to_be_focused()  # the form opens ready to type
    assert focus_is_visible(page)
    page.keyboard.type(site.emails["shopkeeper"])
    tab_to(page, page.get_by_label("Contraseña"))
    page.keyboard.type(site.password)
    tab_to(page, page.get_by_role("button", name="Ingresar"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Escanear vale")).to_be_visible()

    # The skip link first, then straight to the code box.
    skip = page.get_by_role("link", name="Ir al contenido")
    tab_to(page, skip)
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    code_box = page.get_by_label("o escriba el código:")
    tab_to(page, code_box, limit=5)
    page.keyboard.type(site.codes["keyboard"].lower())
    page.keyboard.press("Enter")
    expect(result(page)).to_contain_text("VALE VÁLIDO")

    amount = page.get_by_label("Monto de la compra")
    tab_to(page, amount)
    page.keyboard.press("Control+A")
    page.keyboard.type("5000")
    button = page.get_by_role("button", name="COBRAR $5.000")
    tab_to(page, button, limit=3)
    page.keyboard.press("Enter")
    expect(result(page)).to_contain_text("CANJE REALIZADO")
    expect(row_value(page, "Cobrado")).to_have_text("$5.000")
    expect(row_value(page, "Saldo vale")).to_have_text("$10.000")

    tab_to(page, page.get_by_role("link", name="Escanear otro vale"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Escanear vale")).to_be_visible()
