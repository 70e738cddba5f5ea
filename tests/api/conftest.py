"""A parish with real objects of every kind (a funded program, households, vouchers in
each state, a round, redemptions, a paid settlement) and a bearer token per role, so
API tests and the fuzzer reach existing objects, not only 404s."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from tests.factories import rut_for
from voucher.auth.services import create_token
from voucher.dates import local_today
from voucher.families.services import FamilyInput, create_family
from voucher.programs.services import ProgramInput, create_program, enrol_family
from voucher.shops.redemption import Scanner, redeem, void_redemption
from voucher.treasury.services import FundInput, SettlementInput, record_fund, settle
from voucher.vouchers.keys import code_keys
from voucher.vouchers.services import cancel_voucher, issue_round, issue_voucher

_numbers = itertools.count(3000)

ROLES = ("admin", "staff", "treasurer", "shopkeeper")


@dataclass
class Seed:
    """Ids of real objects in parish "a" (and one of parish "b"), and clear tokens."""

    tokens: dict[str, str]
    other_parish_token: str
    ids: dict[str, list[int]] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)

    def first(self, name: str) -> int:
        return self.ids[name][0]


def _family(s, parish, staff, programs):
    n = next(_numbers)
    family = create_family(
        s, parish.id, FamilyInput(f"Familia Prueba {n}", "rut", rut_for(n), consent=True), staff
    )
    for program in programs:
        enrol_family(s, program, family, staff)
    return family


@pytest.fixture
def seed(db, world) -> Seed:
    s = db.session
    parish = world.parishes["a"]
    staff = world.users[("a", "staff")]
    treasurer = world.users[("a", "treasurer")]
    keeper = world.users[("a", "shopkeeper")]
    shop = world.shops["a"]
    keys = code_keys()
    today = local_today(parish.timezone)

    food = create_program(
        s, parish.id, ProgramInput("Canasta básica", "food", 20000, 30, "monthly", 31), staff
    )
    hygiene = create_program(
        s, parish.id, ProgramInput("Útiles de aseo", "hygiene", 8000, 30, "once", 1), staff
    )
    fund = record_fund(
        s, parish, FundInput(food.id, 5_000_000, today - timedelta(days=3), "Colecta"), treasurer
    )
    record_fund(
        s,
        parish,
        FundInput(hygiene.id, 1_000_000, today - timedelta(days=3), "Obispado"),
        treasurer,
    )
    families = [_family(s, parish, staff, [food, hygiene]) for _ in range(4)]

    def issue(family, program=food):
        return issue_voucher(
            s, parish=parish, program=program, family=family, user=staff, keys=keys
        )

    active = issue(families[0])
    spent = issue(families[1])
    cancelled = issue(families[2])
    cancel_voucher(s, cancelled.voucher, reason="Extraviado", user=staff)
    round_ = issue_round(s, parish=parish, program=hygiene, user=staff, keys=keys)
    s.commit()

    scanner = Scanner(keeper, shop, "127.0.0.1")
    paid, _ = redeem(s, scanner, spent.code, 5000, idempotency_key="seed-1", keys=keys)
    s.commit()
    settlement, _ = settle(
        s, parish, SettlementInput(shop.id, today, "transfer", "TR-1"), treasurer
    )
    s.commit()
    open_, _ = redeem(s, scanner, active.code, 3000, idempotency_key="seed-2", keys=keys)
    voided, _ = redeem(s, scanner, active.code, 1000, idempotency_key="seed-3", keys=keys)
    s.commit()
    void_redemption(s, voided, user=keeper, reason="Error de digitación")
    s.commit()

    tokens = {}
    for role in ROLES:
        _row, tokens[role] = create_token(s, world.users[("a", role)], "pruebas")
    _row, other = create_token(s, world.users[("b", "staff")], "pruebas")
    s.commit()
    return Seed(
        tokens=tokens,
        other_parish_token=other,
        ids={
            "program_id": [food.id, hygiene.id],
            "family_id": [f.id for f in families],
            "voucher_id": [
                active.voucher.id,
                spent.voucher.id,
                cancelled.voucher.id,
                *round_.voucher_ids,
            ],
            "round_id": [round_.round.id],
            "redemption_id": [open_.id, paid.id, voided.id],
            "settlement_id": [settlement.id],
            "shop_id": [shop.id, world.shops["b"].id],
            "fund_id": [fund.id],
        },
        codes={"active": active.code, "spent": spent.code, "cancelled": cancelled.code},
    )
