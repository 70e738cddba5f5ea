"""The impact report against a recomputation made here from the rows themselves, over a
season of vouchers (households of different sizes, several vouchers each, full and partial
charges, a void, a cancellation, expiries); and its page, PDF, CSV and API agreeing."""

from __future__ import annotations

import csv
import io
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
