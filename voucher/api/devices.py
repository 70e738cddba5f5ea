"""API endpoints: pairing a phone to a shop, its list of phones, unlinking one
(contract: shared/design/api.md). The same services as the shop's pages; a phone's
token reaches only the till's endpoints."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, request, url_for
from pydantic import BaseModel, Field, StrictStr

from voucher.api.core import Strict, bp, responses, spec
from voucher.auth.access import require_actor, role_required
from voucher.auth.models import Role
from voucher.errors import Forbidden
from voucher.extensions import db
from voucher.shops import device_auth, pairing
from voucher.shops.device_models import Device


@bp.before_request
def phones_only_at_the_till() -> None:
    """A paired phone's token: the till's endpoints only (runs after authenticate)."""
    user = g.get("api_user")
    if user is None or user.role != Role.SHOPKEEPER:
        return
    device = device_auth.current_device()
    if device is None:
        return
    if request.endpoint not in device_auth.DEVICE_API_ENDPOINTS:
        raise Forbidden()
    pairing.touch(db.session, device, request.remote_addr)


class PairingIn(Strict):
    device_name: StrictStr = Field(max_length=200, description='What the shop calls it: "Caja 1".')


class PairingOut(BaseModel):
    url: str = Field(description="Open it on the phone (or show it as a QR): single use.")
    expires_at: dt.datetime


class PairedIn(Strict):
    pass


class PairedOut(BaseModel):
    device_id: int
    shop_id: int
    token: str = Field(description="A bearer token acting as the phone, until it is unlinked.")


class DeviceOut(BaseModel):
    id: int
    name: str
    paired_at: dt.datetime
    paired_by: str | None = Field(description="Name of who made the pairing link.")
    last_seen_at: dt.datetime | None
    last_ip: str | None
    revoked_at: dt.datetime | None = Field(description="When it was unlinked (null: linked).")


class DeviceList(BaseModel):
    items: list[DeviceOut]
    next: str | None = None


def _shop(shop_id):
    return pairing.manageable_shop(
        db.session,
        require_actor(),
        shop_id,
        is_device=device_auth.current_device() is not None,
    )


@bp.post("/shops/<int:shop_id>/pairings")
@spec.validate(
    json=PairingIn, resp=responses(HTTP_201=PairingOut, problems=(404,)), tags=["devices"]
)
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def create_pairing(shop_id, json: PairingIn):
    """A one-time link that pairs a phone to the shop: single use, valid 10 minutes.
    An admin for a shop of the parish, a shopkeeper for their own shop; 404 otherwise."""
    shop = _shop(shop_id)
    new = pairing.start_pairing(
        db.session,
        shop,
        json.device_name,
        require_actor(),
        ttl=pairing.pairing_ttl(current_app.config),
    )
    base = (current_app.config.get("VOUCHER_BASE_URL") or request.host_url).rstrip("/")
    url = f"{base}{url_for('phone.pair', token=new.token)}"
    return PairingOut(url=url, expires_at=new.pairing.expires_at), 201


@bp.post("/pairings/<string:token>")
@spec.validate(
    json=PairedIn,
    resp=responses(HTTP_201=PairedOut, problems=(404, 410)),
    tags=["devices"],
)
def complete_pairing(token: str, json: PairedIn):
    """The phone pairs itself with the link's token (no other credential). 410
    `pairing_used` / `pairing_expired`; 404 for an unknown token. Nothing changes then."""
    paired = pairing.complete_pairing(db.session, token[:100], ip=request.remote_addr)
    clear = pairing.device_api_token(db.session, paired.device)
    return PairedOut(device_id=paired.device.id, shop_id=paired.device.shop_id, token=clear), 201


def _device_out(device: Device) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        name=device.name,
        paired_at=device.paired_at,
        paired_by=device.paired_by.name if device.paired_by else None,
        last_seen_at=device.last_seen_at,
        last_ip=device.last_ip,
        revoked_at=device.revoked_at,
    )


@bp.get("/shops/<int:shop_id>/devices")
@spec.validate(resp=responses(HTTP_200=DeviceList, problems=(404,)), tags=["devices"])
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def list_devices(shop_id):
    """The shop's phones, linked ones first."""
    shop = _shop(shop_id)
    return DeviceList(items=[_device_out(d) for d in pairing.shop_devices(db.session, shop.id)])


@bp.delete("/devices/<int:device_id>")
@spec.validate(resp=responses(HTTP_204=None, problems=(404,)), tags=["devices"])
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def delete_device(device_id):
    """Unlink a phone: its token and its cookie stop working at once."""
    user = require_actor()
    device = pairing.manageable_device(
        db.session, user, device_id, is_device=device_auth.current_device() is not None
    )
    pairing.unlink(db.session, device, user)
    return "", 204
