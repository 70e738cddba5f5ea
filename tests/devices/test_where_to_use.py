"""The public page a family's phone opens from the QR lists where the voucher can be
used: exactly the parish's shops that take vouchers now and accept its category."""

from __future__ import annotations

import re

from tests import factories
from voucher.shops.services import set_enrolment_active


def _listed(html: str) -> list[str]:
    section = html.split('id="where-title"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<strong>([^<]+)</strong>", section)


def test_the_public_page_lists_the_shops_that_take_it(client, db, world, issue):
    s = db.session
    parish, other = world.parishes["a"], world.parishes["b"]
    admin = world.users[("a", "admin")]
    # World: "Almacén Maestro" (parish a, both kinds) and "Almacén Esteban" (parish b).
    food_only = factories.shop(s, parish, name="Verdulería Sol", categories=["food"])
    food_only.address = "Los Aromos 123"
    hygiene_only = factories.shop(s, parish, name="Farmacia Luz", categories=["hygiene"])
    paused = factories.shop(s, parish, name="Almacén Pausado")
    set_enrolment_active(s, paused, parish.id, False, admin)
    closed = factories.shop(s, parish, name="Almacén Cerrado")
    closed.active = False
    factories.shop(s, other, name="Almacén Otra Parroquia")
    s.commit()

    food = issue(15000, category="food")
    html = client.get(f"/r/{food.code}").get_data(as_text=True)
    assert "Dónde usar este vale" in html
    assert _listed(html) == ["Almacén Maestro", "Verdulería Sol"]
    assert "Los Aromos 123" in html
    assert "Acepta vales de Alimentos" in html

    hygiene = issue(8000, category="hygiene")
    html = client.get(f"/r/{hygiene.code}").get_data(as_text=True)
    assert _listed(html) == ["Almacén Maestro", "Farmacia Luz"]
    assert hygiene_only.name in html and food_only.name not in html


def test_a_used_voucher_lists_no_shops(client, db, world, issue):
    used = issue(5000)
    factories.charge(
        db.session, world.users[("a", "shopkeeper")], world.shops["a"], used.code, 5000
    )
    db.session.commit()
    html = client.get(f"/r/{used.code}").get_data(as_text=True)
    assert "Dónde usar este vale" not in html
