"""How a paired phone is recognised on each request, and what it may reach.

The phone carries its secret in an HttpOnly, SameSite cookie (Secure in production)
that lasts until the phone is unlinked. A person's login on the same browser wins over
the phone's cookie. A phone can only scan, charge, void within the window, and see its
shop's day and statement: any other page answers 403. An unlinked phone's next request
lands on a page that says so and whom to call."""

from __future__ import annotations

from flask import current_app, g, request, session
from flask.wrappers import Response

from voucher.auth.access import actor
from voucher.auth.models import Role, User
from voucher.extensions import db, login_manager
from voucher.shops import pairing
from voucher.shops.device_models import Device

COOKIE = "vales_device"
COOKIE_DAYS = 400  # browsers keep a cookie at most ~400 days; each visit renews it

# Web pages a phone may open (besides static files and the pages anyone may open).
DEVICE_ENDPOINTS = frozenset(
    {
        "auth.root",
        "shops.scan",
        "shops.voucher",
        "shops.redeem",
        "shops.receipt",
        "shops.today",
        "shops.void",
        "treasury.my_statement",
        "treasury.my_statement_pdf",
        "treasury.my_statement_csv",
        "phone.charge_status",
        "public.redeem",
    }
)
# Pages that do not depend on who is asking (the phone's own pairing link among them).
OPEN_ENDPOINTS = frozenset(
    {"static", "phone.pair", "phone.service_worker", "phone.manifest", "phone.offline"}
)
# API endpoints a phone's token may call.
DEVICE_API_ENDPOINTS = frozenset(
    {
        "api.me",
        "api.voucher_by_code",
        "api.create_redemption",
        "api.void_redemption",
        "api.list_redemptions",
        "api.statement_pdf",
        "api.statement_csv_file",
    }
)

_CACHE = "vales_device_cache"


def _cached(key: object, load) -> Device | None:
    """One lookup per request (``g`` may outlive a request in tests: keyed by it)."""
    here = (id(request._get_current_object()), key)
    cached = g.get(_CACHE)
    if cached is not None and cached[0] == here:
        return cached[1]
    device = load()
    setattr(g, _CACHE, (here, device))
    return device


def cookie_device() -> Device | None:
    """The phone whose cookie this request carries, linked or not."""
    credential = request.cookies.get(COOKIE, "")
    if not credential:
        return None
    return _cached(
        ("cookie", credential), lambda: pairing.device_for_credential(db.session, credential)
    )


def current_device() -> Device | None:
    """The paired phone acting in this request (web cookie or API token), or None when a
    person is acting."""
    user = actor()
    if user is None or user.role != Role.SHOPKEEPER or not user.shop_id:
        return None
    return _cached(("user", user.id), lambda: pairing.device_for_user(db.session, user.id))


def is_device(user: User | None) -> bool:
    return user is not None and current_device() is not None


@login_manager.request_loader
def _phone_from_cookie(_request) -> User | None:
    """No one logged in: a linked phone's cookie signs it in as the phone."""
    device = cookie_device()
    if device is None or not device.active or not device.user.active:
        return None
    return device.user


def person_logged_in() -> bool:
    return bool(session.get("_user_id"))


def set_cookie(response: Response, credential: str) -> None:
    response.set_cookie(
        COOKIE,
        credential,
        max_age=COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/",
    )


def writer_request() -> bool:
    """Whether this request already writes (so noting the phone's visit adds no lock)."""
    if request.method not in ("GET", "HEAD", "OPTIONS") or request.path.startswith("/api/"):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(
        getattr(view, "reads_then_writes", False) or getattr(view, "writes_database", False)
    )
