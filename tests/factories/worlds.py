"""Worlds for each domain's tests, built on ``build_world`` (two parishes, one user per
role each, a shop enrolled in each) through the real services. Each returns what its
tests reach for, committed."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tests.factories import core, history
from tests.factories.core import World
from voucher.dates import local_today
from voucher.ledger import chart
from voucher.oversight.verify import verify_parish
from voucher.vouchers.models import Redemption
from voucher.vouchers.services import Issued

_n = itertools.count(1)


# --- vouchers: one parish's funded program with its enrolled households ----------------------


@dataclass
class Scheme:
    """One parish's program with its enrolled households."""

    parish: object
    program: object
    families: list = field(default_factory=list)
    staff: object = None


def scheme(
    session,
    world: World,
    families: int = 3,
    fund: int = 100_000,
    amount: int = 15_000,
    parish: str = "a",
    name: str = "Canasta familiar",
    cycle: str = "monthly",
    per_cycle_limit: int = 1,
    validity_days: int = 30,
    category: str = "food",
) -> Scheme:
    where = world.parishes[parish]
    staff = world.users[(parish, "staff")]
    made = core.program(
        session,
        where,
        world.users[(parish, "admin")],
        name,
        category=category,
        amount=amount,
        validity=validity_days,
        cycle=cycle,
        per_cycle=per_cycle_limit,
    )
    households = [
        core.family(session, where, staff, f"María Nuñez {n}", programs=[made])
        for n in range(families)
    ]
    if fund:
        core.fund(session, where, made, fund, world.users[(parish, "treasurer")])
    session.commit()
    return Scheme(where, made, households, staff)


# --- shops: vouchers ready to redeem -----------------------------------------------------------


class Issuer:
    """``issue(amount=15000, category="food", parish="a")`` -> Issued(voucher, code): one
    voucher for a new household, from a program (one per kind) funded 40 days ago."""

    def __init__(self, session, world: World):
        self.session = session
        self.world = world
        self.programs: dict[tuple[str, str, int, int], object] = {}

    def program(self, parish: str, category: str, amount: int, validity: int):
        key = (parish, category, amount, validity)
        if key not in self.programs:
            where = self.world.parishes[parish]
            made = core.program(
                self.session,
                where,
                self.world.users[(parish, "staff")],
                f"Programa {category} {amount} {validity} {next(_n)}",
                category=category,
                amount=amount,
                validity=validity,
                per_cycle=31,
            )
            received = local_today() - timedelta(days=40)
            treasurer = self.world.users[(parish, "treasurer")]
            core.fund(self.session, where, made, amount * 200, treasurer, received=received)
            self.programs[key] = made
        return self.programs[key]

    def __call__(
        self,
        amount: int = 15000,
        category: str = "food",
        parish: str = "a",
        validity: int = 30,
        today: date | None = None,
    ) -> Issued:
        s = self.session
        staff = self.world.users[(parish, "staff")]
        where = self.world.parishes[parish]
        made = self.program(parish, category, amount, validity)
        n = next(_n)
        household = core.family(
            s, where, staff, f"Familia {n}", document=("passport", f"P{n:08d}"), programs=[made]
        )
        issued = core.issue(s, where, made, household, staff, today=today)
        s.commit()
        return issued


# --- ledger: a funded program with three households and a shop -------------------------------


@dataclass
class Books:
    parish: object
    program: object
    families: list
    staff: object
    treasurer: object
    keeper: object
    shop: object

    def account(self, session, code):
        return chart.account_id(session, self.parish.id, code)


def books(session, world: World) -> Books:
    parish = world.parishes["a"]
    staff = world.users[("a", "staff")]
    treasurer = world.users[("a", "treasurer")]
    made = core.program(session, parish, staff, amount=10000, per_cycle=3)
    households = [
        core.family(session, parish, staff, f"Familia {n}", rut=core.rut_for(n), programs=[made])
        for n in range(3)
    ]
    core.fund(session, parish, made, 50000, treasurer, received=date(2026, 1, 5))
    session.commit()
    keeper = world.users[("a", "shopkeeper")]
    return Books(parish, made, households, staff, treasurer, keeper, world.shops["a"])


# --- treasury: two funded programs, a household enrolled in both, and the past ---------------


@dataclass
class Treasury:
    session: object
    world: World
    parish: object
    food: object
    hygiene: object
    family: object
    shop: object
    staff: object
    treasurer: object
    keeper: object

    def real_redemption(self, amount: int, *, program=None, voucher_amount=None) -> Redemption:
        """A voucher issued and redeemed through the services, committed."""
        s = self.session
        household = core.family(
            s, self.parish, self.staff, f"Familia {next(_n)}", programs=[self.food, self.hygiene]
        )
        issued = core.issue(
            s, self.parish, program or self.food, household, self.staff, amount=voucher_amount
        )
        s.commit()
        redemption = core.charge(s, self.keeper, self.shop, issued.code, amount, ip="127.0.0.1")
        s.commit()
        return redemption

    def bulk(
        self, redemptions: list[tuple[int, datetime]], *, program=None, shop_id=None
    ) -> list[int]:
        """One voucher per redemption ``(amount, when)``, each spent exactly at that past
        moment; returns the redemption ids. Committed."""
        shop_id = shop_id or self.shop.id
        ids = history.past_redemptions(
            self.session,
            self.parish,
            program or self.food,
            self.family.id,
            [(shop_id, amount, when) for amount, when in redemptions],
        )
        self.session.commit()
        return ids

    def assert_books(self):
        report = verify_parish(self.session, self.parish)
        assert report.ok, report.failures


def treasury(session, world: World) -> Treasury:
    parish = world.parishes["a"]
    staff = world.users[("a", "staff")]
    treasurer = world.users[("a", "treasurer")]
    food = core.program(session, parish, staff, amount=20000, per_cycle=31)
    hygiene = core.program(
        session, parish, staff, "Aseo", category="hygiene", amount=10000, per_cycle=31
    )
    household = core.family(session, parish, staff, programs=[food, hygiene])
    long_ago = date.today() - timedelta(days=400)
    core.fund(session, parish, food, 50_000_000, treasurer, received=long_ago)
    core.fund(session, parish, hygiene, 20_000_000, treasurer, received=long_ago, source="Obispado")
    session.commit()
    return Treasury(
        session=session,
        world=world,
        parish=parish,
        food=food,
        hygiene=hygiene,
        family=household,
        shop=world.shops["a"],
        staff=staff,
        treasurer=treasurer,
        keeper=world.users[("a", "shopkeeper")],
    )
