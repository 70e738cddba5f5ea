"""Households and programs for the families and programs tests, made through
``factories`` as parish staff (or admin, or treasurer) and committed."""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories
from voucher.audit.models import AuditEvent
from voucher.dates import local_today


def family(
    db, world, name: str = "María Nuñez", *, parish: str = "a", rut: str | None = None, **fields
):
    where, staff = world.parishes[parish], world.users[(parish, "staff")]
    created = factories.family(db.session, where, staff, name, rut=rut, **fields)
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
    where, admin = world.parishes[parish], world.users[(parish, "admin")]
    created = factories.program(db.session, where, admin, name, category=category, amount=amount)
    db.session.commit()
    return created


def fund(db, world, program_, amount: int, *, parish: str = "a") -> None:
    where, treasurer = world.parishes[parish], world.users[(parish, "treasurer")]
    factories.fund(db.session, where, program_, amount, treasurer, received=local_today())
    db.session.commit()


def audit_actions(db, action: str, object_id: int | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    return list(db.session.scalars(query))
