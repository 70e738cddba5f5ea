"""Test data for households and programs, made through the real services."""

from __future__ import annotations

import itertools

import sqlalchemy as sa

from tests import factories
from voucher.audit.models import AuditEvent
from voucher.dates import local_today
from voucher.families.services import FamilyInput, create_family
from voucher.programs.services import ProgramInput, create_program

_numbers = itertools.count(1000)


def family(
    db, world, name: str = "María Nuñez", *, parish: str = "a", rut: str | None = None, **fields
):
    created = create_family(
        db.session,
        world.parishes[parish].id,
        FamilyInput(name, "rut", rut or factories.rut_for(next(_numbers)), consent=True, **fields),
        world.users[(parish, "staff")],
    )
    db.session.commit()
    return created


def program(
    db,
    world,
    name: str = "Canasta",
    *,
    parish: str = "a",
    amount: int = 15000,
    category: str = "food",
):
    created = create_program(
        db.session,
        world.parishes[parish].id,
        ProgramInput(name, category, amount, 30, "monthly", 1),
        world.users[(parish, "admin")],
    )
    db.session.commit()
    return created


def fund(db, world, program_, amount: int, *, parish: str = "a") -> None:
    from voucher.treasury.services import FundInput, record_fund

    record_fund(
        db.session,
        world.parishes[parish],
        FundInput(program_.id, amount, local_today(), "Colecta"),
        world.users[(parish, "treasurer")],
    )
    db.session.commit()


def audit_actions(db, action: str, object_id: int | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    return list(db.session.scalars(query))
