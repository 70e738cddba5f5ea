"""Users, passwords and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from voucher.audit.services import record
from voucher.auth.models import ApiToken, Role, User
from voucher.db import utcnow
from voucher.errors import Duplicate, NotFound, ValidationFailed
from voucher.parishes.models import Parish

TOKEN_PREFIX = "vales_"  # noqa: S105 (a visible prefix, not a secret)
MIN_PASSWORD = 10


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
    if len(password) < MIN_PASSWORD:
        errors.append(
            (
                "password",
                f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres.",
            )
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


def sign_in(session: Session, email: str, password: str) -> User | None:
    """The user these credentials open, or None; a success and a failure are both
    kept in the audit trail."""
    user = authenticate(session, email, password)
    if user is None:
        record(session, "login_failed", email=normalise_email(email))
    else:
        record(session, "login", user=user)
    return user


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
