"""Accounts people manage themselves: the admin hands a volunteer a one-time link (shown
once, with a QR to print), the volunteer opens it on a phone, chooses a password, signs
in, and later changes it; every screen fits a 360×640 phone with its main button in view."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, login, screenshot

SMALL_PHONE = {"width": 360, "height": 640}
NAME = "Marta Illanes"
EMAIL = "marta.illanes@parroquia.example"
FIRST = "clave-inicial-de-marta"
CHOSEN = "mate-con-pan-amasado"
LATER = "cerro-san-cristobal-9"


def _in_first_screen(page: Page, locator) -> None:
    box = locator.bounding_box()
    assert box is not None
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box


def test_a_one_time_link_then_a_password_change_on_a_phone(open_page, site, screenshots_dir):
    admin = open_page("desktop", as_role="admin")
    admin.goto("/users")
    admin.get_by_label("Nombre", exact=True).fill(NAME)
    admin.get_by_label("Correo").fill(EMAIL)
    admin.get_by_label("Contraseña inicial").fill(FIRST)
    admin.get_by_role("button", name="Crear cuenta").click()
    expect(admin.get_by_text(f"Cuenta creada para {EMAIL}.")).to_be_visible()
    expect(admin.get_by_role("heading", name="Quién tiene acceso")).to_be_visible()
    screenshot(admin, screenshots_dir, "accounts-users")
    check_accessibility(admin, "users")

    admin.set_viewport_size(SMALL_PHONE)
    screenshot(admin, screenshots_dir, "accounts-users")
    check_accessibility(admin, "users on a phone")
    admin.get_by_role("link", name=NAME).click()
    give = admin.get_by_role("button", name="Dar enlace para nueva contraseña")
    screenshot(admin, screenshots_dir, "accounts-user")
    _in_first_screen(admin, give)
    admin.set_viewport_size({"width": 1280, "height": 800})
    screenshot(admin, screenshots_dir, "accounts-user")
    check_accessibility(admin, "user")
    give.click()
    expect(admin.get_by_role("heading", name="Enlace para elegir contraseña")).to_be_visible()
    expect(admin.get_by_role("img", name=re.compile("Código QR"))).to_be_visible()
    link = admin.locator("#reset-link").inner_text().strip()
    assert link.startswith(site.base_url + "/password/reset/")
    screenshot(admin, screenshots_dir, "accounts-reset-link")
    check_accessibility(admin, "reset link")
    admin.set_viewport_size(SMALL_PHONE)
    screenshot(admin, screenshots_dir, "accounts-reset-link")
    _in_first_screen(admin, admin.get_by_role("img", name=re.compile("Código QR")))

    phone = open_page("phone")
    phone.set_viewport_size(SMALL_PHONE)
    phone.goto(link)
    expect(phone).to_have_url(re.compile(r"/password/new$"))  # the secret left the address bar
    expect(phone.get_by_role("heading", name="Elegir contraseña")).to_be_visible()
    save = phone.get_by_role("button", name="Guardar contraseña")
    _in_first_screen(phone, save)
    phone.get_by_label("Contraseña nueva", exact=True).fill("password12")
    phone.get_by_label("Repita la contraseña nueva").fill("password12")
    save.click()
    expect(phone.get_by_text("Esa contraseña es de las más usadas")).to_be_visible()
    screenshot(phone, screenshots_dir, "accounts-choose-refused")
    phone.get_by_label("Contraseña nueva", exact=True).fill(CHOSEN)
    phone.get_by_label("Repita la contraseña nueva").fill(CHOSEN)
    phone.get_by_role("button", name="Guardar contraseña").click()
    expect(phone.get_by_text("Contraseña guardada.")).to_be_visible()
    login(phone, EMAIL, CHOSEN, path="")

    # The link was single-use.
    other = open_page("phone")
    other.goto(link)
    expect(other.get_by_role("heading", name="Este enlace ya no sirve")).to_be_visible()

    phone.goto("/profile")
    phone.get_by_role("link", name="Cambiar contraseña").click()
    change = phone.get_by_role("button", name="Cambiar contraseña")
    screenshot(phone, screenshots_dir, "accounts-change")
    _in_first_screen(phone, change)
    check_accessibility(phone, "change password")
    phone.get_by_label("Contraseña actual", exact=True).fill("no-es-la-mia-123")
    phone.get_by_label("Contraseña nueva", exact=True).fill(LATER)
    phone.get_by_label("Repita la contraseña nueva").fill(LATER)
    change.click()
    expect(phone.get_by_text("La contraseña actual no es correcta.")).to_be_visible()
    screenshot(phone, screenshots_dir, "accounts-change-refused")
    phone.get_by_label("Contraseña actual", exact=True).fill(CHOSEN)
    phone.get_by_label("Contraseña nueva", exact=True).fill(LATER)
    phone.get_by_label("Repita la contraseña nueva").fill(LATER)
    phone.get_by_role("button", name="Cambiar contraseña").click()
    expect(phone.get_by_text("Contraseña cambiada.")).to_be_visible()
    screenshot(phone, screenshots_dir, "accounts-changed")

    # The admin sees her and can close every session she has.
    admin.set_viewport_size({"width": 1280, "height": 800})
    admin.goto("/users")
    row = admin.get_by_role("listitem").filter(has_text=EMAIL)
    expect(row).to_contain_text("1 sesión abierta")
    row.get_by_role("link", name=NAME).click()
    admin.get_by_role("button", name="Cerrar todas las sesiones").click()
    expect(admin.get_by_text("Se cerraron todas las sesiones")).to_be_visible()
    phone.goto("/profile")
    expect(phone).to_have_url(re.compile(r"/login"))
