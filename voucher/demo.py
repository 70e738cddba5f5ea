"""`flask --app wsgi demo`: a demo parish to try Vales on a laptop (never in production)."""

from __future__ import annotations

import os
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import current_app

from voucher.auth.models import Role, User
from voucher.auth.services import create_user
from voucher.dates import local_today
from voucher.extensions import db
from voucher.families.services import FamilyInput, create_family
from voucher.parishes.models import Parish
from voucher.parishes.services import create_parish
from voucher.programs.services import ProgramInput, create_program, enrol_family
from voucher.shops.models import Shop
from voucher.shops.redemption import Scanner, redeem
from voucher.shops.services import ShopInput, create_shop, enrol_shop
from voucher.treasury.services import FundInput, SettlementInput, record_fund, settle
from voucher.vouchers.keys import code_keys
from voucher.vouchers.models import Voucher
from voucher.vouchers.services import issue_round

DEMO_PASSWORD = "vales-demo-2026"  # noqa: S105  # demo data only: the demo refuses to run in production
LOGINS = [
    ("admin@demo.vales.cl", Role.ADMIN, "Ana Admin"),
    ("staff@demo.vales.cl", Role.STAFF, "Sonia Voluntaria"),
    ("tesoreria@demo.vales.cl", Role.TREASURER, "Tomás Tesorero"),
]
SHOPKEEPER = "almacen@demo.vales.cl"
FAMILIES = [
    ("María Nuñez Soto", "12.345.678-5", 2, 3, "Villa Los Copihues"),
    ("José Pérez Muñoz", "11.111.111-1", 1, 2, "Población Santa Julia"),
    ("Carmen Rojas Díaz", "22.222.222-2", 2, 1, "Villa Los Copihues"),
    ("Luis González Vera", "9.876.543-3", 1, 0, "Los Quillayes"),
    ("Rosa Araya Fuentes", "15.555.555-6", 1, 4, "Población Santa Julia"),
    ("Pedro Morales Lagos", "16.666.666-K", 2, 2, "Los Quillayes"),
    ("Ana Castillo Reyes", "17.777.777-3", 1, 1, "Villa Los Copihues"),
    ("Jorge Silva Tapia", "13.333.333-9", 2, 0, "Los Quillayes"),
]


def _print_logins() -> None:
    click.echo(f"Demo logins (password: {DEMO_PASSWORD})")
    for email, role, _name in LOGINS:
        click.echo(f"  {role.value:<11} {email}")
    click.echo(f"  {'shopkeeper':<11} {SHOPKEEPER}")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no parish.")
def demo_command(if_empty: bool) -> None:
    """Seed a demo parish (idempotent) and print the demo logins."""
    if os.environ.get("VOUCHER_ENV") == "production":
        raise click.ClickException("The demo is not for production databases.")
    session = db.session
    if if_empty and session.scalar(sa.select(sa.func.count()).select_from(Parish)):
        if session.scalar(sa.select(User.id).where(User.email == SHOPKEEPER)):
            _print_logins()
        return
    if session.scalar(sa.select(Parish).where(Parish.slug == "jesus-maestro")) is None:
        seed(session)
        session.commit()
        click.echo("Demo parish created: Parroquia Jesús Maestro (La Florida).")
    _print_logins()


def seed(session) -> None:
    """The demo parish: its team, two funded programs, households, two shops, a round of
    vouchers, a few charges and one payment."""
    parish = create_parish(session, slug="jesus-maestro", name="Parroquia Jesús Maestro")
    users = {
        role: create_user(
            session, email=email, password=DEMO_PASSWORD, role=role, name=name, parish=parish
        )
        for email, role, name in LOGINS
    }
    food, hygiene = _programs(session, parish, users)
    _households(session, parish, food, hygiene, users[Role.STAFF])
    rosita, shopkeeper = _shops(session, parish)
    _activity(session, parish, food, hygiene, users, rosita, shopkeeper)
    current_app.logger.info("demo seeded")


def _programs(session, parish, users):
    treasurer = users[Role.TREASURER]
    food = create_program(
        session,
        parish.id,
        ProgramInput("Canasta de alimentos", "food", 15000, 45, "monthly", 1),
        users[Role.ADMIN],
    )
    hygiene = create_program(
        session,
        parish.id,
        ProgramInput("Kit de higiene", "hygiene", 8000, 60, "monthly", 1),
        users[Role.ADMIN],
    )
    today = local_today(parish.timezone)
    record_fund(
        session,
        parish,
        FundInput(
            food.id, 1_500_000, today - timedelta(days=20), "Colecta de Cuaresma", "DEP-0412"
        ),
        treasurer,
    )
    record_fund(
        session,
        parish,
        FundInput(hygiene.id, 400_000, today - timedelta(days=20), "Aporte parroquial"),
        treasurer,
    )
    return food, hygiene


def _households(session, parish, food, hygiene, staff) -> None:
    families = []
    for name, rut, adults, children, sector in FAMILIES:
        family = create_family(
            session,
            parish.id,
            FamilyInput(
                name,
                "rut",
                rut,
                adults,
                children,
                "Pasaje Los Aromos 123",
                sector,
                "+56 9 1234 5678",
                consent=True,
            ),
            staff,
        )
        families.append(family)
        enrol_family(session, food, family, staff)
    for family in families[:5]:
        enrol_family(session, hygiene, family, staff)


def _shops(session, parish):
    rosita = create_shop(
        session,
        ShopInput(
            "Almacén Rosita",
            "76.086.428-5",
            ["food", "hygiene"],
            "Rosa Pérez",
            "Av. La Florida 9120",
            "+56 2 2281 0000",
            "Cuenta RUT 12345678",
        ),
    )
    enrol_shop(session, rosita, parish.id)
    pedro = create_shop(
        session,
        ShopInput(
            "Minimarket Don Pedro", "77.777.777-7", ["food"], "Pedro Soto", "Walker Martínez 2450"
        ),
    )
    enrol_shop(session, pedro, parish.id)
    shopkeeper = create_user(
        session,
        email=SHOPKEEPER,
        password=DEMO_PASSWORD,
        role=Role.SHOPKEEPER,
        name="Rosa Pérez",
        shop_id=rosita.id,
    )
    return rosita, shopkeeper


def _activity(session, parish, food, hygiene, users, rosita, shopkeeper) -> None:
    """A round of each program; five food vouchers charged at Rosita's, the first two paid."""
    staff, keys = users[Role.STAFF], code_keys()
    food_round = issue_round(session, parish=parish, program=food, user=staff, keys=keys)
    issue_round(session, parish=parish, program=hygiene, user=staff, keys=keys)
    session.flush()
    scanner = Scanner(shopkeeper, session.get(Shop, rosita.id), "127.0.0.1")
    today = local_today(parish.timezone)
    for n, voucher_id in enumerate(food_round.voucher_ids[:5]):
        voucher = session.get(Voucher, voucher_id)
        code = keys.decrypt(voucher.code_encrypted)
        redeem(
            session,
            scanner,
            code,
            15000 if n % 2 else 12000,
            idempotency_key=f"demo-{n}",
            keys=keys,
        )
        if n == 1:  # the first two are already paid; the rest are owed
            settle(
                session,
                parish,
                SettlementInput(rosita.id, today, "transfer", "TRF-DEMO-1"),
                users[Role.TREASURER],
            )
