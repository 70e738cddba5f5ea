"""One object at a time, through the real services: parishes and their people, shops,
households, programs and enrolments, funds, vouchers, redemptions and settlements. Each
takes a session and flushes; the caller commits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from voucher.auth.models import Role, User
from voucher.auth.services import create_user
from voucher.dates import local_today
from voucher.families.services import FamilyInput, create_family
from voucher.parishes.models import Parish
from voucher.parishes.services import create_parish
from voucher.programs.services import ProgramInput, create_program, enrol_family
from voucher.shops.redemption import Scanner, redeem
from voucher.shops.services import ShopInput, create_shop, enrol_shop
from voucher.treasury.services import FundInput, SettlementInput, record_fund, settle
from voucher.vouchers.keys import code_keys
from voucher.vouchers.services import Issued, issue_voucher

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)
_family_numbers = itertools.count(1000)

# Valid Chilean RUTs (modulo-11 check digit) for test families and shops.
RUTS = [
    "12345678-5",
    "11111111-1",
    "22222222-2",
    "76086428-5",
    "9876543-3",
    "15555555-6",
    "16666666-K",
    "17777777-3",
    "13333333-9",
    "14444444-2",
]


@dataclass
class World:
    parishes: dict[str, Parish] = field(default_factory=dict)
    users: dict[tuple[str, str], User] = field(default_factory=dict)
    shops: dict[str, Any] = field(default_factory=dict)


def rut_for(n: int) -> str:
    """A valid RUT built from any number (computes the modulo-11 check digit)."""
    body = 10_000_000 + n
    total, factor = 0, 2
    for digit in reversed(str(body)):
        total += int(digit) * factor
        factor = 2 if factor == 7 else factor + 1
    check = 11 - total % 11
    dv = {10: "K", 11: "0"}.get(check, str(check))
    return f"{body}-{dv}"


def user(session, role: Role, parish: Parish | None = None, shop_id: int | None = None, **kw):
    n = next(_seq)
    return create_user(
        session,
        email=kw.pop("email", f"{role.value}{n}@example.cl"),
        password=PASSWORD,
        role=role,
        name=kw.pop("name", f"{role.value.title()} {n}"),
        parish=parish,
        shop_id=shop_id,
    )


def shop(session, parish: Parish | None = None, name: str | None = None, **kw):
    n = next(_seq)
    s = create_shop(
        session,
        ShopInput(
            name=name or f"Almacén {n}",
            rut=kw.pop("rut", rut_for(500 + n)),
            categories=kw.pop("categories", ["food", "hygiene"]),
            owner_name=kw.pop("owner_name", "Rosa Pérez"),
        ),
    )
    if parish is not None:
        enrol_shop(session, s, parish.id)
    return s


def build_world(session) -> World:
    w = World()
    for key, slug, name in (
        ("a", "jesus-maestro", "Parroquia Jesús Maestro"),
        ("b", "san-esteban", "Parroquia San Esteban"),
    ):
        parish = create_parish(session, slug=slug, name=name)
        w.parishes[key] = parish
        for role in (Role.ADMIN, Role.STAFF, Role.TREASURER):
            w.users[(key, role.value)] = user(session, role, parish)
        s = shop(session, parish, name=f"Almacén {name.split()[-1]}")
        w.shops[key] = s
        w.users[(key, "shopkeeper")] = user(session, Role.SHOPKEEPER, shop_id=s.id)
    # The diocese belongs to no parish: the same account stands for it from either side.
    diocese = user(session, Role.DIOCESE)
    w.users[("a", "diocese")] = w.users[("b", "diocese")] = diocese
    return w


def family(
    session,
    parish: Parish,
    user,
    name: str = "María Nuñez",
    *,
    rut: str | None = None,
    document: tuple[str, str] | None = None,
    programs=(),
    **fields,
):
    """A household with consent, identified by ``rut`` (a fresh one when not given) or
    by ``document=(type, number)``, enrolled in ``programs``."""
    kind, number = document or ("rut", rut or rut_for(next(_family_numbers)))
    created = create_family(
        session, parish.id, FamilyInput(name, kind, number, consent=True, **fields), user
    )
    for program_ in programs:
        enrol_family(session, program_, created, user)
    return created


def program(
    session,
    parish: Parish,
    user,
    name: str = "Canasta",
    *,
    category: str = "food",
    amount: int = 15000,
    validity: int = 30,
    cycle: str = "monthly",
    per_cycle: int = 1,
):
    return create_program(
        session,
        parish.id,
        ProgramInput(name, category, amount, validity, cycle, per_cycle),
        user,
    )


def fund(session, parish: Parish, program_, amount: int, user, *, received=None, source="Colecta"):
    """Money received for ``program_`` (today unless ``received`` says when)."""
    received = received or local_today(parish.timezone)
    return record_fund(session, parish, FundInput(program_.id, amount, received, source), user)


def issue(session, parish: Parish, program_, family_, user, **kw) -> Issued:
    """One voucher for an enrolled household (``amount=``, ``today=`` as the service)."""
    return issue_voucher(
        session, parish=parish, program=program_, family=family_, user=user, keys=code_keys(), **kw
    )


def charge(session, keeper, shop_, code: str, amount: int, *, key: str | None = None, ip=None):
    """A redemption by ``keeper`` at ``shop_`` -> the Redemption."""
    done, _replayed = redeem(
        session,
        Scanner(keeper, shop_, ip),
        code,
        amount,
        idempotency_key=key or f"f-{next(_seq)}",
        keys=code_keys(),
    )
    return done


def settle_all(s, parish: Parish, shop_id: int, user, through=None, **kw):
    """Pays everything the shop is owed up to ``through`` (today); committed."""
    settlement, _ = settle(
        s,
        parish,
        SettlementInput(shop_id, through or local_today(parish.timezone), "transfer", "T-1"),
        user,
        **kw,
    )
    s.commit()
    return settlement


class ApiClient:
    """A test client that sends the bearer token and JSON."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token

    def _headers(self, extra: dict | None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"}
        headers.update(extra or {})
        return headers

    def get(self, path: str, headers: dict | None = None, **kw):
        return self.client.get(path, headers=self._headers(headers), **kw)

    def post(self, path: str, json: Any = None, headers: dict | None = None, **kw):
        return self.client.post(path, json=json, headers=self._headers(headers), **kw)
