"""The shopkeeper on a cheap phone: types a code, charges part of a voucher, then the
rest, is refused a third time, voids the last charge; and the printed QR leads a phone
straight to the voucher."""

from __future__ import annotations

import io
import re

import pypdfium2
import zxingcpp
from playwright.sync_api import Page, expect

from tests.e2e.helpers import download, login, pdf_text


def type_code(page: Page, code: str) -> None:
    """On the scan page: the code box, as a person types it, then "Ver"."""
    expect(page.get_by_role("heading", name="Escanear vale")).to_be_visible()
    box = page.get_by_label("o escriba el código:")
    box.press_sequentially(code)
    page.get_by_role("button", name="Ver", exact=True).click()


def result(page: Page):
    return page.locator(".result")


def row_value(page: Page, label: str):
    """The value next to a label in the big result box (``<dt>label</dt><dd>value</dd>``)."""
    return result(page).locator(f"dt:text-is('{label}') + dd")


def charge(page: Page, amount: str | None = None) -> None:
    field = page.get_by_label("Monto de la compra")
    if amount is not None:
        field.fill("")
        field.press_sequentially(amount)
    shown = amount if amount is not None else field.input_value()
    button = page.get_by_role("button", name=f"COBRAR ${shown}")
    expect(button).to_be_visible()
    button.click()


def test_charge_part_then_the_rest_then_refused_then_void(open_page, site):
    code = site.codes["partial"]
    page = open_page("phone")
    login(page, site.emails["shopkeeper"], site.password)

    # Lower case, no dashes: the box tidies it up and the voucher shows.
    type_code(page, code.lower())
    expect(result(page)).to_contain_text("VALE VÁLIDO")
    expect(row_value(page, "Saldo")).to_have_text("$15.000")
    expect(row_value(page, "Serie")).to_have_text(site.serials["partial"])
    assert "code=" not in page.url  # the typed code travels in the form's body, not the URL

    key_sent = page.locator("input[name=key]").input_value()
    charge(page, "12.000")
    expect(result(page)).to_contain_text("CANJE REALIZADO")
    expect(row_value(page, "Cobrado")).to_have_text("$12.000")
    expect(row_value(page, "Saldo vale")).to_have_text("$3.000")
    first_receipt = page.url
    number = row_value(page, "N°").inner_text()

    # A reload of the receipt, or going back and sending the form again, charges nothing.
    page.reload()
    expect(row_value(page, "Saldo vale")).to_have_text("$3.000")
    page.go_back()
    amount = page.get_by_label("Monto de la compra")
    expect(amount).to_be_visible()
    same_form = page.locator("input[name=key]").input_value() == key_sent
    charge(page, "12.000")
    if same_form:
        # The page came back from the browser's cache with its operation key: the server
        # answers with the charge already made.
        expect(page).to_have_url(first_receipt)
        expect(row_value(page, "N°")).to_have_text(number)
    else:
        expect(amount).to_have_accessible_description(re.compile(r"supera el saldo"))
    page.goto("/shops/today")
    charges = page.get_by_role("row").filter(has_text=site.serials["partial"])
    expect(charges).to_have_count(1)
    expect(charges).to_contain_text("$12.000")

    # The rest of the balance: the amount box already holds it.
    page.get_by_role("link", name="Escanear un vale").click()
    type_code(page, code.lower())
    expect(row_value(page, "Saldo")).to_have_text("$3.000")
    expect(page.get_by_label("Monto de la compra")).to_have_value("3.000")
    charge(page)
    expect(row_value(page, "Cobrado")).to_have_text("$3.000")
    expect(row_value(page, "Saldo vale")).to_have_text("$0")
    last_receipt = page.url

    # Used up: the third try is refused in words.
    page.get_by_role("link", name="Escanear otro vale").click()
    type_code(page, code)
    expect(page.get_by_role("alert")).to_contain_text("VALE YA USADO")
    expect(page.get_by_role("alert")).to_contain_text("ya fue usado")
    expect(page.get_by_label("Monto de la compra")).to_have_count(0)

    # Today's list shows both charges; the last one is voided within the window.
    page.goto("/shops/today")
    expect(charges).to_have_count(2)
    expect(charges.filter(has_text="$3.000")).to_have_count(1)
    page.goto(last_receipt)
    page.get_by_role("button", name=re.compile(r"^Anular \(hasta \d\d:\d\d\)")).click()
    expect(page.get_by_text("Canje anulado: el monto volvió al vale.")).to_be_visible()
    expect(result(page)).to_contain_text("CANJE ANULADO")
    expect(row_value(page, "Saldo vale")).to_have_text("$3.000")
    expect(page.get_by_role("button", name=re.compile("^Anular"))).to_have_count(0)

    page.get_by_role("link", name="Ver los canjes de hoy").click()
    expect(charges.filter(has_text="Anulado")).to_contain_text("$3.000")
    page.get_by_role("link", name="Escanear un vale").click()
    type_code(page, code)
    expect(result(page)).to_contain_text("VALE VÁLIDO")
    expect(row_value(page, "Saldo")).to_have_text("$3.000")


def qr_url(pdf: bytes) -> str:
    """Render the sheet's first page and read its QR code, as a phone camera would."""
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    found = [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert len(found) == 1, found
    return found[0]


def test_printed_qr_opens_the_voucher_on_the_phone(open_page, site):
    office = open_page("desktop")
    login(office, site.emails["staff"], site.password)
    office.goto(f"/vouchers/{site.voucher_ids['qr']}")
    pdf = download(office, office.get_by_role("link", name="Descargar PDF para imprimir").click)
    assert site.serials["qr"] in pdf_text(pdf)
    url = qr_url(pdf)
    assert re.fullmatch(
        re.escape(site.base_url) + r"/r/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", url
    ), url

    # The shop's phone, already logged in: straight to the voucher screen.
    shop = open_page("phone")
    login(shop, site.emails["shopkeeper"], site.password)
    shop.goto(url)
    expect(result(shop)).to_contain_text("VALE VÁLIDO")
    expect(row_value(shop, "Serie")).to_have_text(site.serials["qr"])
    expect(shop.get_by_role("button", name="COBRAR $15.000")).to_be_visible()

    # Anyone else: the voucher's state, no personal data, and a way in for the shop.
    visitor = open_page("phone")
    visitor.goto(url)
    expect(visitor.get_by_role("heading", name="Vale válido")).to_be_visible()
    expect(visitor.get_by_text("$15.000")).to_be_visible()
    expect(visitor.get_by_role("button", name=re.compile("^COBRAR"))).to_have_count(0)
    visitor.get_by_role("link", name="Ingresar como comercio").click()
    login(visitor, site.emails["shopkeeper"], site.password, path="")
    expect(result(visitor)).to_contain_text("VALE VÁLIDO")
    expect(row_value(visitor, "Serie")).to_have_text(site.serials["qr"])
