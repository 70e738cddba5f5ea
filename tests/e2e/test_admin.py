"""The parish administrator adds a shop and its login; the volunteer cannot wander into
pages that are not theirs."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import login

SHOP = "Almacén Doña Juana"
KEEPER = "juana@almacen.example"
KEEPER_PASSWORD = "pan-amasado-2026"


def test_admin_adds_a_shop_whose_keeper_can_then_log_in(open_page, site):
    page = open_page("desktop")
    login(page, site.emails["admin"], site.password)
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Comercios"
    ).click()
    page.get_by_role("link", name="Registrar un comercio").click()
    page.get_by_label("Nombre del comercio").fill(SHOP)
    page.get_by_label("RUT").fill("10.009.090-2")
    page.get_by_label("Nombre del dueño o dueña").fill("Juana Contreras")
    page.get_by_label("Dirección").fill("Av. Vicuña Mackenna 7110")
    page.get_by_label("Datos para pagarle").fill("Cuenta RUT 10009090")
    expect(page.get_by_label("Alimentos")).to_be_checked()
    page.get_by_label("Higiene").uncheck()
    page.get_by_role("button", name="Registrar y adherir").click()

    expect(page.get_by_role("heading", name=SHOP)).to_be_visible()
    expect(page.get_by_text("Comercio registrado y adherido a la parroquia.")).to_be_visible()
    expect(page.get_by_text("Todavía nadie puede canjear vales en este comercio")).to_be_visible()

    page.get_by_label("Nombre", exact=True).fill("Juana Contreras")
    page.get_by_label("Correo").fill(KEEPER)
    page.get_by_label("Contraseña inicial").fill(KEEPER_PASSWORD)
    page.get_by_role("button", name="Crear cuenta").click()
    expect(page.get_by_text(f"Cuenta creada para {KEEPER}.")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=KEEPER)).to_be_visible()

    page.get_by_role("link", name="Todos los comercios").click()
    row = page.get_by_role("row").filter(has_text=SHOP)
    expect(row).to_contain_text("Adherido")
    expect(row).to_contain_text("Alimentos")

    # The new account works on the shop's phone and opens on the scan page.
    phone = open_page("phone")
    login(phone, KEEPER, KEEPER_PASSWORD)
    expect(phone.get_by_role("heading", name="Escanear vale")).to_be_visible()
    expect(phone.get_by_role("link", name=re.compile(f"{SHOP}"))).to_be_visible()
    expect(phone.get_by_text("Hoy: 0 canjes · $0")).to_be_visible()


FORBIDDEN = [
    "/treasury/",
    "/treasury/settlements/new",
    "/users",
    "/shops/",
    "/audit/",
    "/shops/scan",
]


def test_volunteer_gets_a_spanish_403_outside_their_pages(open_page, site):
    page = open_page("desktop")
    login(page, site.emails["staff"], site.password)
    nav = page.get_by_role("navigation", name="Menú principal")
    expect(nav.get_by_role("link", name="Familias")).to_be_visible()
    for hidden in ("Tesorería", "Comercios", "Usuarios", "Escanear"):
        expect(nav.get_by_role("link", name=hidden)).to_have_count(0)

    for path in FORBIDDEN:
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.get_by_role("heading", name="Sin permiso")).to_be_visible()
        expect(page.get_by_text("Su perfil no permite hacer esto.")).to_be_visible()
    page.get_by_role("link", name="Volver al inicio").click()
    expect(page.get_by_role("heading", name="Familias", exact=True)).to_be_visible()
