"""A parish with real objects in every state the API talks about (a funded program,
households, vouchers active, used up, cancelled, expired and of another parish, a round,
redemptions settled, open and voided, a paid settlement) and a bearer token per role,
so contract tests and the fuzzer reach existing objects, not only 404s."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

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
PROBLEM = "application/problem+json"


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
    n = next(_numbers)
    family = create_family(
        s, parish.id, FamilyInput(f"Familia Prueba {n}", "rut", rut_for(n), consent=True), staff
    )
    for program in programs:
        enrol_family(s, program, family, staff)
    return family


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


@pytest.fixture
def tokens(db, world) -> dict[str, str]:
    """A clear bearer token per role of parish "a", and "other_staff" of parish "b"."""
    made = {}
    for role in ROLES:
        _row, made[role] = create_token(db.session, world.users[("a", role)], "pruebas")
    _row, made["other_staff"] = create_token(db.session, world.users[("b", "staff")], "pruebas")
    db.session.commit()
    return made


@pytest.fixture
def seed(db, world, tokens) -> Seed:
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


class Api:
    """A test client speaking JSON with one role's bearer token."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token

    def headers(self, extra: dict | None = None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path: str, headers: dict | None = None, **kw):
        return self.client.get(path, headers=self.headers(headers), **kw)

    def post(self, path: str, json: Any = None, headers: dict | None = None, **kw):
        if json is None and "data" not in kw:
            json = {}
        return self.client.post(path, json=json, headers=self.headers(headers), **kw)


@pytest.fixture
def as_role(app, tokens):
    """``as_role("staff")`` -> an Api client with that role's token in parish "a"
    (``"other_staff"``: parish "b")."""

    def _as(role: str) -> Api:
        return Api(app.test_client(), tokens[role])

    return _as


def assert_problem(
    response, status: int, reason: str | None = None, fields: list[str] | None = None
) -> dict:
    """An RFC 9457 answer: the status, problem+json, type/title/status/detail, the
    reason code, and for 422 the fields named in `errors`."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    for key in ("type", "title", "detail"):
        assert isinstance(body[key], str) and body[key]
    assert body["type"].endswith("/" + body["reason"])
    if reason is not None:
        assert body["reason"] == reason
    if fields is not None:
        assert [e["field"] for e in body["errors"]] == fields
        assert all(e["message"] for e in body["errors"])
    return body
