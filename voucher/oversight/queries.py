"""What the audit log screens read: the parish's audit events and the scan log of its
vouchers and shops, a page at a time, with the names they show."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from voucher.audit.models import AuditEvent
from voucher.auth.models import User
from voucher.extensions import db
from voucher.families.models import Family
from voucher.programs.models import Program
from voucher.shops.device_models import Device
from voucher.shops.models import Shop
from voucher.treasury.models import Settlement
from voucher.vouchers.models import ScanLog, Voucher

PER_PAGE = 50


def audit_actions(parish_id: int) -> list[str]:
    return sorted(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.parish_id == parish_id).distinct()
        )
    )


def audit_events(parish_id: int, action: str, page: int) -> Any:
    """Newest first; ``action`` narrows to one kind of event when not empty."""
    query = sa.select(AuditEvent).where(AuditEvent.parish_id == parish_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.paginate(
        query.order_by(AuditEvent.id.desc()), page=page, per_page=PER_PAGE, error_out=False
    )


def scan_log(parish_id: int, result: str, page: int) -> Any:
    """Every lookup and redemption attempt about the parish's vouchers, and the unknown
    codes tried at the shops it owns (a shop it only joined is its owner's to watch);
    ``result`` ("ok" or "refused") narrows when not empty."""
    shops = sa.select(Shop.id).where(Shop.owner_parish_id == parish_id)
    query = sa.select(ScanLog).where(
        sa.or_(
            ScanLog.parish_id == parish_id,
            sa.and_(ScanLog.parish_id.is_(None), ScanLog.shop_id.in_(shops)),
        )
    )
    if result:
        query = query.where(ScanLog.result == result)
    return db.paginate(
        query.order_by(ScanLog.id.desc()), page=page, per_page=PER_PAGE, error_out=False
    )


def shop_names(shop_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in shop_ids if i is not None}
    return dict(db.session.execute(sa.select(Shop.id, Shop.name).where(Shop.id.in_(ids))).all())


def voucher_serials(parish_id: int, voucher_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in voucher_ids if i is not None}
    return dict(
        db.session.execute(
            sa.select(Voucher.id, Voucher.serial).where(
                Voucher.id.in_(ids), Voucher.parish_id == parish_id
            )
        ).all()
    )


def user_roles(user_ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    """id -> (name, role) of the people in a page of events; a paired phone, which acts
    through an account of its own, has the role "device"."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(User.id, User.name, User.role, Device.id)
        .outerjoin(Device, Device.user_id == User.id)
        .where(User.id.in_(ids))
    )
    return {
        uid: (name, "device" if device_id else getattr(role, "value", role))
        for uid, name, role, device_id in rows
    }


def program_names(parish_id: int, program_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in program_ids if i is not None}
    if not ids:
        return {}
    query = sa.select(Program.id, Program.name).where(
        Program.id.in_(ids), Program.parish_id == parish_id
    )
    return dict(db.session.execute(query).all())


def family_names(parish_id: int, family_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in family_ids if i is not None}
    if not ids:
        return {}
    query = sa.select(Family.id, Family.head_name).where(
        Family.id.in_(ids), Family.parish_id == parish_id
    )
    return dict(db.session.execute(query).all())


def settlement_methods(parish_id: int, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    """id -> (method, reference) of the payments in a page of events."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = sa.select(Settlement.id, Settlement.method, Settlement.reference).where(
        Settlement.id.in_(wanted), Settlement.parish_id == parish_id
    )
    return {
        sid: (getattr(method, "value", method), reference or "")
        for sid, method, reference in db.session.execute(query)
    }
