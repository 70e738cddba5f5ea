"""Users, passwords and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from voucher.audit.services import record
from voucher.auth import passwords, sessions, throttle
from voucher.auth.access import managed_shops
from voucher.auth.models import ApiToken, PasswordReset, Role, User
from voucher.db import utcnow, valid_id
from voucher.errors import Conflict, Duplicate, NotFound, ValidationFailed
from voucher.parishes.models import Parish

TOKEN_PREFIX = "vales_"  # noqa: S105 (a visible prefix, not a secret)
MIN_PASSWORD = passwords.MIN_PASSWORD
RESET_HOURS = 24
PARISH_ROLES = (Role.STAFF, Role.TREASURER, Role.ADMIN)


def _method() -> str:
    """werkzeug's scrypt by default; tests lower its cost through configuration."""
    return (
        current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    )


def _dummy_hash() -> str:
    """A hash to check against when the e-mail is unknown, so both cases take as long."""
    cache = current_app.extensions.setdefault("voucher_dummy_hash", {})
    method = _method()
    if method not in cache:
        cache[method] = generate_password_hash("not-a-real-password", method=method)
    return cache[method]


def normalise_email(email: str) -> str:
    return email.strip().lower()


PARISH_ROLES = (Role.ADMIN, Role.STAFF, Role.TREASURER)


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role,
    name: str = "",
    parish: Parish | None = None,
    shop_id: int | None = None,
) -> User:
    """Refuses a short password, a taken e-mail, and a role without its parish or shop."""
    email = normalise_email(email)
    errors = []
    if "@" not in email or len(email) > 254:
        errors.append(("email", "Escriba un correo válido."))
    parish_name = parish.name if parish is not None and role != Role.SHOPKEEPER else ""
    errors.extend(
        ("password", message) for message in password_problems(password, email, parish_name)
    )
    if role == Role.SHOPKEEPER and shop_id is None:
        errors.append(("shop", "Un comerciante debe pertenecer a un comercio."))
    if role not in (Role.SHOPKEEPER, Role.DIOCESE) and parish is None:
        errors.append(("parish", "Este perfil debe pertenecer a una parroquia."))
    if role == Role.DIOCESE and (parish is not None or shop_id is not None):
        errors.append(("parish", "El perfil de diócesis no pertenece a una parroquia."))
    if errors:
        raise ValidationFailed(errors)
    Duplicate.refuse_existing(
        session,
        sa.select(User.id).where(User.email == email),
        "Ya existe un usuario con ese correo.",
    )
    user = User(
        email=email,
        name=name or email.split("@")[0],
        password_hash=generate_password_hash(password, method=_method()),
        role=role,
        parish_id=parish.id if parish is not None and role in PARISH_ROLES else None,
        shop_id=shop_id if role == Role.SHOPKEEPER else None,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Returns the row and the clear token, which is shown once and never stored."""
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=hash_token(clear), prefix=clear[:12], name=name)
    session.add(token)
    session.flush()
    return token, clear


def user_for_token(session: Session, clear: str) -> User | None:
    """The active user a live token belongs to (one query), or None."""
    found = session.execute(
        sa.select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(clear), ApiToken.revoked_at.is_(None))
    ).first()
    if found is None or not found[0].active:
        return None
    user, token_id, last_used_at = found
    now = utcnow()
    # Record use at most once a minute: the token check stays a read on busy clients.
    if last_used_at is None or now - last_used_at > timedelta(minutes=1):
        session.execute(
            sa.update(ApiToken.__table__)
            .where(ApiToken.__table__.c.id == token_id)
            .values(last_used_at=now)
        )
    return user


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


# --- what a person does with their account (each leaves its audit row) ---------------------


def sign_in(
    session: Session, email: str, password: str, *, remember: bool = False, address: str = ""
) -> User | None:
    """The user these credentials open (their sign-in started), or None; a success and
    a failure are both kept in the audit trail. A client that failed too often waits
    (throttle.LoginThrottled) before its password is even checked."""
    email = normalise_email(email)[:254]
    throttle.check(session, email, address)
    user = authenticate(session, email, password)
    if user is None:
        throttle.failed(session, email, address)
        record(session, "login_failed", email=email)
        return None
    throttle.succeeded(session, email, address)
    sessions.open_session(session, user, remember=remember)
    record(session, "login", user=user)
    return user


def sign_out(session: Session, user: User) -> None:
    """Logout: this browser's sign-in ends on the server, so its cookies open nothing."""
    sessions.end_session(session, user)
    record(session, "logout", user=user)


def sign_out_everywhere(session: Session, user: User, *, remember: bool) -> None:
    """The user's own "cerrar todas las sesiones": every sign-in and API token ends; this
    browser gets a fresh sign-in."""
    ended = sessions.end_everywhere(session, user)
    sessions.open_session(session, user, remember=remember)
    record(session, "sessions_ended", user=user, obj=user, sessions=ended[0], tokens=ended[1])


def add_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """create_token, kept in the audit trail."""
    row, clear = create_token(session, user, name)
    record(session, "token_created", user=user, name=name)
    return row, clear


def withdraw_token(session: Session, user: User, token_id: int) -> ApiToken:
    """revoke_token, kept in the audit trail. Another user's token is 404."""
    token = revoke_token(session, user, token_id)
    record(session, "token_revoked", user=user, token_id=token_id)
    return token


def set_language(user: User, locale: str) -> None:
    user.locale = locale


def create_account(
    session: Session, admin: User, *, email: str, password: str, role: Role, name: str
) -> User:
    """An account in the admin's parish (staff, treasurer or admin), kept in the audit
    trail. Refuses what create_user refuses."""
    user = create_user(
        session,
        email=email,
        password=password,
        role=role,
        name=" ".join(name.split()),
        parish=admin.parish,
    )
    record(session, "user_created", user=admin, obj=user, role=user.role.value, email=user.email)
    return user


# --- passwords: the rules, a change, a one-time link ------------------------------------------


def password_problems(password: str, email: str = "", parish_name: str = "") -> list:
    """What is wrong with a new password, as messages for its field."""
    words = {
        "short": _l(
            "La contraseña debe tener al menos %(num)s caracteres.", num=passwords.MIN_PASSWORD
        ),
        "long": _l(
            "La contraseña puede tener hasta %(num)s caracteres.", num=passwords.MAX_PASSWORD
        ),
        "common": _l(
            "Esa contraseña es de las más usadas y se adivina fácil. Elija otra, por ejemplo "
            "tres o cuatro palabras que solo usted relacione."
        ),
        "email": _l("La contraseña no puede ser su correo."),
        "parish": _l("La contraseña no puede contener el nombre de la parroquia."),
    }
    return [
        words[problem]
        for problem in passwords.problems(password, email=email, parish_name=parish_name)
    ]


def _parish_name_of(session: Session, user: User) -> str:
    if user.parish_id is None:
        return ""
    parish = session.get(Parish, user.parish_id)
    return parish.name if parish is not None else ""


def _check_new(session: Session, user: User, new: str, confirm: str) -> None:
    errors = [
        ("new", message)
        for message in password_problems(new, user.email, _parish_name_of(session, user))
    ]
    if new != confirm:
        errors.append(("confirm", _l("Las dos contraseñas nuevas no coinciden.")))
    if errors:
        raise ValidationFailed(errors)


def _set_password(session: Session, user: User, new: str) -> None:
    """The new hash, and every sign-in and API token of the user ended."""
    user.password_hash = generate_password_hash(new, method=_method())
    sessions.end_everywhere(session, user)


def change_password(
    session: Session, user: User, *, current: str, new: str, confirm: str, remember: bool = False
) -> None:
    """The signed-in user's own change: the current password first. Every sign-in and
    every API token of theirs ends; this browser gets a fresh sign-in."""
    if not check_password_hash(user.password_hash, current):
        raise ValidationFailed([("current", _l("La contraseña actual no es correcta."))])
    _check_new(session, user, new, confirm)
    if check_password_hash(user.password_hash, new):
        raise ValidationFailed([("new", _l("La contraseña nueva debe ser distinta de la actual."))])
    _set_password(session, user, new)
    sessions.open_session(session, user, remember=remember)
    record(session, "password_changed", user=user, obj=user)


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_reset(session: Session, target: User, issued_by: User | None) -> str:
    """A one-time link's secret for ``target`` (valid RESET_HOURS, single use), shown once;
    earlier unused links of the user stop working. Kept in the audit trail."""
    if not target.active:
        raise Conflict(_l("La cuenta está desactivada: reactívela antes de restablecer la clave."))
    now = utcnow()
    session.execute(
        sa.update(PasswordReset.__table__)
        .where(
            PasswordReset.__table__.c.user_id == target.id,
            PasswordReset.__table__.c.used_at.is_(None),
            PasswordReset.__table__.c.expires_at > now,
        )
        .values(expires_at=now)
    )
    clear = secrets.token_urlsafe(24)
    session.add(
        PasswordReset(
            user_id=target.id,
            secret_hash=_hash_secret(clear),
            issued_by_id=issued_by.id if issued_by is not None else None,
            created_at=now,
            expires_at=now + timedelta(hours=RESET_HOURS),
        )
    )
    session.flush()
    _record_on_account(session, "password_reset_issued", issued_by, target)
    return clear


def reset_for(session: Session, secret: str) -> PasswordReset | None:
    """The live one-time link ``secret`` opens (unused, not expired, active user)."""
    if not secret or len(secret) > 100:
        return None
    reset = session.scalar(
        sa.select(PasswordReset).where(PasswordReset.secret_hash == _hash_secret(secret))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset if reset.user.active else None


def use_reset(session: Session, secret: str, *, new: str, confirm: str) -> User:
    """Choose a new password through a one-time link; the link is spent, every sign-in
    and token of the user ends."""
    reset = reset_for(session, secret)
    if reset is None:
        raise Conflict(
            _l("Este enlace ya se usó o venció. Pida uno nuevo al administrador de la parroquia.")
        )
    user = reset.user
    _check_new(session, user, new, confirm)
    spent = session.execute(
        sa.update(PasswordReset.__table__)
        .where(
            PasswordReset.__table__.c.id == reset.id, PasswordReset.__table__.c.used_at.is_(None)
        )
        .values(used_at=utcnow())
    ).rowcount
    if spent != 1:  # a twin request took it first
        raise Conflict(_l("Este enlace ya se usó."))
    _set_password(session, user, new)
    record(session, "password_reset_used", user=user, obj=user)
    return user


# --- an admin's accounts: who has access, deactivate, role, sign out --------------------------


def _audit_parish(admin: User | None, target: User) -> int | None:
    if admin is not None and admin.parish_id is not None:
        return admin.parish_id
    return target.parish_id


def _record_on_account(
    session: Session, action: str, admin: User | None, target: User, **detail: Any
) -> None:
    """What an admin (or the command line) did to an account, where the admin's parish
    and the account's shop see it."""
    record(
        session,
        action,
        user=admin,
        parish_id=_audit_parish(admin, target),
        shop_id=target.shop_id,
        obj=target,
        email=target.email,
        **detail,
    )


def managed_user(session: Session, admin: User, user_id: object) -> User:
    """An account the admin manages: one of the parish, or a shopkeeper of a shop the
    parish manages. Any other is 404."""
    user = session.get(User, user_id) if valid_id(user_id) else None
    if user is not None and admin.parish_id is not None:
        if user.parish_id == admin.parish_id:
            return user
        if user.shop_id is not None and user.shop_id in managed_shops(session, admin.parish_id):
            return user
    raise NotFound()


def _not_self(admin: User, target: User, message: object) -> None:
    if admin.id == target.id:
        raise Conflict(message)


def deactivate_user(session: Session, admin: User | None, target: User) -> None:
    """The account can no longer sign in; its sign-ins and tokens end at once."""
    if admin is not None:
        _not_self(admin, target, _l("No puede desactivar su propia cuenta."))
    target.active = False
    sessions.end_everywhere(session, target)
    _record_on_account(session, "user_deactivated", admin, target)


def reactivate_user(session: Session, admin: User | None, target: User) -> None:
    """It can sign in again with its password; earlier cookies and tokens stay dead."""
    target.active = True
    _record_on_account(session, "user_reactivated", admin, target)


def end_user_sessions(session: Session, admin: User | None, target: User) -> tuple[int, int]:
    """ "Cerrar todas las sesiones": every sign-in and API token of the user ends."""
    ended = sessions.end_everywhere(session, target)
    _record_on_account(session, "sessions_ended", admin, target, sessions=ended[0], tokens=ended[1])
    return ended


def change_role(session: Session, admin: User, target: User, role: Role) -> None:
    """Within the parish only: staff, treasurer, admin. A shop account stays a shop
    account; the admin's own role is changed by another admin."""
    if target.role == Role.SHOPKEEPER or role not in PARISH_ROLES:
        raise Conflict(_l("Las cuentas de comercio no cambian a perfiles de la parroquia."))
    _not_self(admin, target, _l("Otro administrador debe cambiar su perfil."))
    if target.role == role:
        return
    before = target.role
    target.role = role
    _record_on_account(
        session, "role_changed", admin, target, before=before.value, after=role.value
    )
