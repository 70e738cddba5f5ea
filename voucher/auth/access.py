"""The one place roles are checked and queries are scoped to the actor's parish."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import g, request
from flask_login import current_user

from voucher.auth.models import Role, User
from voucher.db import valid_id
from voucher.errors import Forbidden, NotFound
from voucher.extensions import db, login_manager
from voucher.parishes.models import Parish

T = TypeVar("T")

API_PREFIX = "/api/"


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed (after login, or back to a page)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def actor() -> User | None:
    """Who is acting: the bearer-token user on the API, the session user on the web."""
    if is_api_request():
        return g.get("api_user")
    return current_user if current_user.is_authenticated else None


def require_actor() -> User:
    user = actor()
    if user is None:
        raise Unauthenticated()
    return user


class Unauthenticated(Exception):
    """No logged-in user (web: redirect to login; API: 401)."""


def role_required(*roles: Role) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Allow the view only to users with one of ``roles``."""
    allowed = set(roles)

    def decorate(view: Callable[..., T]) -> Callable[..., T]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            user = require_actor()
            if user.role not in allowed:
                raise Forbidden()
            return view(*args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorate


def login_required_any(view: Callable[..., T]) -> Callable[..., T]:
    """Any logged-in role."""
    return role_required(*Role)(view)


def parish_id() -> int:
    """The acting user's parish; shopkeepers have none and never reach parish objects."""
    user = require_actor()
    if user.parish_id is None:
        raise Forbidden()
    return user.parish_id


def current_parish() -> Parish:
    """The acting user's parish, loaded (its name, time zone, settings)."""
    return db.session.get(Parish, parish_id())


def shop_id() -> int:
    user = require_actor()
    if user.shop_id is None:
        raise Forbidden()
    return user.shop_id


def get_scoped(model: type[T], object_id: Any) -> T:
    """Load an object of the actor's parish; another parish's object is 404, not 403."""
    obj = db.session.get(model, object_id) if valid_id(object_id) else None
    if obj is None or obj.parish_id != parish_id():  # type: ignore[attr-defined]
        raise NotFound()
    return obj


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session or remember cookie opens the account only while its sign-in is live."""
    from voucher.auth.sessions import user_for_cookie

    return user_for_cookie(db.session, user_id)


# Which shops' accounts a parish's admin manages is the shops' rule: the shops package
# registers it here (auth sits below shops and cannot ask it directly).
_shop_scope: list[Callable[[Any, int], dict[int, str]]] = []


def register_shop_scope(scope: Callable[[Any, int], dict[int, str]]) -> None:
    _shop_scope[:] = [scope]


def managed_shops(session: Any, parish_id: int) -> dict[int, str]:
    """The shops (id -> name) whose accounts the parish's admin manages."""
    return _shop_scope[0](session, parish_id) if _shop_scope else {}
