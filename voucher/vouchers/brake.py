"""The unknown-code brake: it slows down, then blocks, whoever keeps trying codes that do
not exist, at a shop's till, on the API or on the public page a QR opens.

The count lives in the scan log, so every worker and every server sharing the database
sees the same one. It is aimed at the guesser: a signed-in user's (or paired phone's)
misses count against that user alone, and an anonymous visitor's against that address
alone, so guesses from the public page cannot lock out a shop behind the same address
(a shared connection, or a reverse proxy not yet trusted), nor one shopkeeper's typos
the shop next door."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.db import utcnow
from voucher.errors import RateLimited
from voucher.vouchers.models import ScanLog

_SCAN = ScanLog.__table__
_P = sa.bindparam
_MISSES = (sa.func.count(), sa.func.min(_SCAN.c.at), sa.func.max(_SCAN.c.at))
_USER_MISSES = sa.select(*_MISSES).where(
    _SCAN.c.user_id == _P("user_id"),
    _SCAN.c.reason == "unknown_code",
    _SCAN.c.at >= _P("since"),
)
_ANONYMOUS_MISSES = sa.select(*_MISSES).where(
    _SCAN.c.ip == _P("ip"),
    _SCAN.c.reason == "unknown_code",
    _SCAN.c.at >= _P("since"),
    _SCAN.c.user_id.is_(None),
)


@dataclass(frozen=True)
class Limits:
    slow_after: int = 5
    block_after: int = 10
    window: timedelta = timedelta(minutes=10)
    pause: timedelta = timedelta(seconds=30)
    void_window: timedelta = timedelta(minutes=15)


def limits_from_config(config: Mapping[str, Any]) -> Limits:
    """The unknown-code brake and the shop's void window, from the app settings."""
    default = Limits()
    return Limits(
        slow_after=int(config.get("UNKNOWN_CODE_SLOW_AFTER", default.slow_after)),
        block_after=int(config.get("UNKNOWN_CODE_BLOCK_AFTER", default.block_after)),
        window=timedelta(minutes=int(config.get("UNKNOWN_CODE_WINDOW_MINUTES", 10))),
        void_window=timedelta(minutes=int(config.get("VOID_WINDOW_MINUTES", 15))),
    )


def check_rate(
    session: Session,
    user_id: int | None,
    ip: str | None,
    limits: Limits,
    now: datetime | None = None,
) -> None:
    """Refuse (RateLimited, with the wait) a user, or an anonymous address, that keeps
    trying unknown codes: a pause after ``slow_after`` misses in the window, a block
    after ``block_after``."""
    now = now or utcnow()
    since = now - limits.window
    if user_id is not None:
        misses = session.execute(_USER_MISSES, {"since": since, "user_id": user_id})
    elif ip:
        misses = session.execute(_ANONYMOUS_MISSES, {"since": since, "ip": ip})
    else:
        return
    count, first, last = misses.one()
    if count >= limits.block_after:
        raise RateLimited(retry_after=_seconds_until(first + limits.window, now))
    if count >= limits.slow_after and last is not None and now - last < limits.pause:
        raise RateLimited(retry_after=_seconds_until(last + limits.pause, now))


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds()) + 1)
