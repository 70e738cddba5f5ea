"""Donations traced: each fund received records its donor (or stays anonymous), the value
issued from a program's fund is attributed to the donations first-in first-out from the
books, and the donor statements of a program add up to its totals."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from pypdf import PdfReader

from tests import factories
from voucher.dates import local_today
from voucher.money import format_clp
from voucher.treasury.donations import donation_uses
from voucher.treasury.models import Fund
from voucher.treasury.services import DonorInput, FundInput, create_donor, record_fund
from voucher.vouchers.models import Voucher
from voucher.vouchers.services import cancel_voucher, expire_overdue


def season_of_gifts(db, world):
    s = db.session
    parish = world.parishes["a"]
    staff, treasurer = world.users[("a", "staff")], world.users[("a", "treasurer")]
    keeper, shop = world.users[("a", "shopkeeper")], world.shops["a"]
    other_keeper_shop = factories.shop(s, parish, name="Almacén Rosita")
    other_keeper = factories.user(s, factories.Role.SHOPKEEPER, shop_id=other_keeper_shop.id)
    today = local_today(parish.timezone)
    food = factories.program(s, parish, staff, "Canasta", amount=20_000, per_cycle=2)
    donors = {
        name: create_donor(s, parish, DonorInput(name, is_campaign=campaign), treasurer)
        for name, campaign in (
            ("Familia Pérez", False),
            ("Colecta de Adviento", True),
            ("Ana", False),
            ("Rotary", False),
        )
    }
    gifts = {}
    for name, amount, anonymous in (
        ("Familia Pérez", 200_000, False),
        ("Colecta de Adviento", 150_000, False),
        ("Ana", 100_000, True),
        ("Rotary", 50_000, False),
    ):
        gifts[name] = record_fund(
            s,
            parish,
            FundInput(
                food.id, amount, today, "Aporte", donor_id=donors[name].id, anonymous=anonymous
            ),
            treasurer,
        )
    families = [factories.family(s, parish, staff, f"Hogar {n}", programs=[food]) for n in range(8)]
    first = [
        factories.issue(s, parish, food, f, staff, today=today - timedelta(days=29))
        for f in families
    ]
    more = [factories.issue(s, parish, food, f, staff) for f in families[:4]]
    cancel_voucher(s, more[0].voucher, reason="extraviado", user=staff)  # 20.000 back
    last = [factories.issue(s, parish, food, f, staff) for f in families[4:7]]
    factories.charge(s, keeper, shop, first[0].code, 20_000)
    factories.charge(s, keeper, shop, first[1].code, 5_000)
    factories.charge(s, other_keeper, other_keeper_shop, first[1].code, 3_000)
    factories.charge(s, other_keeper, other_keeper_shop, more[1].code, 12_000)
    factories.charge(s, keeper, shop, last[2].code, 20_000)
    expire_overdue(s, parish_id=parish.id, today=today + timedelta(days=5))  # first[1:] expire
    s.commit()
    return parish, food, gifts


def test_statements_add_up_to_the_program_and_follow_fifo(db, world):
    parish, food, gifts = season_of_gifts(db, world)
    uses = donation_uses(db.session, parish.id, food.id)
    vouchers = db.session.scalars(sa.select(Voucher).where(Voucher.program_id == food.id)).all()
    funded = db.session.scalar(
        sa.select(sa.func.sum(Fund.amount)).where(Fund.program_id == food.id)
    )
    assert sum(u.amount for u in uses.values()) == funded == 500_000
    issued_net = sum(v.amount - v.closed_amount for v in vouchers)
    redeemed = sum(v.amount - v.remaining - v.closed_amount for v in vouchers)
    assert sum(u.issued for u in uses.values()) == issued_net
    assert sum(u.redeemed for u in uses.values()) == redeemed == 60_000
    assert sum(u.available for u in uses.values()) == food.fund_available
    assert sum(u.in_vouchers for u in uses.values()) == sum(v.remaining for v in vouchers)
    # First in, first out. Pérez (200.000) pays the first 8 vouchers and two more; the
    # cancelled one gives 20.000 back, spent again on the next voucher; Adviento pays the
    # other 4. The 7 vouchers that expire give Pérez back 12.000 + 6 × 20.000.
    pérez, adviento, ana, rotary = (uses[gifts[n].id] for n in gifts)
    assert (pérez.issued, pérez.redeemed, pérez.available) == (68_000, 40_000, 132_000)
    assert (pérez.vouchers, pérez.families, pérez.shops) == (4, 3, 2)
    assert (adviento.issued, adviento.redeemed, adviento.available) == (80_000, 20_000, 70_000)
    assert (adviento.vouchers, adviento.families, adviento.shops) == (4, 4, 1)
    assert ana.issued == rotary.issued == 0 and rotary.available == 50_000


def test_donor_statement_pdf_says_what_the_gift_paid_for(db, world, api, login_as):
    parish, food, gifts = season_of_gifts(db, world)
    uses = donation_uses(db.session, parish.id, food.id)
    client = api("treasurer")
    texts = {}
    for name, fund in gifts.items():
        response = client.get(f"/api/v1/funds/{fund.id}/statement.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        pdf = PdfReader(io.BytesIO(response.data))
        assert len(pdf.pages) == 1
        texts[name] = " ".join(pdf.pages[0].extract_text().split())
    pérez = uses[gifts["Familia Pérez"].id]
    assert f"Su aporte de {format_clp(200_000)}" in texts["Familia Pérez"]
    assert (
        f"financió {pérez.vouchers} vales de alimentos para {pérez.families} familias"
        in texts["Familia Pérez"]
    )
    assert f"{format_clp(pérez.redeemed)} ya se canjearon" in texts["Familia Pérez"]
    assert "todavía no se ha usado" in texts["Rotary"]
    assert "Donante anónimo" in texts["Ana"] and "Ana" not in texts["Ana"].replace("anónimo", "")
    # another parish's fund: 404; the admin may read it; the web page offers it too
    assert (
        api("other_staff" if False else "admin")
        .get(f"/api/v1/funds/{gifts['Rotary'].id}/statement.pdf")
        .status_code
        == 200
    )
    assert (
        api("treasurer", "b").get(f"/api/v1/funds/{gifts['Rotary'].id}/statement.pdf").status_code
        == 404
    )
    web = login_as("treasurer")
    page = web.get("/treasury/funds").get_data(as_text=True)
    assert (
        "Colecta de Adviento" in page
        and f"/treasury/funds/{gifts['Rotary'].id}/statement.pdf" in page
    )
    assert (
        web.get(f"/treasury/funds/{gifts['Rotary'].id}/statement.pdf").mimetype == "application/pdf"
    )


def test_treasurer_keeps_the_donor_list_and_records_a_gift_from_it(db, world, login_as):
    parish = world.parishes["a"]
    staff = world.users[("a", "staff")]
    food = factories.program(db.session, parish, staff, "Canasta")
    db.session.commit()
    web = login_as("treasurer")
    assert web.post("/treasury/donors", data={"name": "  Parroquia  hermana "}).status_code == 302
    page = web.get("/treasury/funds").get_data(as_text=True)
    assert "Parroquia hermana" in page
    donor_id = int(page.split('<option value="')[-1].split('"')[0])
    done = web.post(
        "/treasury/funds",
        data={
            "program": food.id,
            "amount": "$300.000",
            "received_on": local_today().isoformat(),
            "source": "Transferencia",
            "donor": donor_id,
            "anonymous": "y",
        },
    )
    assert done.status_code == 302
    fund = db.session.scalars(sa.select(Fund).order_by(Fund.id.desc())).first()
    assert fund.donor.name == "Parroquia hermana" and fund.anonymous
    again = web.post("/treasury/donors", data={"name": "Parroquia hermana"})
    assert again.status_code == 302
    assert "ya está en la lista" in web.get("/treasury/funds").get_data(as_text=True)


def test_api_records_a_fund_with_its_donor(db, world, api):
    parish, other = world.parishes["a"], world.parishes["b"]
    staff, treasurer = world.users[("a", "staff")], world.users[("a", "treasurer")]
    food = factories.program(db.session, parish, staff, "Canasta")
    mine = create_donor(db.session, parish, DonorInput("Rotary"), treasurer)
    theirs = create_donor(db.session, other, DonorInput("Lions"), world.users[("b", "treasurer")])
    db.session.commit()
    client = api("treasurer")
    body = {
        "program_id": food.id,
        "amount": 90_000,
        "received_on": local_today().isoformat(),
        "source": "Transferencia",
    }
    made = client.post(
        "/api/v1/funds",
        json=dict(body, donor_id=mine.id, anonymous=True),
        headers={"Idempotency-Key": "gift-1"},
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    assert (made.get_json()["donor_id"], made.get_json()["anonymous"]) == (mine.id, True)
    refused = client.post(
        "/api/v1/funds", json=dict(body, donor_id=theirs.id), headers={"Idempotency-Key": "gift-2"}
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["donor_id"]
