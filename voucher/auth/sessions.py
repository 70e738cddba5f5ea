"""Sign-ins that end. Each sign-in is a row with the SHA-256 of a secret that only the
browser holds (in its session and remember cookies, through ``User.get_id``); a cookie
opens the account while its row is neither ended nor expired and the user is active."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from voucher.auth.models import ApiToken, LoginSession, User
from voucher.db import utcnow

SEEN_EVERY = timedelta(minutes=5)  # last activity is written at most this often
KEEP_ENDED = timedelta(days=90)  # ended or expired sign-ins are kept this long, then dropped
DEFAULT_SESSION_HOURS = 24  # a sign-in without "keep me signed in"
DEFAULT_REMEMBER_SECONDS = 60 * 60 * 24 * 60


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _lifetime(remember: bool) -> timedelta:
    config = current_app.config if has_app_context() else {}
    if remember:
        duration = config.get("REMEMBER_COOKIE_DURATION", DEFAULT_REMEMBER_SECONDS)
        return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)
    return timedelta(hours=config.get("LOGIN_SESSION_HOURS", DEFAULT_SESSION_HOURS))


def open_session(session: Session, user: User, *, remember: bool) -> str:
    """Start a sign-in for ``user``; its secret goes to the browser only (via get_id)."""
    clear = secrets.token_urlsafe(32)
    now = utcnow()
    old = now - KEEP_ENDED
    session.execute(
        sa.delete(LoginSession).where(
            LoginSession.user_id == user.id,
            sa.or_(LoginSession.expires_at < old, LoginSession.ended_at < old),
        )
    )
    session.add(
        LoginSession(
            user_id=user.id,
            secret_hash=_hash(clear),
            remember=remember,
            created_at=now,
            expires_at=now + _lifetime(remember),
            last_seen_at=now,
        )
    )
    session.flush()
    user.session_secret = clear
    return clear


def user_for_cookie(session: Session, value: str) -> User | None:
    """The active user whose live sign-in ``value`` ("<id>.<secret>") names, or None."""
    user_id, _dot, clear = value.partition(".")
    if not user_id.isdigit() or len(user_id) > 10 or not clear or len(clear) > 100:
        return None
    now = utcnow()
    found = session.execute(
        sa.select(User, LoginSession.id, LoginSession.last_seen_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.secret_hash == _hash(clear),
            LoginSession.user_id == int(user_id),
            LoginSession.ended_at.is_(None),
            LoginSession.expires_at > now,
        )
    ).first()
    if found is None or not found[0].active:
        return None
    user, row_id, last_seen_at = found
    if last_seen_at is None or now - last_seen_at > SEEN_EVERY:
        session.execute(
            sa.update(LoginSession.__table__)
            .where(LoginSession.__table__.c.id == row_id)
            .values(last_seen_at=now)
        )
    user.session_secret = clear
    return user


def end_session(session: Session, user: User) -> None:
    """End the sign-in this request came with (logout)."""
    if user.session_secret is None:
        return
    session.execute(
        sa.update(LoginSession.__table__)
        .where(
            LoginSession.__table__.c.secret_hash == _hash(user.session_secret),
            LoginSession.__table__.c.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
    )


def end_everywhere(session: Session, user: User) -> tuple[int, int]:
    """End every sign-in of ``user`` and revoke every API token of theirs, at once.
    Returns how many sign-ins and tokens were still live."""
    session.flush()  # the caller's pending changes (a new hash, active=False) first
    now = utcnow()
    sessions = session.execute(
        sa.update(LoginSession.__table__)
        .where(
            LoginSession.__table__.c.user_id == user.id,
            LoginSession.__table__.c.ended_at.is_(None),
            LoginSession.__table__.c.expires_at > now,
        )
        .values(ended_at=now)
    ).rowcount
    tokens = session.execute(
        sa.update(ApiToken.__table__)
        .where(
            ApiToken.__table__.c.user_id == user.id,
            ApiToken.__table__.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    ).rowcount
    return sessions, tokens
