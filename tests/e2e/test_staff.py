"""A parish volunteer at the office PC: registers a family (after a typo in the RUT),
hands it a voucher, runs a round and prints the vouchers."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import check_accessibility, download, login, pdf_text, screenshot

NAME = "Valentina Rojas Peña"
WRONG_RUT = "10.004.242-3"
RIGHT_RUT = "10.004.242-8"


def test_register_family_issue_voucher_and_round(open_page, site, screenshots_dir):
    page = open_page("desktop")
    login(page, site.emails["staff"], site.password)
    expect(page.get_by_role("heading", name="Familias", exact=True)).to_be_visible()

    # A typo in the RUT: the error sits next to the field and nothing typed is lost.
    page.get_by_role("link", name="Registrar familia").click()
    page.get_by_label("Nombre de la jefa o jefe de hogar").fill(NAME)
    page.get_by_label("Número de documento").fill(WRONG_RUT)
    page.get_by_label("Adultos en el hogar").fill("2")
    page.get_by_label("Niñas y niños en el hogar").fill("3")
    page.get_by_label("Dirección").fill("Pasaje Las Violetas 456")
    page.get_by_label("Sector o población").fill("Villa Los Copihues")
    page.get_by_label("La familia autorizó guardar estos datos").check()
    page.get_by_role("button", name="Registrar familia").click()

    document = page.get_by_label("Número de documento")
    expect(document).to_have_accessible_description(
        re.compile("RUT inválido: el dígito verificador debería ser 8")
    )
    expect(document).to_have_attribute("aria-invalid", "true")
    expect(document).to_have_value(WRONG_RUT)
    expect(page.get_by_label("Nombre de la jefa o jefe de hogar")).to_have_value(NAME)
    expect(page.get_by_label("Niñas y niños en el hogar")).to_have_value("3")
    expect(page.get_by_label("Sector o población")).to_have_value("Villa Los Copihues")
    expect(page.get_by_label("La familia autorizó guardar estos datos")).to_be_checked()

    document.fill(RIGHT_RUT)
    page.get_by_role("button", name="Registrar familia").click()
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Familia registrada.")).to_be_visible()
    expect(page.get_by_text("Total: 5 (adultos: 2; niñas y niños: 3)")).to_be_visible()
    family_url = page.url

    # The family joins the winter and the food programmes, then gets a voucher of the food
    # programme (only a programme it is enrolled in gives it vouchers).
    page.get_by_label("Programa", exact=True).select_option(label="Canasta de invierno")
    page.get_by_role("button", name="Inscribir en programa").click()
    expect(page.get_by_text("Familia inscrita en Canasta de invierno.")).to_be_visible()
    page.get_by_label("Programa", exact=True).select_option(label="Canasta de alimentos")
    page.get_by_role("button", name="Inscribir en programa").click()
    expect(page.get_by_text("Familia inscrita en Canasta de alimentos.")).to_be_visible()
    page.get_by_role("link", name="Entregar vale").click()
    expect(page.get_by_role("heading", name="Entregar vale")).to_be_visible()
    page.get_by_label("Programa").select_option(label="Canasta de alimentos · $15.000")
    page.get_by_role("button", name="Emitir vale").click()

    heading = page.get_by_role("heading", name=re.compile(r"^Vale [A-Z]+-\d{4}-\d{6}"))
    expect(heading).to_be_visible()
    serial = re.search(r"[A-Z]+-\d{4}-\d{6}", heading.inner_text()).group(0)
    expect(page.get_by_text(f"Vale {serial} emitido.")).to_be_visible()
    expect(page.get_by_text("Este código todavía no se ha impreso.")).to_be_visible()

    pdf = download(page, page.get_by_role("link", name="Descargar PDF para imprimir").click)
    text = pdf_text(pdf)
    assert serial in text
    assert "$15.000" in text and NAME not in text and RIGHT_RUT not in text

    page.goto(family_url)
    row = page.get_by_role("row").filter(has_text=serial)
    expect(row).to_contain_text("Canasta de alimentos")
    expect(row).to_contain_text("Vigente")

    # A round: preview, confirm, result, sheets to print.
    page.get_by_role("navigation", name="Menú principal").get_by_role("link", name="Rondas").click()
    page.get_by_role("link", name="Nueva ronda").click()
    page.get_by_label("Programa").select_option(label="Canasta de invierno")
    page.get_by_role("button", name="Ver vista previa").click()
    expect(page.get_by_role("heading", name="Vista previa: Canasta de invierno")).to_be_visible()
    summary = page.locator("dl.result-rows")
    expect(summary).to_contain_text("Familias a las que se entrega")
    expect(summary).to_contain_text("$140.000")  # 7 families × $20.000
    page.get_by_text("Ver las 7 familias").click()
    expect(page.get_by_role("link", name=NAME)).to_be_visible()

    page.get_by_role("button", name="Emitir 7 vales").click()
    expect(page.get_by_role("heading", name="Ronda de Canasta de invierno")).to_be_visible()
    expect(page.get_by_text("7 vales emitidos")).to_be_visible()
    expect(page.get_by_text("Ronda emitida: 7 vales.")).to_be_visible()

    sheets = pdf_text(
        download(page, page.get_by_role("link", name="Descargar PDF para imprimir").click)
    )
    assert sheets.count("Serie:") == 7, sheets[:500]
    assert "$20.000" in sheets

    # The delivery list beside it: paper N goes to the family on line N.
    acta = pdf_text(download(page, page.get_by_role("link", name="Acta de entrega (PDF)").click))
    serial = re.compile(r"[A-Z]+-\d{4}-\d{6}")
    assert serial.findall(acta) == serial.findall(sheets)
    assert NAME in acta and "Recibí conforme" in acta
    expect(page.get_by_text("Entregados: 0 de 7")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Marcar entregado")).first.click()
    expect(page.get_by_text("Entregados: 1 de 7")).to_be_visible()
    check_accessibility(page, "round result with its delivery list")
    page.get_by_role("heading", name="Entrega de los vales").scroll_into_view_if_needed()
    screenshot(page, screenshots_dir, "staff-round-delivery")

    # A second look at the preview: nobody is left to serve, nothing can be issued twice.
    page.goto(f"/vouchers/rounds/new?program_id={site.ids['winter']}")
    expect(page.get_by_text("Nada que emitir")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Emitir"))).to_have_count(0)
