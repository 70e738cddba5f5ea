"""The shopkeeper's phone at 360 × 640 (a cheap phone once the browser's bars are counted):
one-line header with a menu button, everything to press inside the first screen, the day's
charges as cards, a mistyped code kept for correcting, an old replaced paper told apart."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_accessibility, screenshot
from tests.e2e.test_shopkeeper import result, row_value, type_code

SCREEN = 640


def inside_first_screen(page: Page, locator, what: str) -> None:
    """``locator`` is seen without scrolling: its box lies within the 360 × 640 window."""
    page.evaluate("() => window.scrollTo(0, 0)")
    box = locator.bounding_box()
    assert box is not None, f"{what} is not on the page"
    assert box["y"] >= 0 and box["y"] + box["height"] <= SCREEN, f"{what} at {box}"
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, f"{what} at {box}"


def no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 360, f"the page scrolls sideways ({wide} px wide)"


def test_scan_page_header_is_one_line_and_the_code_field_is_in_view(open_page, site):
    page = open_page("phone", as_role="shopkeeper")
    page.goto("/shops/scan")
    header = page.locator(".site-header")
    expect(header.get_by_role("link", name=re.compile("Almacén Rosita"))).to_be_visible()
    menu = page.get_by_role("button", name="Menú")
    expect(menu).to_be_visible()
    assert header.bounding_box()["height"] <= 64  # one line: name and menu button
    inside_first_screen(page, page.get_by_label("o escriba el código:"), "the code field")
    inside_first_screen(page, page.get_by_role("button", name="Ver", exact=True), "Ver")

    # The menu opens the links, and closes again.
    today = page.get_by_role("navigation", name="Menú principal").get_by_role("link", name="Hoy")
    expect(today).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(today).to_be_visible()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    check_accessibility(page, "scan page, menu open")
    menu.click()
    expect(today).to_be_hidden()
    no_sideways_scroll(page)


def test_voucher_screen_shows_verdict_balance_and_charge_without_scrolling(
    open_page, site, screenshots_dir
):
    page = open_page("phone", as_role="shopkeeper")
    page.goto("/shops/scan")
    type_code(page, site.codes["phone"])
    expect(result(page)).to_contain_text("VALE VÁLIDO")
    headline = page.get_by_role("heading", name="VALE VÁLIDO")
    balance = row_value(page, "Saldo")
    charge = page.get_by_role("button", name="COBRAR $15.000")
    inside_first_screen(page, headline, "the verdict")
    inside_first_screen(page, balance, "the balance")
    inside_first_screen(page, charge, "COBRAR")
    size = balance.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 32, f"the balance is {size}px"
    no_sideways_scroll(page)
    screenshot(page, screenshots_dir, "phone-voucher")

    charge.click()
    expect(result(page)).to_contain_text("CANJE REALIZADO")
    inside_first_screen(page, row_value(page, "Cobrado"), "the amount charged")
    scan_again = page.get_by_role("link", name="Escanear otro vale")
    inside_first_screen(page, scan_again, "Escanear otro vale")
    void = page.get_by_role("button", name=re.compile(r"^Anular \(hasta"))
    inside_first_screen(page, void, "the void button")
    no_sideways_scroll(page)


def test_today_shows_each_charge_as_a_card_with_its_void_button(open_page, site, screenshots_dir):
    page = open_page("phone", as_role="shopkeeper")
    page.goto("/shops/today")
    expect(page.get_by_role("heading", name=re.compile("Canjes de hoy"))).to_be_visible()
    summary = page.locator(".today-summary")
    expect(summary).to_contain_text(re.compile(r"Hoy: \d+ canjes? · \$"))
    cards = page.locator("table.data tbody tr")
    assert cards.count() >= 1
    no_sideways_scroll(page)
    for n in range(cards.count()):
        card = cards.nth(n)
        amount = card.locator("td.num")
        expect(amount).to_contain_text("$")
        box = amount.bounding_box()
        assert box["x"] + box["width"] <= 360, f"card {n}: the amount is off screen at {box}"
    # The day's total sits above the list.
    assert summary.bounding_box()["y"] < cards.first.bounding_box()["y"]
    void = page.get_by_role("button", name=re.compile(r"^Anular \(hasta \d\d:\d\d\)")).first
    expect(void).to_be_visible()
    box = void.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    check_accessibility(page, "today's charges on a phone")
    screenshot(page, screenshots_dir, "phone-today")


def test_a_mistyped_code_stays_in_the_field_to_be_corrected(open_page, site, screenshots_dir):
    page = open_page("phone", as_role="shopkeeper")
    page.goto("/shops/scan")
    code = site.codes["screens"]
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")  # the check symbol catches it
    type_code(page, wrong)
    expect(page.get_by_role("alert")).to_contain_text("error de tipeo")
    field = page.get_by_label("Corrija el código:")
    expect(field).to_have_value(re.compile("-".join(re.findall(".{1,4}", wrong))))
    expect(field).to_be_focused()
    inside_first_screen(page, field, "the code field")
    check_accessibility(page, "typo screen")
    screenshot(page, screenshots_dir, "phone-typo")

    # One character fixed, "Ver": the voucher.
    field.press("End")
    field.press("Backspace")
    field.press_sequentially(code[-1])
    page.get_by_role("button", name="Ver", exact=True).click()
    expect(result(page)).to_contain_text("VALE VÁLIDO")


def test_old_paper_of_a_replaced_voucher_asks_for_the_new_one(open_page, site):
    page = open_page("phone", as_role="shopkeeper")
    page.goto(f"/shops/voucher?code={site.codes['replaced-old']}")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("VALE REEMPLAZADO")
    expect(alert).to_contain_text("pida el vale nuevo en la parroquia")
    expect(alert).not_to_contain_text("$15.000")  # a refused voucher shows no balance
    inside_first_screen(page, page.get_by_role("heading", name="VALE REEMPLAZADO"), "verdict")
    check_accessibility(page, "replaced voucher")

    visitor = open_page("phone")
    visitor.goto(f"/r/{site.codes['replaced-old']}")
    expect(visitor.get_by_role("heading", name="VALE REEMPLAZADO")).to_be_visible()
    expect(visitor.get_by_text(re.compile("pida el vale nuevo en la parroquia"))).to_be_visible()
