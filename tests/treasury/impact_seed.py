"""A parish with a season of vouchers for the impact report: households of different sizes
in three sectors (one without), several vouchers each over two months, full and partial
charges at three shops, a voided charge, a cancelled voucher and expired ones; and a second
parish with its own families, for the diocese's view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from tests import factories
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.shops.redemption import void_redemption
from voucher.vouchers.services import cancel_voucher, expire_overdue

SIZES = [(1, 0), (2, 3), (1, 1), (2, 0), (1, 4), (3, 2), (1, 2)]
SECTORS = ["Villa Los Aromos", "Población El Sol", "", "Villa Los Aromos", "Población El Sol"]


@dataclass
class Season:
    today: date
    period: tuple[date, date]
    shops: list = field(default_factory=list)
    programs: list = field(default_factory=list)
    families: list = field(default_factory=list)


def seed_season(session, world, key: str = "a", families: int = 7) -> Season:
    parish = world.parishes[key]
    staff = world.users[(key, "staff")]
    treasurer = world.users[(key, "treasurer")]
    today = local_today(parish.timezone)
    season = Season(today=today, period=(today - timedelta(days=70), today + timedelta(days=10)))
    food = factories.program(
        session, parish, staff, f"Canasta {key}", amount=20000, validity=30, per_cycle=3
    )
    hygiene = factories.program(
        session,
        parish,
        staff,
        f"Higiene {key}",
        category="hygiene",
        amount=8000,
        validity=30,
        per_cycle=3,
    )
    season.programs = [food, hygiene]
    factories.fund(session, parish, food, 2_000_000, treasurer)
    factories.fund(session, parish, hygiene, 500_000, treasurer)
    shops = [world.shops[key]] + [
        factories.shop(session, parish, name=f"Almacén {name} {key}")
        for name in ("Rosita", "Don Luis")
    ]
    season.shops = shops
    keepers = [
        world.users[(key, "shopkeeper")],
        *[factories.user(session, Role.SHOPKEEPER, shop_id=s.id) for s in shops[1:]],
    ]
    for n in range(families):
        adults, children = SIZES[n % len(SIZES)]
        fam = factories.family(
            session,
            parish,
            staff,
            f"Familia {n} {key}",
            programs=[food, hygiene] if n % 3 else [food],
            household_adults=adults,
            household_children=children,
            sector=SECTORS[n % len(SECTORS)],
        )
        season.families.append(fam)
    # Vouchers from six weeks ago, never used, and one issued 29 days ago and used in part:
    # all expire below (run as if on a day next week, so the last one is past its date).
    old_day = today - timedelta(days=45)
    vouchers = []
    for n, fam in enumerate(season.families):
        vouchers.append(factories.issue(session, parish, food, fam, staff, today=old_day))
        recent = factories.issue(session, parish, food, fam, staff, today=today - timedelta(days=3))
        vouchers.append(recent)
        if n % 3:
            vouchers.append(
                factories.issue(
                    session, parish, hygiene, fam, staff, today=today - timedelta(days=1)
                )
            )
    waning = factories.issue(
        session, parish, food, season.families[0], staff, today=today - timedelta(days=29)
    )
    session.flush()
    # Charges on the recent vouchers: full, partial, several shops.
    plan = []
    for i, issued in enumerate(vouchers):
        if issued.voucher.issued_on == old_day:
            continue
        shop_no = i % 3
        if i % 4 == 0:
            plan.append((issued, shop_no, issued.voucher.amount))  # all of it
        elif i % 4 == 1:
            plan.append((issued, shop_no, 5000 if issued.voucher.amount > 5000 else 3000))
            plan.append((issued, (shop_no + 1) % 3, 1000))
        elif i % 4 == 2:
            plan.append((issued, shop_no, 2500))
    plan.append((waning, 1, 4000))
    charged = []
    for issued, shop_no, amount in plan:
        charged.append(
            factories.charge(session, keepers[shop_no], shops[shop_no], issued.code, amount)
        )
    # One charge voided by the treasurer, one live voucher cancelled.
    void_redemption(session, charged[1], user=treasurer, reason="error de monto")
    untouched = [
        v
        for v in vouchers
        if v.voucher.issued_on != old_day and v.voucher.remaining == v.voucher.amount
    ]
    cancel_voucher(session, untouched[0].voucher, reason="extraviado", user=staff)
    expire_overdue(session, parish_id=parish.id, today=today + timedelta(days=5))
    session.commit()
    return season
