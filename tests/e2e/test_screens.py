"""Every main screen on a 360 px phone and a 1280 px office screen: a screenshot of each
(in E2E_SCREENSHOTS, default tests/e2e/screenshots/), no serious or critical axe-core
finding, and on the phone no page that scrolls sideways."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import axe_violations, describe_violations, screenshot


@dataclass
class Tour:
    """Looks at screens one after the other and keeps every problem for one report."""

    folder: object
    phone: bool
    problems: list[str] = field(default_factory=list)
    violations: dict[str, list[dict]] = field(default_factory=dict)

    def look(self, page: Page, name: str, heading: str, go: Callable[[], object] | None = None):
        if go is not None:
            go()
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        screenshot(page, self.folder, name)
        found = axe_violations(page)
        if found:
            self.violations[f"{name} ({page.url})"] = found
        if self.phone:
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            if wide > page.viewport_size["width"]:
                self.problems.append(f"{name}: the page scrolls sideways ({wide} px wide)")

    def report(self) -> None:
        text = describe_violations(self.violations)
        assert not self.problems and not text, "\n".join([*self.problems, text])


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_main_screens(open_page, site, screenshots_dir, size):
    tour = Tour(screenshots_dir, phone=size == "phone")

    visitor = open_page(size)
    tour.look(visitor, "login", "Ingresar a Vales", lambda: visitor.goto("/login"))
    tour.look(
        visitor,
        "public-voucher",
        "Vale válido",
        lambda: visitor.goto(f"/r/{site.codes['screens']}"),
    )

    staff = open_page(size, as_role="staff")
    tour.look(staff, "staff-families", "Familias")
    tour.look(
        staff,
        "staff-family",
        "María Nuñez Soto",
        lambda: staff.goto(f"/families/{site.ids['family']}"),
    )
    tour.look(staff, "staff-family-form", "Registrar familia", lambda: staff.goto("/families/new"))
    tour.look(
        staff, "staff-family-import", "Importar familias", lambda: staff.goto("/families/import/")
    )
    tour.look(staff, "staff-vouchers", "Vales", lambda: staff.goto("/vouchers/"))
    tour.look(
        staff,
        "staff-voucher",
        f"Vale {site.serials['screens']}",
        lambda: staff.goto(f"/vouchers/{site.voucher_ids['screens']}"),
    )
    tour.look(
        staff,
        "staff-round",
        "Vista previa: Canasta navideña",
        lambda: staff.goto(f"/vouchers/rounds/new?program_id={site.ids['christmas']}"),
    )
    tour.look(staff, "staff-403", "Sin permiso", lambda: staff.goto("/treasury/"))

    keeper = open_page(size, as_role="shopkeeper")
    tour.look(keeper, "shopkeeper-scan", "Escanear vale")
    tour.look(
        keeper,
        "shopkeeper-voucher",
        "VALE VÁLIDO",
        lambda: keeper.goto(f"/shops/voucher?code={site.codes['screens']}"),
    )
    tour.look(
        keeper,
        "shopkeeper-receipt",
        "CANJE REALIZADO",
        lambda: keeper.goto(f"/shops/receipts/{site.ids['receipt']}"),
    )
    tour.look(keeper, "shopkeeper-today", "Canjes de hoy", lambda: keeper.goto("/shops/today"))
    tour.look(
        keeper,
        "shopkeeper-replaced",
        "VALE REEMPLAZADO",
        lambda: keeper.goto(f"/shops/voucher?code={site.codes['replaced-old']}"),
    )
    tour.look(
        keeper,
        "shopkeeper-statement",
        "Estado de cuenta de Almacén Rosita",
        lambda: keeper.goto("/treasury/my-statement"),
    )

    treasurer = open_page(size, as_role="treasurer")
    tour.look(treasurer, "treasurer-home", "Tesorería")
    tour.look(
        treasurer,
        "treasurer-settlement",
        "Pagar a un comercio",
        treasurer.get_by_role("link", name="Pagar Almacén Rosita").click,
    )
    tour.look(
        treasurer,
        "treasurer-statement",
        "Estado de cuenta de Almacén Rosita",
        lambda: treasurer.goto(f"/treasury/shops/{site.ids['rosita']}/statement"),
    )
    tour.look(
        treasurer, "treasurer-reports", "Informes", lambda: treasurer.goto("/treasury/reports")
    )
    tour.look(
        treasurer, "treasurer-funds", "Fondos recibidos", lambda: treasurer.goto("/treasury/funds")
    )
    tour.look(
        treasurer,
        "treasurer-shop",
        "Almacén Rosita",
        lambda: treasurer.goto(f"/shops/{site.ids['rosita']}"),
    )

    admin = open_page(size, as_role="admin")
    tour.look(admin, "admin-shops", "Comercios adheridos", lambda: admin.goto("/shops/"))
    tour.look(admin, "admin-users", "Usuarios de la parroquia", lambda: admin.goto("/users"))
    tour.look(admin, "admin-audit", "Auditoría", lambda: admin.goto("/audit/"))
    tour.look(admin, "admin-scans", "Registro de escaneos", lambda: admin.goto("/audit/scans"))

    tour.report()
