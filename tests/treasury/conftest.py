"""A parish with two programs, funds and a shop, and quick ways to make redemptions:
through the real services (now), or in bulk with chosen past times (see bulk.py)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import rut_for
from tests.treasury import bulk
from voucher.families.services import FamilyInput, create_family
from voucher.oversight.verify import verify_parish
from voucher.programs.services import ProgramInput, create_program, enrol_family
from voucher.shops.redemption import Scanner, redeem
from voucher.treasury.services import FundInput, record_fund
from voucher.vouchers.keys import code_keys
from voucher.vouchers.models import Redemption
from voucher.vouchers.services import issue_voucher

_family_numbers = itertools.count(7000)


@dataclass
class Treasury:
    db: object
    world: object
    parish: object
    food: object
    hygiene: object
    family: object
    shop: object
    staff: object
    treasurer: object
    keeper: object

    @property
    def session(self):
        return self.db.session

    def real_redemption(self, amount: int, *, program=None, voucher_amount=None) -> Redemption:
        """A voucher issued and redeemed through the services, committed."""
        s = self.session
        program = program or self.food
        family = self._family()
        issued = issue_voucher(
            s,
            parish=self.parish,
            program=program,
            family=family,
            user=self.staff,
            keys=code_keys(),
            amount=voucher_amount,
        )
        s.commit()
        scanner = Scanner(self.keeper, self.shop, "127.0.0.1")
        key = f"t-{next(_family_numbers)}"
        redemption, _ = redeem(
            s, scanner, issued.code, amount, idempotency_key=key, keys=code_keys()
        )
        s.commit()
        return redemption

    def _family(self):
        s = self.session
        n = next(_family_numbers)
        family = create_family(
            s,
            self.parish.id,
            FamilyInput(f"Familia {n}", "rut", rut_for(n), consent=True),
            self.staff,
        )
        for program in (self.food, self.hygiene):
            enrol_family(s, program, family, self.staff)
        return family

    def bulk(
        self, redemptions: list[tuple[int, datetime]], *, program=None, shop_id=None
    ) -> list[int]:
        """One voucher per redemption ``(amount, when)``, each spent exactly; returns the
        redemption ids. Committed."""
        program = program or self.food
        shop_id = shop_id or self.shop.id
        plan = [
            bulk.PlannedVoucher(amount, when.date(), [(shop_id, amount, when)])
            for amount, when in redemptions
        ]
        _vouchers, ids = bulk.build(self.session, self.parish, program, self.family.id, plan)
        self.session.commit()
        return ids

    def assert_books(self):
        report = verify_parish(self.session, self.parish)
        assert report.ok, report.failures


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on a day, in UTC (Santiago is UTC-3 or UTC-4: noon UTC is morning there)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def t(db, world) -> Treasury:
    s = db.session
    parish = world.parishes["a"]
    staff = world.users[("a", "staff")]
    treasurer = world.users[("a", "treasurer")]
    food = create_program(
        s, parish.id, ProgramInput("Canasta", "food", 20000, 30, "monthly", 31), staff
    )
    hygiene = create_program(
        s, parish.id, ProgramInput("Aseo", "hygiene", 10000, 30, "monthly", 31), staff
    )
    n = next(_family_numbers)
    family = create_family(
        s, parish.id, FamilyInput("María Nuñez", "rut", rut_for(n), consent=True), staff
    )
    enrol_family(s, food, family, staff)
    enrol_family(s, hygiene, family, staff)
    long_ago = date.today() - timedelta(days=400)
    record_fund(s, parish, FundInput(food.id, 50_000_000, long_ago, "Colecta"), treasurer)
    record_fund(s, parish, FundInput(hygiene.id, 20_000_000, long_ago, "Obispado"), treasurer)
    s.commit()
    return Treasury(
        db=db,
        world=world,
        parish=parish,
        food=food,
        hygiene=hygiene,
        family=family,
        shop=world.shops["a"],
        staff=staff,
        treasurer=treasurer,
        keeper=world.users[("a", "shopkeeper")],
    )


def settle_all(s, parish, shop_id, user, through=None, **kw):
    from voucher.dates import local_today
    from voucher.treasury.services import SettlementInput, settle

    settlement, _ = settle(
        s,
        parish,
        SettlementInput(shop_id, through or local_today(parish.timezone), "transfer", "T-1"),
        user,
        **kw,
    )
    s.commit()
    return settlement


def count(s, model, *where) -> int:
    return s.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
