"""Pairing a phone to a shop by a one-time link, and unlinking it.

The link's token and the phone's credential are long random secrets; only their
SHA-256 is stored (like API tokens: they are random, so a plain hash is enough). A
link works once, for a few minutes: using it is one conditional UPDATE that must
change exactly one row, so two phones opening the same link at once pair one phone.

Who may pair and unlink: an admin, for a shop of the admin's parish; a shopkeeper, for
their own shop. A paired phone may do neither. Other shops answer 404."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.auth.models import ApiToken, Role, User
from voucher.auth.services import create_token, create_user
from voucher.db import utcnow, valid_id
from voucher.errors import DomainError, Forbidden, NotFound, ValidationFailed
from voucher.parishes.models import Parish
from voucher.shops.device_models import Device, DevicePairing
from voucher.shops.models import Shop, ShopParish
from voucher.shops.services import get_owned_shop

PAIRING_SECONDS = 600  # the link works 10 minutes (DEVICE_PAIRING_SECONDS changes it)
MAX_NAME = 60
# A phone's last visit is written at most this often: its requests stay reads.
TOUCH_EVERY = timedelta(minutes=1)
DEVICE_EMAIL_DOMAIN = "devices.invalid"  # reserved: never a real mailbox


class PairingGone(DomainError):
    status = 410


class PairingUsed(PairingGone):
    reason = "pairing_used"
    message = _l(
        "Este enlace para vincular ya se usó. Pida a la persona encargada que genere uno nuevo."
    )


class PairingExpired(PairingGone):
    reason = "pairing_expired"
    message = _l(
        "Este enlace para vincular venció (dura 10 minutos). Pida a la persona encargada "
        "que genere uno nuevo."
    )


class UnknownPairing(NotFound):
    reason = "not_found"
    message = _l("Este enlace para vincular no existe. Revise que esté completo.")


def secret_hash(clear: str) -> str:
    return hashlib.sha256(clear.encode()).hexdigest()


def pairing_ttl(config: Any) -> timedelta:
    return timedelta(seconds=int(config.get("DEVICE_PAIRING_SECONDS", PAIRING_SECONDS)))


# --- who may manage a shop's phones ------------------------------------------------------


def manageable_shop(session: Session, user: User, shop_id: Any, *, is_device: bool) -> Shop:
    """The shop whose phones ``user`` may pair and unlink: a shop the admin's parish owns,
    a shopkeeper's own; another shop is 404, one the parish only joined, a paired phone (or
    another role) 403."""
    if is_device or user.role not in (Role.ADMIN, Role.SHOPKEEPER):
        raise Forbidden()
    if user.role == Role.ADMIN:
        return get_owned_shop(session, user.parish_id, shop_id)
    if not valid_id(shop_id) or shop_id != user.shop_id:
        raise NotFound()
    return session.get(Shop, shop_id)


def manageable_device(session: Session, user: User, device_id: Any, *, is_device: bool) -> Device:
    device = session.get(Device, device_id) if valid_id(device_id) else None
    if device is None:
        raise NotFound()
    manageable_shop(session, user, device.shop_id, is_device=is_device)
    return device


def shop_devices(session: Session, shop_id: int) -> list[Device]:
    """The shop's phones, linked ones first, newest first."""
    return list(
        session.scalars(
            sa.select(Device)
            .where(Device.shop_id == shop_id)
            .order_by(Device.revoked_at.is_not(None), Device.paired_at.desc(), Device.id.desc())
        )
    )


def shop_parish_names(session: Session, shop_id: int) -> list[str]:
    """The parishes the shop takes vouchers of (whom an unlinked phone should call)."""
    return list(
        session.scalars(
            sa.select(Parish.name)
            .join(ShopParish, ShopParish.parish_id == Parish.id)
            .where(ShopParish.shop_id == shop_id, ShopParish.active)
            .order_by(Parish.name)
        )
    )


def device_user_ids(session: Session, shop_ids: list[int]) -> set[int]:
    """The accounts the phones of these shops act through (not people's accounts)."""
    return set(session.scalars(sa.select(Device.user_id).where(Device.shop_id.in_(shop_ids))))


# --- pairing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPairing:
    pairing: DevicePairing
    token: str  # in clear, shown once (QR and link), never stored


