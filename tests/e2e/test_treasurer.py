"""The treasurer: records money received, sees what is owed to each shop, pays one, and
prints the shop's statement, whose closing balance is what the home page shows."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import download, login, pdf_text, pesos
from tests.e2e.test_shopkeeper import charge, type_code

SHOP = "Minimarket Don Pedro"


def owed(page: Page, shop: str) -> int:
    """'Se le debe' on the treasury home page, for one shop."""
    table = page.get_by_role("region", name="Saldos de los comercios")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=shop))
    return pesos(row.get_by_role("cell").first.inner_text())


def test_fund_balances_settlement_and_statement(open_page, site):
    page = open_page("desktop")
    login(page, site.emails["treasurer"], site.password)
    expect(page.get_by_role("heading", name="Tesorería", exact=True)).to_be_visible()

    page.get_by_role("link", name="Registrar un fondo").click()
    page.get_by_label("Programa").select_option(label="Canasta de alimentos")
    page.get_by_label("Monto recibido").fill("$250.000")
    page.get_by_label("De dónde viene").fill("Colecta de invierno")
    page.get_by_label("Referencia (opcional)").fill("DEP-0977")
    page.get_by_role("button", name="Registrar fondo").click()
    expect(
        page.get_by_text("Fondo registrado: $250.000 para Canasta de alimentos.")
    ).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="DEP-0977")).to_contain_text("$250.000")

    # What each shop is owed; Don Pedro has two unpaid charges ($15.000 + $9.500).
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Tesorería"
    ).click()
    assert owed(page, SHOP) == 24_500
    page.get_by_role("link", name=f"Pagar {SHOP}").click()

    # The list the payment covers, then one button that says the amount.
    expect(page.get_by_role("heading", name=f"2. Canjes que se pagan a {SHOP}")).to_be_visible()
    listed = page.get_by_role("region", name="Canjes a pagar")
    expect(listed.get_by_role("row").filter(has_text="$15.000")).to_have_count(1)
    expect(listed.get_by_role("row").filter(has_text="$9.500")).to_have_count(1)
    expect(page.get_by_role("radio", name="Transferencia")).to_be_checked()
    page.get_by_label("Referencia (N° de transferencia o cheque)").fill("TRF-5521")
    page.get_by_role("button", name=f"Pagar $24.500 a {SHOP}").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Pago N° \d{6}"))).to_contain_text(
        "Pagado"
    )
    expect(page.get_by_text(f"Pago registrado: $24.500 a {SHOP}.")).to_be_visible()
    remittance = pdf_text(
        download(page, page.get_by_role("link", name="Descargar comprobante (PDF)").click)
    )
    assert "$24.500" in remittance and "TRF-5521" in remittance

    # Meanwhile Don Pedro charges another voucher on his phone.
    shop = open_page("phone")
    login(shop, site.emails["pedro"], site.password)
    type_code(shop, site.codes["pedro-after"])
    charge(shop, "8.000")
    expect(shop.get_by_text("CANJE REALIZADO")).to_be_visible()

    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Tesorería"
    ).click()
    shown = owed(page, SHOP)
    assert shown == 8_000

    page.get_by_role("link", name=f"Estado de cuenta {SHOP}").click()
    expect(page.get_by_role("heading", name=f"Estado de cuenta de {SHOP}")).to_be_visible()
    closing = page.locator("dl.result-rows dt", has_text="Saldo final adeudado").locator("+ dd")
    assert pesos(closing.inner_text()) == shown

    statement = pdf_text(
        download(page, page.get_by_role("link", name="Descargar PDF para firmar").click)
    )
    assert SHOP in statement and "Comerciante" in statement
    match = re.search(r"Saldo final adeudado al \d\d-\d\d-\d{4}: (\$[\d.]+)", statement)
    assert match, statement[-800:]
    assert pesos(match.group(1)) == shown
    assert "$24.500" in statement  # the payment, among the period's lines
