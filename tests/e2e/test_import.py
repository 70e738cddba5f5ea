"""A volunteer brings the parish office's spreadsheet in: Familias → Importar, upload,
read the preview (one row with a wrong RUT), download the rows to fix, confirm; the new
families are in the list. On a phone (360x640) and on the office PC."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_accessibility, download, screenshot
from tests.imports import files

NEW = "Jacinta Araya Muñoz"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_import_families_from_a_spreadsheet(open_page, screenshots_dir, tmp_path, size):
    page = open_page(size, as_role="staff")
    offset = 700 if size == "phone" else 800
    rows = [
        files.HEADER,
        [f"{NEW} {size}", files.rut_for(offset + 1), "Calle Los Olmos 1", "", "3", "Centro", "sí"],
        [f"Rodrigo Fuentes {size}", files.rut_for(offset + 2), "Calle 2", "", "2", "", "sí"],
        ["Carla Mella", "11.111.111-2", "Calle 3", "", "1", "", "sí"],
    ]
    path = tmp_path / "lista-caritas.xlsx"
    path.write_bytes(files.xlsx(rows))

    page.goto("/families/")
    page.get_by_role("link", name="Importar desde una planilla").click()
    expect(page.get_by_role("heading", name="Importar familias")).to_be_visible()
    page.get_by_label("Planilla (.xlsx o .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Ver vista previa").click()

    expect(page.get_by_text("Vista previa: aún no se ha guardado nada")).to_be_visible()
    expect(page.get_by_text("Se registrarán: 2")).to_be_visible()
    expect(page.get_by_text("Rechazadas: 1")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="el dígito verificador debería ser 1")
    expect(row).to_contain_text("4")
    check_accessibility(page, f"import preview {size}")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"the preview scrolls sideways ({wide} px)"
    screenshot(page, screenshots_dir, "import-preview")

    rejected = download(
        page, page.get_by_role("link", name=re.compile("Descargar las filas rechazadas")).click
    )
    text = rejected.decode("utf-8-sig")
    assert text.splitlines()[0].endswith(";motivo") and "Carla Mella" in text

    page.get_by_role("button", name="Confirmar e importar 2 familias").click()
    expect(page.get_by_role("heading", name="Importación confirmada")).to_be_visible()
    expect(page.get_by_text("Familias registradas: 2")).to_be_visible()
    screenshot(page, screenshots_dir, "import-done")
    page.get_by_role("link", name="Ver familias").click()
    expect(page.get_by_role("link", name=f"{NEW} {size}")).to_be_visible()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_import_shops_from_a_spreadsheet(open_page, screenshots_dir, tmp_path, size):
    from tests.imports import shop_files

    page = open_page(size, as_role="admin")
    offset = 900 if size == "phone" else 950
    rows = [
        shop_files.HEADER,
        shop_files.shop_row(offset, name=f"Almacén La Esquina {size}"),
        shop_files.shop_row(offset + 1, categories="Higiene"),
        shop_files.shop_row(offset + 2, rut="11.111.111-2"),
    ]
    path = tmp_path / "comercios.xlsx"
    path.write_bytes(files.xlsx(rows))

    page.goto("/shops/")
    page.get_by_role("link", name="Importar desde una planilla").click()
    expect(page.get_by_role("heading", name="Importar comercios")).to_be_visible()
    page.get_by_label("Planilla (.xlsx o .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Ver vista previa").click()

    expect(page.get_by_text("Vista previa: aún no se ha guardado nada")).to_be_visible()
    expect(page.get_by_text("Se registrarán: 2")).to_be_visible()
    expect(page.get_by_text("Rechazadas: 1")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="el dígito verificador debería ser 1")
    expect(row).to_contain_text("4")
    check_accessibility(page, f"shop import preview {size}")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"the preview scrolls sideways ({wide} px)"
    screenshot(page, screenshots_dir, "shop-import-preview")

    page.get_by_role("button", name="Confirmar e importar 2 comercios").click()
    expect(page.get_by_role("heading", name="Importación confirmada")).to_be_visible()
    expect(page.get_by_text("Comercios registrados y adheridos a la parroquia: 2")).to_be_visible()
    screenshot(page, screenshots_dir, "shop-import-done")
    page.get_by_role("link", name="Ver comercios").click()
    expect(page.get_by_text(f"Almacén La Esquina {size}")).to_be_visible()
