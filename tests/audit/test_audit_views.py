"""The admin's audit pages: who did what, and every scan at the shops (never a code)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests import factories
from tests.shops.conftest import unknown_code
from voucher.audit.models import AuditEvent


def page(response) -> str:
    return response.get_data(as_text=True)


def test_audit_log_newest_first_with_filter(login_as, db, world):
    admin = login_as("admin")
    admin.post(f"/shops/{world.shops['a'].id}/enrolment", data={"active": "0"})
    table = page(admin.get("/audit/")).split("<tbody>")[1]
    assert "Comercio en pausa" in table and "Inicio de sesión" in table
    assert table.index("Comercio en pausa") < table.index("Inicio de sesión")
    filtered = page(admin.get("/audit/?action=shop_enrolment_deactivated"))
    rows = re.findall(r"<tr>.*?</tr>", filtered, re.S)
    assert rows and all("Comercio en pausa" in row for row in rows[1:])
    assert "Inicio de sesión</td>" not in filtered


def test_audit_log_is_the_parish_own(login_as, db, world):
    login_as("admin", parish="b")  # a login in parish b's trail
    theirs = world.users[("b", "admin")]
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.user_id == theirs.id))
    html = page(login_as("admin").get("/audit/"))
    assert world.users[("a", "admin")].name in html
    assert theirs.name not in html


def test_audit_log_pages(login_as, db, world):
    from voucher.audit.services import record

    for n in range(60):
        record(db.session, "shop_updated", user=world.users[("a", "admin")], n=n)
    db.session.commit()
    admin = login_as("admin")
    first = page(admin.get("/audit/"))
    assert "Página 1 de 2" in first and "n: 59" in first and "n: 5<" not in first
    second = page(admin.get("/audit/?page=2"))
    assert "Página 2 de 2" in second and "n: 5<" in second


def test_scan_log_shows_attempts_and_never_codes(login_as, db, world):
    issuer = factories.Issuer(db.session, world)
    good = issuer(15000)
    other_parish = issuer(15000, parish="b")
    keeper = login_as("shopkeeper")
    wrong = unknown_code()
    keeper.get("/shops/voucher", query_string={"code": good.code})
    keeper.get("/shops/voucher", query_string={"code": wrong})
    keeper.get("/shops/voucher", query_string={"code": other_parish.code})
    html = page(login_as("admin").get("/audit/scans"))
    assert good.voucher.serial in html
    assert "Código no encontrado o mal escrito" in html
    assert world.shops["a"].name in html
    assert "Aceptado" in html and "Rechazado" in html
    for code in (good.code, wrong, other_parish.code):
        assert code not in html and code.replace("-", "") not in html
    assert good.voucher.code_hash not in html
    assert other_parish.voucher.serial not in html  # parish b's voucher: parish b's log
    refused = page(login_as("admin").get("/audit/scans?result=refused"))
    assert "Aceptado</span>" not in refused and "Rechazado" in refused
    theirs = page(login_as("admin", parish="b").get("/audit/scans"))
    assert other_parish.voucher.serial in theirs and good.voucher.serial not in theirs


def test_audit_pages_are_for_the_admin(login_as):
    for role in ("staff", "treasurer", "shopkeeper"):
        client = login_as(role)
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/scans").status_code == 403
