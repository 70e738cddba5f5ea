"""The browser journeys' data, made through the services: the demo parish (so the
screenshots look like a parish at work) plus programs, vouchers and redemptions set
aside for each journey, so no journey depends on another one having run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher import demo
from voucher.auth.models import Role, User
from voucher.auth.services import create_user
from voucher.dates import local_today
from voucher.families.models import Family
from voucher.parishes.models import Parish
from voucher.parishes.services import create_parish
from voucher.programs.models import Program
from voucher.programs.services import ProgramInput, create_program, enrol_family
from voucher.shops.models import Shop
from voucher.shops.redemption import Scanner, redeem
from voucher.shops.services import ShopInput, create_shop, enrol_shop
from voucher.treasury.services import FundInput, record_fund
from voucher.vouchers.keys import code_keys
from voucher.vouchers.services import issue_voucher, replace_voucher

PEDRO_KEEPER = "pedro@demo.vales.cl"
# The shared-shop journey: a bakery the demo parish registered, and a second parish.
AROMOS_KEEPER = "aromos@demo.vales.cl"
OTHER_ADMIN = "admin@sanesteban.example"
# Vouchers of "Ayuda de emergencia" ($15.000 each), one per use.
VOUCHERS = (
    "partial",  # journey 2: $12.000, then the rest, then void
    "qr",  # journey 3: printed, its QR read back
    "keyboard",  # journey 6: redeemed with the keyboard only
    "screens",  # the voucher screen in the screenshots (looked at, never charged)
    "receipt",  # a $12.000 redemption whose receipt is in the screenshots
    "pedro-1",  # redeemed at Minimarket Don Pedro before the treasurer pays it
    "pedro-2",
    "pedro-after",  # redeemed at Don Pedro after the payment (journey 4)
    "replaced",  # replaced for loss: its old paper's code is kept as "replaced-old"
    "phone",  # the phone journey at 360x640: looked at, charged, its charge voided
)
PEDRO_AMOUNTS = {"pedro-1": 15_000, "pedro-2": 9_500}


def _one(session: Session, model: Any, **where: Any) -> Any:
    return session.scalars(sa.select(model).filter_by(**where)).one()


def _program(
    session: Session, parish: Parish, admin: User, treasurer: User, spec: ProgramInput, fund: int
) -> Program:
    program = create_program(session, parish.id, spec, admin)
    received = local_today(parish.timezone) - timedelta(days=3)
    record_fund(
        session, parish, FundInput(program.id, fund, received, "Aporte parroquial"), treasurer
    )
    return program


def seed(session: Session) -> dict[str, Any]:
    demo.seed(session)
    session.flush()
    parish = _one(session, Parish, slug="jesus-maestro")
    admin = _one(session, User, email=demo.LOGINS[0][0])
    staff = _one(session, User, email=demo.LOGINS[1][0])
    treasurer = _one(session, User, email=demo.LOGINS[2][0])
    families = session.scalars(
        sa.select(Family).where(Family.parish_id == parish.id).order_by(Family.id)
    ).all()

    # Journey 1 runs a round of this program; the screenshots preview the other one.
    winter = _program(
        session,
        parish,
        admin,
        treasurer,
        ProgramInput("Canasta de invierno", "food", 20_000, 45, "once"),
        400_000,
    )
    christmas = _program(
        session,
        parish,
        admin,
        treasurer,
        ProgramInput("Canasta navideña", "food", 25_000, 45, "once"),
        400_000,
    )
    for family in families[:6]:
        enrol_family(session, winter, family, staff)
        enrol_family(session, christmas, family, staff)

    emergency = _program(
        session,
        parish,
        admin,
        treasurer,
        ProgramInput("Ayuda de emergencia", "food", 15_000, 30, "monthly", 31),
        500_000,
    )
    # Only households enrolled in a program get its vouchers.
    for family in families[: len(VOUCHERS)]:
        enrol_family(session, emergency, family, staff)
    keys = code_keys()
    codes, voucher_ids, serials = {}, {}, {}
    for n, name in enumerate(VOUCHERS):
        issued = issue_voucher(
            session,
            parish=parish,
            program=emergency,
            family=families[n % len(families)],
            user=staff,
            keys=keys,
        )
        codes[name] = issued.code
        voucher_ids[name] = issued.voucher.id
        serials[name] = issued.voucher.serial

    old_paper = codes["replaced"]
    replaced = replace_voucher(
        session,
        session.get(type(issued.voucher), voucher_ids["replaced"]),
        reason="Perdido en la micro",
        user=staff,
        keys=keys,
    )
    codes["replaced"], codes["replaced-old"] = replaced.code, old_paper

    rosita = _one(session, Shop, name="Almacén Rosita")
    pedro = _one(session, Shop, name="Minimarket Don Pedro")
    rosita_keeper = _one(session, User, email=demo.SHOPKEEPER)
    pedro_keeper = create_user(
        session,
        email=PEDRO_KEEPER,
        password=demo.DEMO_PASSWORD,
        role=Role.SHOPKEEPER,
        name="Pedro Soto",
        shop_id=pedro.id,
    )
    receipt, _replayed = redeem(
        session,
        Scanner(rosita_keeper, rosita, "127.0.0.1"),
        codes["receipt"],
        12_000,
        idempotency_key="e2e-receipt",
        keys=keys,
    )
    at_pedro = Scanner(pedro_keeper, pedro, "127.0.0.1")
    for name, amount in PEDRO_AMOUNTS.items():
        redeem(session, at_pedro, codes[name], amount, idempotency_key=f"e2e-{name}", keys=keys)
    aromos = create_shop(
        session,
        ShopInput(
            "Panadería Los Aromos",
            "76.543.210-3",
            ["food"],
            "Marta Aravena",
            "Los Aromos 455",
            "+56 9 5555 0101",
            "BancoEstado, cuenta vista 76543210",
        ),
        admin,
    )
    enrol_shop(session, aromos, parish.id, admin)
    create_user(
        session,
        email=AROMOS_KEEPER,
        password=demo.DEMO_PASSWORD,
        role=Role.SHOPKEEPER,
        name="Marta Aravena",
        shop_id=aromos.id,
    )
    other = create_parish(session, slug="san-esteban", name="Parroquia San Esteban")
    create_user(
        session,
        email=OTHER_ADMIN,
        password=demo.DEMO_PASSWORD,
        role=Role.ADMIN,
        name="Admin San Esteban",
        parish=other,
    )
    session.flush()
    return {
        "password": demo.DEMO_PASSWORD,
        "emails": {
            "admin": admin.email,
            "staff": staff.email,
            "treasurer": treasurer.email,
            "shopkeeper": rosita_keeper.email,
            "pedro": PEDRO_KEEPER,
            "aromos": AROMOS_KEEPER,
            "other_admin": OTHER_ADMIN,
        },
        "codes": codes,
        "voucher_ids": voucher_ids,
        "serials": serials,
        "ids": {
            "parish": parish.id,
            "winter": winter.id,
            "christmas": christmas.id,
            "emergency": emergency.id,
            "rosita": rosita.id,
            "pedro": pedro.id,
            "pedro_keeper": pedro_keeper.id,
            "aromos": aromos.id,
            "receipt": receipt.id,
            "family": families[0].id,
        },
    }
