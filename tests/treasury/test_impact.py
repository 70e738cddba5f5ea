"""The impact report against a recomputation made here from the rows themselves, over a
season of vouchers (households of different sizes, several vouchers each, full and partial
charges, a void, a cancellation, expiries); and its page, PDF, CSV and API agreeing."""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import defaultdict

import pytest
import sqlalchemy as sa

from tests.treasury.impact_seed import seed_season
from voucher.dates import to_local
from voucher.families.models import Family
from voucher.treasury.impact import impact_report
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher, VoucherStatus


@pytest.fixture
def season(db, world):
    return seed_season(db.session, world)


def recompute(session, parish, period):
    """What the report should say, from every voucher and charge, one by one."""
    start, end = period
    vouchers = [
        v
        for v in session.scalars(sa.select(Voucher).where(Voucher.parish_id == parish.id))
        if start <= v.issued_on <= end
    ]
    charges = [
        r
        for r in session.scalars(sa.select(Redemption).where(Redemption.parish_id == parish.id))
        if r.status == RedemptionStatus.COMMITTED
        and start <= to_local(r.created_at, parish.timezone).date() <= end
    ]
    families = {v.family_id: session.get(Family, v.family_id) for v in vouchers}
    first_use = {}
    for r in charges:
        day = to_local(r.created_at, parish.timezone).date()
        first_use[r.voucher_id] = min(first_use.get(r.voucher_id, day), day)
    used = {v.id: sum(r.amount for r in charges if r.voucher_id == v.id) for v in vouchers}
    shops = defaultdict(int)
    shop_families = defaultdict(set)
    for r in charges:
        shops[r.shop_id] += r.amount
        shop_families[r.shop_id].add(r.voucher.family_id)
    return {
        "households": len(families),
        "people": sum(f.household_adults + f.household_children for f in families.values()),
        "issued": len(vouchers),
        "fully": sum(1 for v in vouchers if used[v.id] == v.amount),
        "partly": sum(1 for v in vouchers if 0 < used[v.id] < v.amount),
        "expired": sum(1 for v in vouchers if v.status == VoucherStatus.EXPIRED),
        "cancelled": sum(1 for v in vouchers if v.status == VoucherStatus.CANCELLED),
        "pesos_issued": sum(v.amount for v in vouchers),
        "pesos_redeemed": sum(r.amount for r in charges),
        "pesos_returned": sum(v.closed_amount for v in vouchers),
        "rate": sum(used.values()) / sum(v.amount for v in vouchers),
        "median": statistics.median(
            (first_use[v.id] - v.issued_on).days for v in vouchers if v.id in first_use
        ),
        "shops": dict(shops),
        "shop_families": {k: len(v) for k, v in shop_families.items()},
        "sizes": {f.household_adults + f.household_children for f in families.values()},
    }


