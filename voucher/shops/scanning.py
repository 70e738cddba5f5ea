"""Who is scanning, and the scan log every lookup and charge leaves (the unknown-code
brake that reads it is voucher.vouchers.brake)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.db import utcnow
from voucher.errors import RateLimited
from voucher.shops.models import Shop
from voucher.vouchers import rules
from voucher.vouchers.brake import Limits, check_rate, limits_from_config
from voucher.vouchers.models import ScanLog, Voucher

T = TypeVar("T")

__all__ = ["Limits", "Scanner", "check_rate", "guarded", "limits_from_config", "log_scan"]

# The hot path speaks plain SQL, built once: every scan and charge runs these, and
# SQLAlchemy then reuses each one's compiled form without rebuilding or re-keying it.
_SCAN = ScanLog.__table__
_P = sa.bindparam

_LOG_SCAN = sa.insert(_SCAN)


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
