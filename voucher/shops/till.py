"""The till, as one request sees it: who is scanning from where, the brake's limits
from the settings, and the lookup, charge and void the shopkeeper's phone and the API
both run through."""

from __future__ import annotations

from flask import current_app, request

from voucher.auth.access import require_actor
from voucher.extensions import db
from voucher.shops.device_auth import current_device
from voucher.shops.lookup import Lookup, lookup
from voucher.shops.models import Shop
from voucher.shops.redemption import redeem
from voucher.shops.scanning import Limits, Scanner, limits_from_config
from voucher.shops.voiding import get_redemption, void_redemption
from voucher.vouchers.keys import code_keys
from voucher.vouchers.models import Redemption

MAX_CODE_LENGTH = 300  # a code as printed, or the QR's whole URL


def limits() -> Limits:
    return limits_from_config(current_app.config)


def scanner() -> Scanner:
    """The signed-in user, their shop (None for parish staff) and their address."""
    user = require_actor()
    shop = db.session.get(Shop, user.shop_id) if user.shop_id else None
    device = current_device()
    return Scanner(user, shop, request.remote_addr, device.id if device else None)


def look_up(code: str) -> Lookup:
    """lookup() for the signed-in user (a refusal is logged and raised)."""
    return lookup(db.session, scanner(), code[:MAX_CODE_LENGTH], keys=code_keys(), limits=limits())


def charge(code: str, amount: object, idempotency_key: str) -> Redemption:
    """redeem() at the signed-in shopkeeper's shop; a replay answers the original."""
    done, _replayed = redeem(
        db.session,
        scanner(),
        code,
        amount,
        idempotency_key=idempotency_key,
        keys=code_keys(),
        limits=limits(),
    )
    return done


def void(redemption_id: int, reason: str) -> Redemption:
    """void_redemption() of a redemption the signed-in user may see (404 otherwise)."""
    user = require_actor()
    done = get_redemption(db.session, user, redemption_id)
    return void_redemption(db.session, done, user=user, reason=reason, limits=limits())