def test_figures_match_an_independent_recomputation(db, world, season):
    parish = world.parishes["a"]
    report = impact_report(db.session, [parish], *season.period)
    expected = recompute(db.session, parish, season.period)
    t = report.totals
    # the seed is what it claims to be
    assert len(expected["sizes"]) >= 4
    assert expected["fully"] and expected["partly"] and expected["expired"]
    assert expected["cancelled"] == 1
    assert (t.households, t.people) == (expected["households"], expected["people"])
    assert t.households == len(season.families) < t.vouchers_issued  # unduplicated
    assert t.vouchers_issued == expected["issued"]
    assert (t.redeemed_fully, t.redeemed_partly) == (expected["fully"], expected["partly"])
    assert (t.expired, t.cancelled) == (expected["expired"], expected["cancelled"])
    assert t.pesos_issued == expected["pesos_issued"]
    assert t.pesos_redeemed == expected["pesos_redeemed"]
    assert t.pesos_returned == expected["pesos_returned"]
    assert t.redemption_rate == pytest.approx(expected["rate"])
    assert t.median_days_to_first_use == expected["median"]
    assert {s.shop_id: s.pesos_redeemed for s in report.shops} == expected["shops"]
    assert {s.shop_id: s.households for s in report.shops} == expected["shop_families"]
    assert sum(s.share for s in report.shops) == pytest.approx(1.0)
    assert len(report.shops) == 3
    # months add up to the whole; programs too (households may repeat across programs)
    assert sum(m.pesos_redeemed for m in report.months) == t.pesos_redeemed
    assert sum(m.vouchers_issued for m in report.months) == t.vouchers_issued
    assert sum(p.figures.pesos_issued for p in report.programs) == t.pesos_issued
    assert sum(p.figures.pesos_redeemed for p in report.programs) == t.pesos_redeemed
    assert sum(p.figures.pesos_returned for p in report.programs) == t.pesos_returned
    for p in report.programs:  # month by month within each program adds up to the program
        assert sum(m.pesos_issued for m in p.months) == p.figures.pesos_issued
        assert sum(m.pesos_redeemed for m in p.months) == p.figures.pesos_redeemed
        assert all(m.households <= p.figures.households for m in p.months)
    for i, month in enumerate(report.months):
        assert sum(p.months[i].pesos_redeemed for p in report.programs) == month.pesos_redeemed
        assert sum(p.months[i].vouchers_issued for p in report.programs) == month.vouchers_issued
    assert sum(s.households for s in report.sectors) == t.households
    assert sum(s.people for s in report.sectors) == t.people
    assert sum(s.pesos_redeemed for s in report.sectors) == t.pesos_redeemed
    assert "" in {s.sector for s in report.sectors}


def test_voided_charges_and_other_parishes_are_left_out(db, world, season):
    parish = world.parishes["a"]
    voided = db.session.scalar(
        sa.select(sa.func.sum(Redemption.amount)).where(
            Redemption.parish_id == parish.id, Redemption.status == RedemptionStatus.VOIDED
        )
    )
    assert voided
    every = db.session.scalar(
        sa.select(sa.func.sum(Redemption.amount)).where(Redemption.parish_id == parish.id)
    )
    report = impact_report(db.session, [parish], *season.period)
    assert report.totals.pesos_redeemed == every - voided
    other = impact_report(db.session, [world.parishes["b"]], *season.period)
    assert other.totals.households == 0 and other.shops == ()


def test_a_period_with_nothing_in_it_says_so(db, world, season):
    parish = world.parishes["a"]
    start = season.period[0].replace(year=season.period[0].year - 2)
    report = impact_report(db.session, [parish], start, start)
    assert report.totals.households == 0
    assert report.totals.redemption_rate is None
    assert report.totals.median_days_to_first_use is None
    assert report.shops == ()


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_pdf_draws_its_charts_and_says_the_same_figures(db, world, season, tmp_path):
    from pypdf import PdfReader

    from voucher.charts import COLOURS
    from voucher.money import format_clp
    from voucher.treasury.impact_papers import render_impact_report

    parish = world.parishes["a"]
    report = impact_report(db.session, [parish], *season.period)
    data = render_impact_report(report)
    (tmp_path / "impact.pdf").write_bytes(data)
    pdf = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Informe de impacto" in text
    assert format_clp(report.totals.pesos_redeemed) in text
    for shop in report.shops:
        assert shop.name in text
    content = b"".join(page.get_contents().get_data() for page in pdf.pages).decode("latin-1")
    # vector bars: rectangles filled with the chart's blue (an "rg" colour, then "re" and a
    # fill), and no picture anywhere
    wanted = [int(COLOURS[0][i : i + 2], 16) / 255 for i in (1, 3, 5)]
    fills = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg\s[^Q]*?\sn ([\d.-]+ ){4}re f\*?\s", content)
    blue = [
        f
        for f in fills
        if all(abs(float(c) - w) < 0.01 for c, w in zip(f[:3], wanted, strict=False))
    ]
    bars = len(report.shops) + sum(1 for m in report.months if m.households)
    assert len(blue) >= bars
    assert all("/Image" not in str(page["/Resources"].get("/XObject", {})) for page in pdf.pages)


