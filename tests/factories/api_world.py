"""A parish with real objects in every state the API talks about (a funded program,
households, vouchers active, used up, cancelled, expired and of another parish, a round,
redemptions settled, open and voided, a paid settlement), so contract tests and the fuzzer
reach existing objects, not only 404s."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tests.factories import core
from tests.factories.core import World
from voucher.dates import local_today
from voucher.programs.services import ProgramInput, create_program
from voucher.shops.redemption import Scanner, redeem, void_redemption
from voucher.treasury.services import FundInput, SettlementInput, record_fund, settle
from voucher.vouchers.keys import code_keys
from voucher.vouchers.services import cancel_voucher, issue_round, issue_voucher

_numbers = itertools.count(3000)


@dataclass
class Seed:
    """Ids of real objects in parish "a" (and a few of parish "b"), voucher codes by
    state, and clear bearer tokens by role."""

    tokens: dict[str, str]
    ids: dict[str, list[int]] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)

    def first(self, name: str) -> int:
        return self.ids[name][0]


def _family(s, parish, staff, programs):
    return core.family(s, parish, staff, f"Familia Prueba {next(_numbers)}", programs=programs)


def _other_parish_code(s, world, keys) -> str:
    parish = world.parishes["b"]
    staff = world.users[("b", "staff")]
    program = create_program(
        s, parish.id, ProgramInput("Canasta San Esteban", "food", 10000, 30, "monthly", 1), staff
    )
    today = local_today(parish.timezone)
    record_fund(
        s,
        parish,
        FundInput(program.id, 100_000, today - timedelta(days=60), "Colecta"),
        world.users[("b", "treasurer")],
    )
    family = _family(s, parish, staff, [program])
    issued = issue_voucher(s, parish=parish, program=program, family=family, user=staff, keys=keys)
    return issued.code, issued.voucher.id, program.id, family.id


def api_world(s, world: World, tokens: dict[str, str]) -> Seed:
    """Real objects in every state the API talks about, in parish "a" (and a few of
    parish "b"), committed."""
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
    received = today - timedelta(days=60)
    fund = record_fund(s, parish, FundInput(food.id, 5_000_000, received, "Colecta"), treasurer)
    record_fund(s, parish, FundInput(hygiene.id, 1_000_000, received, "Obispado"), treasurer)
    families = [_family(s, parish, staff, [food, hygiene]) for _ in range(4)]

    def issue(family, program=food, **kw):
        return issue_voucher(
            s, parish=parish, program=program, family=family, user=staff, keys=keys, **kw
        )

    active = issue(families[0])
    spent = issue(families[1])
    cancelled = issue(families[2])
    cancel_voucher(s, cancelled.voucher, reason="Extraviado", user=staff)
    expired = issue(families[3], today=today - timedelta(days=40))
    soap = issue(families[0], program=hygiene)
    round_ = issue_round(s, parish=parish, program=hygiene, user=staff, keys=keys)
    other_code, other_voucher, other_program, other_family = _other_parish_code(s, world, keys)
    s.commit()

    scanner = Scanner(keeper, shop, "127.0.0.1")
    paid, _ = redeem(s, scanner, spent.code, 20000, idempotency_key="seed-1", keys=keys)
    s.commit()
    settlement, _ = settle(
        s, parish, SettlementInput(shop.id, today, "transfer", "TR-1"), treasurer
    )
    s.commit()
    open_, _ = redeem(s, scanner, active.code, 3000, idempotency_key="seed-2", keys=keys)
    voided, _ = redeem(s, scanner, active.code, 1000, idempotency_key="seed-3", keys=keys)
    s.commit()
    void_redemption(s, voided, user=keeper, reason="Error de digitación")
    shop.accepts_hygiene = False  # the soap voucher is refused here
    s.commit()

    return Seed(
        tokens=tokens,
        ids={
            "program_id": [food.id, hygiene.id, other_program],
            "family_id": [f.id for f in families] + [other_family],
            "voucher_id": [
                active.voucher.id,
                spent.voucher.id,
                cancelled.voucher.id,
                expired.voucher.id,
                *round_.voucher_ids,
                other_voucher,
            ],
            "round_id": [round_.round.id],
            "redemption_id": [open_.id, paid.id, voided.id],
            "settlement_id": [settlement.id],
            "shop_id": [shop.id, world.shops["b"].id],
            "fund_id": [fund.id],
        },
        codes={
            "active": active.code,
            "spent": spent.code,
            "cancelled": cancelled.code,
            "expired": expired.code,
            "hygiene": soap.code,
            "other_parish": other_code,
        },
        objects={
            "food": food,
            "hygiene": hygiene,
            "families": families,
            "active": active.voucher,
            "spent": spent.voucher,
            "cancelled": cancelled.voucher,
            "open_redemption": open_,
            "paid_redemption": paid,
            "voided_redemption": voided,
            "settlement": settlement,
            "round": round_.round,
            "round_skipped": round_.skipped,
            "shop": shop,
            "other_shop": world.shops["b"],
        },
    )
