"""Reading vouchers: lists and filters, one voucher's history, rounds, and the public
status of a printed code. Only the status lookup writes (its scan-log line)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import Session, contains_eager

from voucher.dates import local_today
from voucher.extensions import db
from voucher.families.models import Family
from voucher.parishes.models import Parish
from voucher.vouchers.brake import Limits, check_rate
from voucher.vouchers.codes import CodeKeys, CodeTypo, normalize_code
from voucher.vouchers.models import Redemption, ReplacedCode, Round, ScanLog, Voucher, VoucherStatus
from voucher.vouchers.rules import effective_status
from voucher.vouchers.services import find_by_code, state_of

STATUS_FILTERS = ("active", "redeemed", "expired", "cancelled")
SKIP_REASONS = ("already_served", "inactive")
SERIAL_SEARCH_MAX = 30


def voucher_query(
    parish_id: int,
    *,
    today: date,
    status: str | None = None,
    program_id: int | None = None,
    family_id: int | None = None,
    serial: str = "",
) -> sa.Select:
    """The parish's vouchers, filtered. ``status`` is what a person would see: an
    active voucher past its valid-until day counts as expired even before the daily
    job has closed it."""
    query = sa.select(Voucher).where(Voucher.parish_id == parish_id)
    if status == VoucherStatus.ACTIVE:
        query = query.where(Voucher.status == VoucherStatus.ACTIVE, Voucher.expires_on >= today)
    elif status == VoucherStatus.EXPIRED:
        query = query.where(
            sa.or_(
                Voucher.status == VoucherStatus.EXPIRED,
                sa.and_(Voucher.status == VoucherStatus.ACTIVE, Voucher.expires_on < today),
            )
        )
    elif status in STATUS_FILTERS:
        query = query.where(Voucher.status == status)
    if program_id:
        query = query.where(Voucher.program_id == program_id)
    if family_id:
        query = query.where(Voucher.family_id == family_id)
    serial = "".join(serial.split()).upper()[:SERIAL_SEARCH_MAX]
    if serial:
        query = query.where(sa.func.upper(Voucher.serial).contains(serial, autoescape=True))
    return query.order_by(Voucher.id.desc())


def voucher_page(
    parish_id: int, *, today: date, page: int | None, per_page: int, **filters: Any
) -> Pagination:
    """One page of ``voucher_query`` for the web list."""
    query = voucher_query(parish_id, today=today, **filters)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def family_vouchers(session: Session, family: Family) -> list[Voucher]:
    """The household's vouchers, newest first."""
    return list(
        session.scalars(
            sa.select(Voucher).where(Voucher.family_id == family.id).order_by(Voucher.id.desc())
        )
    )


@dataclass
class RedemptionLine:
    redemption: Redemption
    shop_name: str


def redemptions_of(session: Session, voucher: Voucher) -> list[RedemptionLine]:
    rows = session.scalars(
        sa.select(Redemption)
        .join(Redemption.shop)
        .options(contains_eager(Redemption.shop))
        .where(Redemption.voucher_id == voucher.id)
        .order_by(Redemption.id)
    )
    return [RedemptionLine(redemption, redemption.shop.name) for redemption in rows]


def replacements_of(session: Session, voucher: Voucher) -> list[ReplacedCode]:
    return list(
        session.scalars(
            sa.select(ReplacedCode)
            .where(ReplacedCode.voucher_id == voucher.id)
            .order_by(ReplacedCode.id)
        )
    )


def family_names(session: Session, parish_id: int, family_ids: list[int]) -> dict[int, str]:
    """Head-of-household names for staff pages, one query per 500 families."""
    names: dict[int, str] = {}
    for start in range(0, len(family_ids), 500):
        chunk = family_ids[start : start + 500]
        names.update(
            session.execute(
                sa.select(Family.id, Family.head_name).where(
                    Family.id.in_(chunk), Family.parish_id == parish_id
                )
            ).all()
        )
    return names


def live_value_by_program(session: Session, parish_id: int) -> dict[int, int]:
    """Program id -> the value left on its vouchers whose status is active."""
    return dict(
        session.execute(
            sa.select(Voucher.program_id, sa.func.sum(Voucher.remaining))
            .where(Voucher.parish_id == parish_id, Voucher.status == VoucherStatus.ACTIVE)
            .group_by(Voucher.program_id)
        ).all()
    )


def rounds_query(parish_id: int) -> sa.Select:
    return sa.select(Round).where(Round.parish_id == parish_id).order_by(Round.id.desc())


def rounds_page(parish_id: int, *, page: int | None, per_page: int) -> Pagination:
    return db.paginate(rounds_query(parish_id), page=page, per_page=per_page, error_out=False)


def skipped_of(issue: Round) -> list[dict[str, Any]]:
    """The families a round left out, with why (``already_served`` or ``inactive``)."""
    try:
        skipped = json.loads(issue.skipped_json or "[]")
    except ValueError:
        return []
    return [s for s in skipped if isinstance(s, dict) and s.get("reason") in SKIP_REASONS]


# --- what a printed code says, to anyone -------------------------------------------------

PUBLIC_STATES = {
    VoucherStatus.ACTIVE: "valid",
    VoucherStatus.REDEEMED: "used",
    VoucherStatus.EXPIRED: "expired",
    VoucherStatus.CANCELLED: "cancelled",
}


@dataclass
class PublicStatus:
    """``state``: valid | used | expired | cancelled | replaced | unknown | typo."""

    state: str
    voucher: Voucher | None = None
    parish: Parish | None = None


def public_status(
    session: Session,
    code_text: str,
    *,
    keys: CodeKeys,
    user_id: int | None,
    ip: str | None,
    limits: Limits,
    today: date | None = None,
) -> PublicStatus:
    """What the paper's QR link says about its voucher: its state (an overdue voucher
    is expired even before the daily job), never who holds it. A typo is caught by the
    check symbol before any lookup; every lookup is kept in the scan log, and whoever
    keeps trying unknown codes is braked like a guesser at a till (RateLimited)."""
    try:
        code = normalize_code(code_text or "")
    except CodeTypo:
        return PublicStatus("typo")
    check_rate(session, user_id, ip, limits)
    code_hash = keys.lookup_hash(code)
    voucher, parish, replaced = find_by_code(session, code_hash)
    if voucher is None:
        _log(session, user_id, ip, code_hash, None, "unknown_code")
        return PublicStatus("unknown")
    if replaced:
        state = "replaced"
    else:
        day = today or local_today(parish.timezone)
        state = PUBLIC_STATES[effective_status(state_of(voucher), day)]
    _log(session, user_id, ip, code_hash, voucher, "" if state == "valid" else state)
    return PublicStatus(state, voucher, parish)


def _log(
    session: Session,
    user_id: int | None,
    ip: str | None,
    code_hash: str,
    voucher: Voucher | None,
    reason: str,
) -> None:
    session.add(
        ScanLog(
            user_id=user_id,
            parish_id=voucher.parish_id if voucher is not None else None,
            voucher_id=voucher.id if voucher is not None else None,
            ip=(ip or "")[:45] or None,
            code_hash=code_hash,
            action="status",
            result="refused" if reason else "ok",
            reason=reason,
        )
    )
