"""Shops: register, enrol in a parish, deactivate, give them shopkeeper accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.auth.models import Role, User
from voucher.auth.services import create_user
from voucher.db import utcnow
from voucher.errors import Conflict, Duplicate, Forbidden, NotFound, ValidationFailed
from voucher.families.rules import display_rut, normalise_rut
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


def bank_line(shop: Shop) -> str:
    """Where the parish pays the shop, on one line for papers and the pay screen: bank,
    account type and number, holder's RUT, then any other notes ("" when none)."""
    parts = []
    if shop.account_number:
        parts = [
            shop.bank_name or "",
            account_type_label(shop.account_type or ""),
            shop.account_number,
        ]
        parts.append(_("RUT %(rut)s", rut=display_rut(shop.rut)))
    if shop.payment_details:
        parts.append(shop.payment_details)
    return " · ".join(p for p in parts if p)


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


def clean_input(data: ShopInput) -> tuple[dict, list]:
    """What create_shop would write, and what it would refuse (field, message)."""
    return _clean(data)


def amend_shop(session: Session, shop: Shop, changes: dict, parish_id: int, user: Any) -> Shop:
    """Write already-checked ``changes`` (from clean_input) to a shop the parish owns,
    audited as any edit. Refuses a shop owned by another parish (403)."""
    require_owner(shop, parish_id)
    _apply(session, shop, changes, user)
    return shop


def _refuse_taken_rut(session: Session, query: sa.Select) -> None:
    Duplicate.refuse_existing(session, query, _l("Ya existe un comercio con ese RUT."), field="rut")


class NotShopOwner(Forbidden):
    reason = "not_shop_owner"
    message = _l(
        "Este comercio lo registró otra parroquia: solo ella puede modificar sus datos y "
        "sus cuentas."
    )


def owns(shop: Shop, parish_id: int | None) -> bool:
    """Whether ``parish_id`` is the shop's owning parish."""
    return parish_id is not None and shop.owner_parish_id == parish_id


def require_owner(shop: Shop, parish_id: int | None) -> None:
    """Refuses (403 ``not_shop_owner``) any parish but the shop's owning parish."""
    if not owns(shop, parish_id):
        raise NotShopOwner()


def get_owned_shop(session: Session, parish_id: int, shop_id: int) -> Shop:
    """A shop the parish owns, for what only the owner does (edit it, make or manage its
    accounts and devices): 404 for a shop the parish has no part in, 403
    ``not_shop_owner`` for one it only joined."""
    shop = get_parish_shop(session, parish_id, shop_id)
    require_owner(shop, parish_id)
    return shop


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
    """Refuses what create_shop refuses (a RUT taken by another shop included), and an
    admin of any parish but the owning one (403)."""
    require_owner(shop, user.parish_id)
    cleaned, errors = _clean(data)
    if errors:
        raise ValidationFailed(errors)
    _refuse_taken_rut(
        session, sa.select(Shop.id).where(Shop.rut == cleaned["rut"], Shop.id != shop.id)
    )
    _apply(session, shop, cleaned, user)
    return shop


def _apply(session: Session, shop: Shop, cleaned: dict, user: Any) -> None:
    """Write the changes, audited under the owning parish and the shop (where those who
    are paid into it look); a change of bank details is audited on its own, before and
    after, and dated on the shop for its statements."""
    before = _payment_details(shop)
    for key, value in cleaned.items():
        setattr(shop, key, value)
    where = {"parish_id": shop.owner_parish_id, "shop_id": shop.id}
    record(session, "shop_updated", user=user, obj=shop, **where)
    after = _payment_details(shop)
    if after != before:
        shop.payment_details_changed_at = utcnow()
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        record(
            session,
            "shop_payment_details_changed",
            user=user,
            obj=shop,
            before={k: before.get(k) for k in changed},
            after=changed,
            **where,
        )


PAYMENT_FIELDS = ("payment_details", "bank_name", "account_type", "account_number", "payment_email")


def _payment_details(shop: Shop) -> dict[str, Any]:
    """Where the shop is paid: its bank, account type and number, e-mail and other notes."""
    return {name: getattr(shop, name, None) for name in PAYMENT_FIELDS}


def update_shop_contact(
    session: Session, shop: Shop, *, phone: str, payment_details: str, user: Any
) -> Shop:
    """The shop's own shopkeeper changes its phone and bank details (the rest is the
    owning parish's to change). Refuses anyone but that shop's shopkeeper (403) and text
    too long (422)."""
    if user.role != Role.SHOPKEEPER or user.shop_id != shop.id:
        raise Forbidden()
    cleaned = {"phone": (phone or "").strip(), "payment_details": (payment_details or "").strip()}
    errors = [
        (key, _l("Demasiado largo (máximo %(n)s caracteres).", n=limit))
        for key, limit in (("phone", 30), ("payment_details", 500))
        if len(cleaned[key]) > limit
    ]
    if errors:
        raise ValidationFailed(errors)
    _apply(session, shop, cleaned, user)
    return shop


class AlreadyEnrolledShop(Conflict):
    reason = "already_enrolled"
    message = _l("El comercio ya está adherido a esta parroquia.")


class JoinNeedsConsent(Forbidden):
    reason = "consent_required"
    message = _l(
        "Este comercio lo registró otra parroquia: pida adherirse con su RUT y espere que "
        "el comercio o esa parroquia acepte."
    )


def enrol_shop(session: Session, shop: Shop, parish_id: int, user: Any = None) -> ShopParish:
    """Enrol a shop in the parish that registers it (it becomes the owning parish), or
    re-activate a past enrolment. Refuses a shop owned by another parish the parish does
    not take part in (403 ``consent_required``: it must ask to join)."""
    link = enrolment(session, shop, parish_id)
    if link is None and shop.owner_parish_id not in (None, parish_id):
        raise JoinNeedsConsent()
    if shop.owner_parish_id is None:
        shop.owner_parish_id = parish_id
    return link_shop(session, shop, parish_id, user)


def link_shop(session: Session, shop: Shop, parish_id: int, user: Any = None) -> ShopParish:
    """The shop takes the parish's vouchers (re-activating a past enrolment); opens its
    payable account. Callers check the parish may: its owner, or an accepted request."""
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


def same_rut(shop: Shop, rut: str) -> bool:
    """Whether ``rut`` (any format) is the shop's; a malformed RUT is not."""
    try:
        return normalise_rut(rut) == shop.rut
    except ValueError:
        return False


def create_shopkeeper(
    session: Session, shop: Shop, *, email: str, name: str, password: str, user: Any
) -> User:
    """A login for someone who redeems vouchers at this shop. Refuses what create_user
    refuses: a bad e-mail, a short password (422) and an e-mail already in use (409);
    and an admin of any parish but the owning one (403)."""
    require_owner(shop, user.parish_id)
    keeper = create_user(
        session,
        email=email,
        password=password,
        role=Role.SHOPKEEPER,
        name=" ".join((name or "").split())[:120],
        shop_id=shop.id,
    )
    record(
        session,
        "shopkeeper_created",
        user=user,
        obj=keeper,
        parish_id=shop.owner_parish_id,
        shop_id=shop.id,
        email=keeper.email,
    )
    return keeper