def start_pairing(
    session: Session,
    shop: Shop,
    device_name: str,
    user: User,
    *,
    ttl: timedelta = timedelta(seconds=PAIRING_SECONDS),
    now: datetime | None = None,
) -> NewPairing:
    """A one-time link that pairs a phone named ``device_name`` to ``shop``. Refuses an
    empty or too long name (422)."""
    name = " ".join((device_name or "").split())
    if not name:
        raise ValidationFailed([("device_name", _l("Escriba un nombre para el teléfono."))])
    if len(name) > MAX_NAME:
        raise ValidationFailed([("device_name", _l("Demasiado largo (máximo %(n)s).", n=MAX_NAME))])
    now = now or utcnow()
    token = secrets.token_urlsafe(18)
    pairing = DevicePairing(
        shop_id=shop.id,
        device_name=name,
        token_hash=secret_hash(token),
        expires_at=now + ttl,
        created_by_id=user.id,
        created_at=now,
    )
    session.add(pairing)
    session.flush()
    record(session, "device_pairing_started", user=user, shop_id=shop.id, obj=pairing, name=name)
    return NewPairing(pairing, token)


@dataclass(frozen=True)
class Paired:
    device: Device
    credential: str  # the phone's secret, in clear: set in its cookie, never stored


def complete_pairing(
    session: Session, token: str, *, ip: str | None, now: datetime | None = None
) -> Paired:
    """Pair the phone that opened the link. Refuses an unknown link (404), one already
    used or past its time (410): nothing changes then."""
    now = now or utcnow()
    pairing = session.scalar(
        sa.select(DevicePairing).where(DevicePairing.token_hash == secret_hash(token or ""))
    )
    if pairing is None:
        raise UnknownPairing()
    if pairing.used_at is not None:
        raise PairingUsed()
    if pairing.expires_at <= now:
        raise PairingExpired()
    # Taken once: a second phone opening it at the same moment changes no row.
    taken = session.execute(
        sa.update(DevicePairing)
        .where(
            DevicePairing.id == pairing.id,
            DevicePairing.used_at.is_(None),
            DevicePairing.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise PairingUsed()
    account = create_user(
        session,
        email=f"device-{secrets.token_hex(8)}@{DEVICE_EMAIL_DOMAIN}",
        password=secrets.token_urlsafe(32),  # never shown: nobody logs in with it
        role=Role.SHOPKEEPER,
        name=pairing.device_name,
        shop_id=pairing.shop_id,
    )
    credential = secrets.token_urlsafe(32)
    device = Device(
        shop_id=pairing.shop_id,
        user_id=account.id,
        name=pairing.device_name,
        credential_hash=secret_hash(credential),
        paired_at=now,
        paired_by_id=pairing.created_by_id,
        last_seen_at=now,
        last_ip=ip,
        created_at=now,
    )
    session.add(device)
    session.flush()
    pairing.used_at = now
    pairing.device_id = device.id
    record(
        session,
        "device_paired",
        user=account,
        # In the audit log of the parish whose admin made the link (if an admin did).
        parish_id=pairing.created_by.parish_id if pairing.created_by else None,
        shop_id=pairing.shop_id,
        obj=device,
        name=device.name,
        paired_by_id=pairing.created_by_id,
        ip=ip,
    )
    return Paired(device, credential)


def device_api_token(session: Session, device: Device) -> str:
    """An API token acting as the phone (revoked with it)."""
    _row, clear = create_token(session, device.user, name=f"device:{device.name}"[:80])
    return clear


# --- a paired phone at work ------------------------------------------------------------------


def device_for_credential(session: Session, credential: str) -> Device | None:
    """The phone a cookie's secret belongs to, linked or not (None when unknown)."""
    if not credential or len(credential) > 200:
        return None
    return session.scalar(
        sa.select(Device).where(Device.credential_hash == secret_hash(credential))
    )


def device_for_user(session: Session, user_id: int) -> Device | None:
    return session.scalar(sa.select(Device).where(Device.user_id == user_id))


def touch(session: Session, device: Device, ip: str | None, now: datetime | None = None) -> bool:
    """Note the phone's visit (at most once a minute, or when its address changed)."""
    now = now or utcnow()
    seen = device.last_seen_at
    if seen is not None and now - seen < TOUCH_EVERY and device.last_ip == ip:
        return False
    device.last_seen_at = now
    device.last_ip = ip
    session.flush()
    return True


def unlink(session: Session, device: Device, user: User, now: datetime | None = None) -> Device:
    """Unlink a phone: its cookie and its API tokens stop working at once. Unlinking
    an unlinked phone changes nothing."""
    if device.revoked_at is not None:
        return device
    now = now or utcnow()
    device.revoked_at = now
    device.revoked_by_id = user.id
    device.user.active = False
    session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == device.user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    record(
        session, "device_unlinked", user=user, shop_id=device.shop_id, obj=device, name=device.name
    )
    return device
