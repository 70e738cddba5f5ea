"""The bank's bulk payment file: one line per settlement paid or proposed on the day (not
rejected or reversed), its shop's RUT and account exactly as recorded, its amount what the
remittance lists."""

from __future__ import annotations

import csv
import io

from tests.factories import settle_all
from tests.treasury.impact_seed import seed_season
from voucher.shops.services import ShopInput, update_shop
from voucher.treasury import remittance as remittance_data
from voucher.treasury.bank_file import HEADER
from voucher.treasury.models import SettlementStatus
from voucher.treasury.services.decisions import reverse
from voucher.treasury.services.settlements import SettlementInput, settle

ACCOUNTS = [
    ("Banco Estado", "rut", "12345678", "rosa@example.cl"),
    ("Banco de Chile", "corriente", "00-123-45678-09", ""),
    ("=Banco raro", "vista", "987654321", "+pago@example.cl"),
]


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))


def test_bank_file_lines_equal_the_remittances(db, world, api, login_as):
    season = seed_season(db.session, world)
    parish, treasurer = world.parishes["a"], world.users[("a", "treasurer")]
    for shop, (bank, kind, number, email) in zip(season.shops, ACCOUNTS, strict=True):
        update_shop(
            db.session,
            shop,
            ShopInput(
                shop.name,
                shop.rut,
                shop.categories,
                bank_name=bank,
                account_type=kind,
                account_number=number,
                payment_email=email,
            ),
            treasurer,
        )
    db.session.commit()
    paid = settle_all(db.session, parish, season.shops[0].id, treasurer)
    undone = settle_all(db.session, parish, season.shops[1].id, treasurer)
    reverse(db.session, undone, reason="cuenta equivocada", user=treasurer)
    parish.two_person_rule = True
    db.session.commit()
    proposed = [
        settle(
            db.session,
            parish,
            SettlementInput(shop.id, season.today, "transfer", "T-2"),
            treasurer,
        )[0]
        for shop in season.shops[1:]
    ]
    db.session.commit()
    assert [p.status for p in proposed] == [SettlementStatus.PROPOSED] * 2

    rows = rows_of(api("treasurer").get(f"/api/v1/settlements/bank-file?date={season.today}"))
    assert tuple(rows[0]) == HEADER
    lines = rows[1:]
    expected = [paid, *proposed]
    assert len(lines) == len(expected)  # the reversed payment is not there
    for line, settlement in zip(lines, expected, strict=True):
        shop = settlement.shop
        owed = sum(r.amount for r in remittance_data.settlement_lines(db.session, settlement.id))
        assert owed == settlement.amount
        if settlement.status == SettlementStatus.PAID:
            remittance = remittance_data.remittance(db.session, settlement)
            assert owed == sum(r.amount for r in remittance.lines)
        bank, kind, number, email = ACCOUNTS[season.shops.index(shop)]
        assert line[0] == shop.rut and line[1] == shop.name
        assert line[2] == (f"'{bank}" if bank.startswith("=") else bank)
        assert (
            line[3]
            == {"rut": "CuentaRUT", "corriente": "Cuenta corriente", "vista": "Cuenta vista"}[kind]
        )
        assert line[4] == number  # as recorded, dashes and leading zeros kept
        assert int(line[5]) == owed
        assert line[6] == (f"'{email}" if email.startswith("+") else email)
        assert f"{settlement.id:06d}" in line[7]

    web = login_as("treasurer")
    page = web.get("/treasury/settlements").get_data(as_text=True)
    assert "Archivo de pagos para el banco" in page
    assert rows_of(web.get(f"/treasury/settlements/bank-file?date={season.today}")) == rows
    assert rows_of(web.get("/treasury/settlements/bank-file?date=2020-01-01")) == [list(HEADER)]


def test_bank_file_refuses_a_bad_date(db, world, api, login_as):
    response = api("treasurer").get("/api/v1/settlements/bank-file")
    assert response.status_code == 422
    response = api("treasurer").get("/api/v1/settlements/bank-file?date=31-12-2026")
    assert response.status_code == 422
    page = login_as("treasurer").get("/treasury/settlements/bank-file?date=ayer")
    assert page.status_code == 422
    assert "Archivo de pagos para el banco" in page.get_data(as_text=True)
    assert api("admin").get("/api/v1/settlements/bank-file?date=2026-12-01").status_code == 403


def test_shop_form_keeps_the_account_and_refuses_a_bad_one(db, world, login_as):
    shop = world.shops["a"]
    admin = login_as("admin")
    form = {
        "name": shop.name,
        "rut": shop.rut,
        "food": "y",
        "hygiene": "y",
        "bank_name": "Banco Estado",
        "account_type": "rut",
        "account_number": "12 345 678",
        "payment_email": "pagos@example.cl",
    }
    assert admin.post(f"/shops/{shop.id}/edit", data=form).status_code == 302
    db.session.refresh(shop)
    assert (shop.account_type, shop.account_number) == ("rut", "12345678")
    bad = admin.post(f"/shops/{shop.id}/edit", data=dict(form, account_number="12A"))
    assert bad.status_code == 422
    assert "dígitos y guiones" in bad.get_data(as_text=True)