def test_page_pdf_csv_and_api_agree(db, world, season, login_as, api):
    from pypdf import PdfReader

    from voucher.money import format_clp, format_number

    start, end = (d.isoformat() for d in season.period)
    report = impact_report(db.session, [world.parishes["a"]], *season.period)
    t = report.totals
    web = login_as("treasurer")
    page = web.get(f"/treasury/impact?date_from={start}&date_to={end}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    main = html.split("<main")[1].split("</main>")[0]
    assert main.count("<svg") >= 3 and 'role="img"' in main  # drawn here, no script
    assert "<script" not in main and "cdn" not in main.lower()
    for shop in report.shops:
        assert shop.name in html and format_clp(shop.pesos_redeemed) in html
    assert format_number(t.people) in html and format_clp(t.pesos_redeemed) in html

    body = api("treasurer").get(f"/api/v1/reports/impact?from={start}&to={end}").get_json()
    assert (body["households"], body["people"]) == (t.households, t.people)
    assert body["pesos"] == {
        "issued": t.pesos_issued,
        "redeemed": t.pesos_redeemed,
        "returned": t.pesos_returned,
    }
    assert body["vouchers"]["issued"] == t.vouchers_issued
    assert body["vouchers"]["redeemed"] == t.redeemed_fully + t.redeemed_partly
    assert body["median_days_to_first_use"] == t.median_days_to_first_use
    assert sum(s["share"] for s in body["shops"]) == pytest.approx(1.0)
    assert "parishes" not in body or body["parishes"] is None
    assert [[m["pesos_redeemed"] for m in p["months"]] for p in body["programs"]] == [
        [m.pesos_redeemed for m in p.months] for p in report.programs
    ]
    assert [m["pesos_redeemed"] for m in body["months"]] == [
        m.pesos_redeemed for m in report.months
    ]

    pdf = api("treasurer").get(f"/api/v1/reports/impact.pdf?from={start}&to={end}")
    assert pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    web_pdf = web.get(f"/treasury/impact.pdf?date_from={start}&date_to={end}")
    assert web_pdf.mimetype == "application/pdf"
    for shop in body["shops"]:
        assert shop["name"] in text and format_clp(shop["pesos_redeemed"]) in text

    rows = parse_csv(
        api("treasurer")
        .get(f"/api/v1/reports/impact.csv?from={start}&to={end}")
        .get_data(as_text=True)
    )
    shops_at = rows.index(["Dinero que quedó en el barrio"])
    shop_rows = rows[shops_at + 2 : shops_at + 2 + len(body["shops"])]
    assert [(r[0], int(r[1]), float(r[2]), int(r[3])) for r in shop_rows] == [
        (s["name"], s["pesos_redeemed"], pytest.approx(s["share"], abs=1e-4), s["households"])
        for s in body["shops"]
    ]
    summary = {r[0]: r for r in rows[2:15]}
    assert int(summary["Hogares atendidos"][1]) == body["households"]
    assert int(summary["Canjeado en comercios"][2]) == body["pesos"]["redeemed"]


def test_a_bad_period_is_refused_clearly(db, world, login_as, api):
    client = api("treasurer")
    for query in ("from=2026-12-01&to=2026-11-01", "from=2020-01-01&to=2026-01-01", "from=x&to=y"):
        response = client.get(f"/api/v1/reports/impact?{query}")
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/reports/impact.pdf?from=2026-12-01").status_code == 422
    page = login_as("treasurer").get("/treasury/impact?date_from=2026-12-01&date_to=2026-11-01")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "La fecha de inicio debe ser anterior o igual a la de término." in html
    assert 'value="2026-12-01"' in html  # what was typed stays
    assert (
        api("staff").get("/api/v1/reports/impact?from=2026-01-01&to=2026-01-31").status_code == 403
    )
    assert login_as("staff").get("/treasury/impact").status_code == 403


def test_the_page_opens_on_the_last_twelve_months(db, world, season, login_as):
    html = login_as("admin").get("/treasury/impact").get_data(as_text=True)
    assert html.count("<svg") >= 2
    assert "Dinero que quedó en el barrio" in html
