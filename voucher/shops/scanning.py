"""Who is scanning, the scan log every lookup and charge leaves, and the unknown-code
brake that slows down, then blocks, someone guessing codes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.db import utcnow
from voucher.errors import RateLimited
from voucher.shops.models import Shop
from voucher.vouchers import rules
from voucher.vouchers.models import ScanLog, Voucher

T = TypeVar("T")

# The hot path speaks plain SQL, built once: every scan and charge runs these, and
# SQLAlchemy then reuses each one's compiled form without rebuilding or re-keying it.
_SCAN = ScanLog.__table__
_P = sa.bindparam

_LOG_SCAN = sa.insert(_SCAN)
_FAILURES = sa.select(sa.func.count(), sa.func.min(_SCAN.c.at), sa.func.max(_SCAN.c.at)).where(
    _SCAN.c.reason == "unknown_code",
    _SCAN.c.at >= _P("since"),
    sa.or_(_SCAN.c.user_id == _P("user_id"), _SCAN.c.ip == _P("ip")),
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


@dataclass
class Scanner:
    """Who is scanning: the user, their shop (None for parish staff) and address."""

    user: Any
    shop: Shop | None
    ip: str | None
    device_id: int | None = None  # the paired phone, when one is scanning


def log_scan(
    session: Session,
    scanner: Scanner,
    *,
    action: str,
    reason: str = "",
    voucher: Voucher | None = None,
    code_hash: str | None = None,
) -> None:
    parish_id = (
        voucher.parish_id if voucher is not None else getattr(scanner.user, "parish_id", None)
    )
    # A plain INSERT: nothing reads the row back, and this runs on every scan.
    session.execute(
        _LOG_SCAN,
        {
            "at": utcnow(),
            "user_id": getattr(scanner.user, "id", None),
            "shop_id": scanner.shop.id if scanner.shop else None,
            "parish_id": parish_id,
            "voucher_id": voucher.id if voucher is not None else None,
            "ip": scanner.ip,
            "code_hash": code_hash,
            "action": action,
            "result": "refused" if reason else "ok",
            "reason": reason,
        },
    )


def check_rate(
    session: Session, scanner: Scanner, limits: Limits, now: datetime | None = None
) -> None:
    """Slow down, then block, a user or address that keeps trying unknown codes.

    The count lives in the scan log, so every worker and every server sharing the
    database sees the same one.
    """
    now = now or utcnow()
    since = now - limits.window
    user_id = getattr(scanner.user, "id", None)
    if user_id is None and not scanner.ip:
        return
    # A missing user or address matches nothing (NULL never equals).
    count, first, last = session.execute(
        _FAILURES, {"since": since, "user_id": user_id, "ip": scanner.ip}
    ).one()
    if count >= limits.block_after:
        raise RateLimited(retry_after=_seconds_until(first + limits.window, now))
    if count >= limits.slow_after and last is not None and now - last < limits.pause:
        raise RateLimited(retry_after=_seconds_until(last + limits.pause, now))


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds()) + 1)


def guarded(
    session: Session,
    scanner: Scanner,
    action: str,
    work: Callable[[], T],
    *,
    code_hash: str | None = None,
) -> T:
    """Run a lookup or redemption; whatever the outcome, keep it in the scan log.

    A refusal rolls back the attempt, then records the refusal in its own small
    transaction, so the log survives while no money moved. This is the one service
    that commits, because the log must outlive the refused request.
    """
    try:
        return work()
    except (rules.RedemptionRefused, RateLimited) as refusal:
        session.rollback()
        log_scan(
            session,
            scanner,
            action=action,
            reason=refusal.reason,
            voucher=getattr(refusal, "voucher", None),
            code_hash=getattr(refusal, "code_hash", code_hash),
        )
        session.commit()
        raise
