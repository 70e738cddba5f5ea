"""The impact report: the treasurer opens it from the menu on a phone and at the office,
sees its charts (drawn by the server, no script) with their tables, and downloads the PDF."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import axe_violations, describe_violations, download, pdf_text, screenshot


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_impact_page_with_its_charts(open_page, site, screenshots_dir, size):
    page = open_page(size, as_role="treasurer")
    nav = page.get_by_role("navigation", name="Menú principal")
    if size == "phone" and not nav.get_by_role("link", name="Impacto").is_visible():
        page.goto("/treasury/impact")
    else:
        nav.get_by_role("link", name="Impacto").click()
    expect(page.get_by_role("heading", name="Informe de impacto", exact=False)).to_be_visible()
    chart = page.get_by_role("img", name="Pesos canjeados por mes")
    expect(chart).to_be_visible()
    expect(page.get_by_role("img", name="Pesos canjeados en cada comercio")).to_be_visible()
    expect(page.get_by_role("region", name="Dinero que quedó en el barrio: tabla")).to_contain_text(
        "Almacén Rosita"
    )
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 40
    screenshot(page, screenshots_dir, f"impact-{size}")
    found = axe_violations(page)
    assert not found, describe_violations({page.url: found})
    if size == "phone":
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= page.viewport_size["width"], f"scrolls sideways: {wide} px"
    else:
        text = pdf_text(download(page, page.get_by_role("link", name="Descargar PDF").click))
        assert "Informe de impacto" in text and "Almacén Rosita" in text
