"""Shops: register, enrol in a parish, deactivate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.errors import Conflict, Duplicate, ValidationFailed
from voucher.families.rules import normalise_rut
from voucher.ledger.chart import open_payable_account
from voucher.programs.models import Category
from voucher.shops.models import Shop, ShopParish


@dataclass
class ShopInput:
    name: str
    rut: str
    categories: list[str] = field(default_factory=lambda: ["food", "hygiene"])
    owner_name: str = ""
    address: str = ""
    phone: str = ""
    payment_details: str = ""


def _clean(data: ShopInput) -> tuple[dict, list]:
    errors = []
    name = " ".join((data.name or "").split())
    if not name or len(name) > 120:
        errors.append(("name", _l("Escriba el nombre del comercio (máximo 120 caracteres).")))
    rut = ""
    try:
        rut = normalise_rut(data.rut)
    except ValueError as error:
        errors.append(("rut", str(error)))
    categories = set(data.categories or [])
    valid = {c.value for c in Category}
    if not categories or not categories <= valid:
        errors.append(("categories", _l("Elija al menos una categoría: Alimentos o Higiene.")))
    for key, limit in (("owner_name", 120), ("address", 200), ("phone", 30), ("payment_details", 500)):
        if len(getattr(data, key) or "") > limit:
            errors.append((key, _l("Demasiado largo (máximo %(n)s caracteres).", n=limit)))
    cleaned = {
        "name": name,
        "rut": rut,
        "accepts_food": "food" in categories,
        "accepts_hygiene": "hygiene" in categories,
        "owner_name": (data.owner_name or "").strip(),
        "address": (data.address or "").strip(),
        "phone": (data.phone or "").strip(),
        "payment_details": (data.payment_details or "").strip(),
    }
    return cleaned, errors


def create_shop(session: Session, data: ShopInput, user: Any = None) -> Shop:
    """Refuses a bad RUT (with the reason), no category, and a RUT already registered."""
    cleaned, errors = _clean(data)
    if errors:
        raise ValidationFailed(errors)
    existing = session.scalar(sa.select(Shop.id).where(Shop.rut == cleaned["rut"]))
    if existing is not None:
        raise Duplicate(_l("Ya existe un comercio con ese RUT."), existing_id=existing, field="rut")
    shop = Shop(active=True, **cleaned)
    session.add(shop)
    session.flush()
    record(session, "shop_created", user=user, obj=shop)
    return shop


def update_shop(session: Session, shop: Shop, data: ShopInput, user: Any) -> Shop:
    cleaned, errors = _clean(data)
    if errors:
        raise ValidationFailed(errors)
    existing = session.scalar(
        sa.select(Shop.id).where(Shop.rut == cleaned["rut"], Shop.id != shop.id)
    )
    if existing is not None:
        raise Duplicate(_l("Ya existe un comercio con ese RUT."), existing_id=existing, field="rut")
    for key, value in cleaned.items():
        setattr(shop, key, value)
    record(session, "shop_updated", user=user, obj=shop)
    return shop


class AlreadyEnrolledShop(Conflict):
    reason = "already_enrolled"
    message = _l("El comercio ya está adherido a esta parroquia.")


def enrol_shop(session: Session, shop: Shop, parish_id: int, user: Any = None) -> ShopParish:
    """Enrol a shop in a parish (re-activating a past enrolment); opens its payable account."""
    link = session.scalar(
        sa.select(ShopParish).where(ShopParish.shop_id == shop.id, ShopParish.parish_id == parish_id)
    )
    if link is not None and link.active:
        raise AlreadyEnrolledShop()
    if link is None:
        link = ShopParish(shop_id=shop.id, parish_id=parish_id, active=True)
        session.add(link)
    else:
        link.active = True
    session.flush()
    open_payable_account(session, parish_id, shop.id, shop.name)
    record(session, "shop_enrolled", user=user, parish_id=parish_id, obj=shop)
    return link


def set_enrolment_active(session: Session, shop: Shop, parish_id: int, active: bool, user: Any) -> None:
    link = session.scalar(
        sa.select(ShopParish).where(ShopParish.shop_id == shop.id, ShopParish.parish_id == parish_id)
    )
    if link is None:
        from voucher.errors import NotFound

        raise NotFound()
    link.active = active
    record(session, "shop_enrolment_" + ("activated" if active else "deactivated"), user=user,
           parish_id=parish_id, obj=shop)


def parish_shops(session: Session, parish_id: int) -> sa.Select:
    """Shops enrolled (now or before) in the parish."""
    return (
        sa.select(Shop, ShopParish.active.label("enrolled"))
        .join(ShopParish, ShopParish.shop_id == Shop.id)
        .where(ShopParish.parish_id == parish_id)
        .order_by(Shop.name)
    )


def get_parish_shop(session: Session, parish_id: int, shop_id: int) -> Shop:
    """A shop visible to a parish (enrolled there); others answer 404."""
    from voucher.errors import NotFound

    shop = session.scalar(
        sa.select(Shop)
        .join(ShopParish, ShopParish.shop_id == Shop.id)
        .where(Shop.id == shop_id, ShopParish.parish_id == parish_id)
    ) if isinstance(shop_id, int) and 0 < shop_id < 2**63 else None
    if shop is None:
        raise NotFound()
    return shop
