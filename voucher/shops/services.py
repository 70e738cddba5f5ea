"""Shops: register, enrol in a parish, deactivate, give them shopkeeper accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.auth.models import Role, User
from voucher.auth.services import create_user
from voucher.errors import Conflict, Duplicate, NotFound, ValidationFailed
from voucher.families.rules import normalise_rut
from voucher.ledger.chart import open_payable_account
from voucher.programs.models import Category
from voucher.shops.models import Shop, ShopParish
from voucher.shops.queries import enrolment
from voucher.shops.queries import get_parish_shop as get_parish_shop  # its old home


@dataclass
class ShopInput:
    name: str
    rut: str
    categories: list[str] = field(default_factory=lambda: ["food", "hygiene"])
    owner_name: str = ""
    address: str = ""
    phone: str = ""
    payment_details: str = ""
    bank_name: str = ""
    account_type: str = ""  # one of ACCOUNT_TYPES, or "" when not known
    account_number: str = ""
    payment_email: str = ""


# Kinds of bank account a Chilean bank pays into, as the bulk payment file names them.
ACCOUNT_TYPES = {
    "corriente": _l("Cuenta corriente"),
    "vista": _l("Cuenta vista"),
    "ahorro": _l("Cuenta de ahorro"),
    "rut": _l("CuentaRUT"),
}


def account_type_label(kind: str) -> str:
    return str(ACCOUNT_TYPES.get(kind, kind or "—"))


_ACCOUNT_NUMBER = re.compile(r"^[0-9][0-9-]{0,29}$")


def _clean_bank(data: ShopInput, errors: list) -> dict:
    """The account's details as typed (spaces trimmed); a number of digits and dashes."""
    bank = " ".join((data.bank_name or "").split())
    kind = (data.account_type or "").strip()
    number = "".join((data.account_number or "").split())
    email = (data.payment_email or "").strip()
    if len(bank) > 60:
        errors.append(("bank_name", _l("Demasiado largo (máximo %(n)s caracteres).", n=60)))
    if kind and kind not in ACCOUNT_TYPES:
        errors.append(("account_type", _l("Elija un tipo de cuenta de la lista.")))
    if number and not _ACCOUNT_NUMBER.match(number):
        errors.append(("account_number", _l("Escriba el número de cuenta con dígitos y guiones.")))
    if email and ("@" not in email or len(email) > 254 or " " in email):
        errors.append(("payment_email", _l("Escriba un correo válido.")))
    return {
        "bank_name": bank,
        "account_type": kind,
        "account_number": number,
        "payment_email": email,
    }


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
    limits = (("owner_name", 120), ("address", 200), ("phone", 30), ("payment_details", 500))
    for key, limit in limits:
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
        **_clean_bank(data, errors),
    }
    return cleaned, errors


def _refuse_taken_rut(session: Session, query: sa.Select) -> None:
    Duplicate.refuse_existing(session, query, _l("Ya existe un comercio con ese RUT."), field="rut")


def create_shop(session: Session, data: ShopInput, user: Any = None) -> Shop:
    """Refuses a bad RUT (with the reason), no category, and a RUT already registered."""
    cleaned, errors = _clean(data)
    if errors:
        raise ValidationFailed(errors)
    _refuse_taken_rut(session, sa.select(Shop.id).where(Shop.rut == cleaned["rut"]))
    shop = Shop(active=True, **cleaned)
    session.add(shop)
    session.flush()
    record(session, "shop_created", user=user, obj=shop)
    return shop


def update_shop(session: Session, shop: Shop, data: ShopInput, user: Any) -> Shop:
    """Refuses what create_shop refuses (a RUT taken by another shop included)."""
    cleaned, errors = _clean(data)
    if errors:
        raise ValidationFailed(errors)
    _refuse_taken_rut(
        session, sa.select(Shop.id).where(Shop.rut == cleaned["rut"], Shop.id != shop.id)
    )
    for key, value in cleaned.items():
        setattr(shop, key, value)
    record(session, "shop_updated", user=user, obj=shop)
    return shop


class AlreadyEnrolledShop(Conflict):
    reason = "already_enrolled"
    message = _l("El comercio ya está adherido a esta parroquia.")


def enrol_shop(session: Session, shop: Shop, parish_id: int, user: Any = None) -> ShopParish:
    """Enrol a shop in a parish (re-activating a past enrolment); opens its payable account."""
    link = enrolment(session, shop, parish_id)
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


def set_enrolment_active(
    session: Session, shop: Shop, parish_id: int, active: bool, user: Any
) -> None:
    """Pause or resume a shop in one parish (its redemptions and books stay). Refuses a
    shop never enrolled there (404)."""
    link = enrolment(session, shop, parish_id)
    if link is None:
        raise NotFound()
    link.active = active
    action = "shop_enrolment_" + ("activated" if active else "deactivated")
    record(session, action, user=user, parish_id=parish_id, obj=shop)


def find_shop_by_rut(session: Session, rut: str) -> Shop:
    """Any registered shop by RUT (shops are shared between parishes). Refuses a bad
    RUT (422, with the reason) and a RUT nobody registered (404)."""
    try:
        normalised = normalise_rut(rut)
    except ValueError as error:
        raise ValidationFailed([("rut", str(error))]) from None
    shop = session.scalar(sa.select(Shop).where(Shop.rut == normalised))
    if shop is None:
        raise NotFound(_l("No hay ningún comercio registrado con ese RUT."))
    return shop


def create_shopkeeper(
    session: Session, shop: Shop, *, email: str, name: str, password: str, user: Any
) -> User:
    """A login for someone who redeems vouchers at this shop. Refuses what create_user
    refuses: a bad e-mail, a short password (422) and an e-mail already in use (409)."""
    keeper = create_user(
        session,
        email=email,
        password=password,
        role=Role.SHOPKEEPER,
        name=" ".join((name or "").split())[:120],
        shop_id=shop.id,
    )
    record(
        session, "shopkeeper_created", user=user, obj=keeper, shop_id=shop.id, email=keeper.email
    )
    return keeper
