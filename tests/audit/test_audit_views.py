"""The admin's audit pages: who did what, and every scan at the shops (never a code)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import refresh

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
    assert "código no encontrado o mal escrito" in html
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


def test_the_trail_reads_as_sentences_with_the_raw_detail_behind(login_as, db, world, api):
    from voucher.dates import local_today

    t = factories.treasury(db.session, world)
    t.real_redemption(20_000)
    paid = api("treasurer").post(
        "/api/v1/settlements",
        json={
            "shop_id": t.shop.id,
            "through": local_today().isoformat(),
            "method": "transfer",
            "reference": "12345",
        },
        headers={"Idempotency-Key": "sentences-1"},
    )
    assert paid.status_code == 201, paid.get_json()
    issued = factories.issue(db.session, t.parish, t.food, t.family, t.staff)
    db.session.commit()
    staff = login_as("staff")
    staff.get(f"/vouchers/{issued.voucher.id}/pdf")
    staff.get(f"/vouchers/{issued.voucher.id}/pdf")
    admin = login_as("admin")
    html = page(admin.get("/audit/"))
    treasurer = world.users[("a", "treasurer")].name
    assert f"{treasurer} (tesorería) pagó $20.000 a {t.shop.name} — transferencia 12345." in html
    assert f"imprimió el vale {issued.voucher.serial}." in html
    assert f"imprimió el vale {issued.voucher.serial} (reimpresión)." in html
    assert "ver detalle" in html and "reprint: True" in html  # the raw data, for an auditor
    assert "program_id:" not in html.split("<tbody>")[1].split("<details")[0]
    refresh()  # the test's app context outlives each request; Flask-Babel caches the locale
    english = page(admin.get("/audit/?lang=en"))
    assert f"{treasurer} (treasury) paid $20.000 to {t.shop.name} — transfer 12345." in english


def test_the_scan_log_says_a_replaced_paper_in_words(login_as, db, world):
    from voucher.vouchers.keys import code_keys
    from voucher.vouchers.services import replace_voucher

    issued = factories.Issuer(db.session, world)(15_000)
    replace_voucher(
        db.session,
        issued.voucher,
        reason="Perdido",
        user=world.users[("a", "staff")],
        keys=code_keys(),
    )
    db.session.commit()
    login_as("shopkeeper").get("/shops/voucher", query_string={"code": issued.code})
    html = page(login_as("admin").get("/audit/scans"))
    row = re.search(r"<tbody>.*?</tr>", html, re.S).group(0)
    assert "consultó el vale" in row and "rechazado" in row
    assert "replaced" not in row.split("<details")[0]


def test_every_event_the_app_records_has_its_sentence():
    """Any action recorded anywhere in the code reads as a sentence in the audit log, not
    as its internal name."""
    import re
    from pathlib import Path

    from voucher.oversight.sentences import SENTENCES

    root = Path(__file__).resolve().parents[2] / "voucher"
    recorded = set()
    for path in root.rglob("*.py"):
        text = path.read_text()
        recorded |= set(re.findall(r'record\(\s*\w+,\s*"([a-z_]+)"', text))
        recorded |= set(
            re.findall(r'"(shop_\w+_(?:accepted|declined|activated|deactivated))"', text)
        )
    assert len(recorded) > 30
    special = {"vouchers_printed", "two_person_rule"}
    assert sorted(recorded - set(SENTENCES) - special) == []
