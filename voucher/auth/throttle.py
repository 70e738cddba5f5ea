"""The sign-in brake, counted in the database so every worker sees the same counts.

- Per account and client: after ``LOGIN_FAILURE_LIMIT_PER_ACCOUNT`` wrong passwords for
  one e-mail from one address within the window, that client waits until the oldest
  of them leaves the window. The same account signed in from another client that has
  not failed is not refused.
- Per account, across clients: once an account has ``LOGIN_FAILURE_ACCOUNT_CEILING`` wrong
  passwords within the window from anywhere (guesses spread over many addresses), a client
  that has failed on it even once waits like a locked-out one; a client that has not
  failed still gets its try.
- Per address, across accounts: after ``LOGIN_FAILURE_SLOW_AFTER`` wrong passwords from
  one address within the window (one password tried on many e-mails), each further try
  from it waits twice as long as the one before (5 s, 10 s, 20 s … up to the window).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_ngettext
from sqlalchemy.orm import Session

from voucher.auth.models import LoginFailure
from voucher.db import utcnow
from voucher.errors import DomainError

FIRST_PAUSE_SECONDS = 5
KEEP_FAILURES = timedelta(days=1)


class LoginThrottled(DomainError):
    status = 429
    reason = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        if self.retry_after < 60:
            message = lazy_ngettext(
                "Demasiados intentos fallidos. Espere %(num)s segundo e intente de nuevo.",
                "Demasiados intentos fallidos. Espere %(num)s segundos e intente de nuevo.",
                self.retry_after,
            )
        else:
            message = lazy_ngettext(
                "Demasiados intentos fallidos. Espere %(num)s minuto e intente de nuevo.",
                "Demasiados intentos fallidos. Espere %(num)s minutos e intente de nuevo.",
                (self.retry_after + 59) // 60,
            )
        super().__init__(message)


def _settings() -> tuple[int, int, int, timedelta]:
    config = current_app.config
    return (
        int(config.get("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", 5)),
        int(config.get("LOGIN_FAILURE_ACCOUNT_CEILING", 20)),
        int(config.get("LOGIN_FAILURE_SLOW_AFTER", 10)),
        timedelta(minutes=int(config.get("LOGIN_FAILURE_WINDOW_MINUTES", 15))),
    )


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))


def check(session: Session, email: str, address: str) -> None:
    """Raise LoginThrottled when this client must wait before trying again."""
    per_account, ceiling, slow_after, window = _settings()
    now = utcnow()
    since = now - window
    mine = session.execute(
        sa.select(sa.func.count(), sa.func.min(LoginFailure.at)).where(
            LoginFailure.email == email, LoginFailure.address == address, LoginFailure.at > since
        )
    ).one()
    if mine[0] >= per_account:
        raise LoginThrottled(_seconds(mine[1] + window - now))
    if mine[0] >= 1:
        everyone = session.scalar(
            sa.select(sa.func.count()).where(LoginFailure.email == email, LoginFailure.at > since)
        )
        if everyone >= ceiling:
            raise LoginThrottled(_seconds(mine[1] + window - now))
    from_address = session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginFailure.at)).where(
            LoginFailure.address == address, LoginFailure.at > since
        )
    ).one()
    if from_address[0] >= slow_after:
        steps = min(from_address[0] - slow_after, 20)
        pause = min(timedelta(seconds=FIRST_PAUSE_SECONDS * 2**steps), window)
        ready = from_address[1] + pause
        if ready > now:
            raise LoginThrottled(_seconds(ready - now))


def failed(session: Session, email: str, address: str) -> None:
    """Count a wrong password; failures older than a day are dropped meanwhile."""
    now = utcnow()
    session.execute(sa.delete(LoginFailure).where(LoginFailure.at < now - KEEP_FAILURES))
    session.add(LoginFailure(email=email[:254], address=address[:64], at=now))
    session.flush()


def succeeded(session: Session, email: str, address: str) -> None:
    """The right password: this client's failures on the account are forgotten."""
    session.execute(
        sa.delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.address == address)
    )
