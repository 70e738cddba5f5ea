"""Redeeming vouchers at a shop: the charge.

Double spending is stopped by the database: one conditional relative UPDATE of the
voucher's remaining value that must change exactly one row, in the same transaction
as the redemption row and its ledger entry.

Row locks on PostgreSQL are always taken in one order, so a redemption, a void, a
settlement and an issuance never wait on each other crosswise: the voucher row, then
the shop's payable account, then the redemption row, then the program (when value
returns to its fund), then the parish's ledger head (inside posting). SQLite writers
hold the whole database from BEGIN IMMEDIATE. (shops.locks takes them.)

The rest of the till lives next door, and is named here too for callers: the scan log
and the unknown-code brake (shops.scanning), the lookup and its refusals
(shops.lookup), voids (shops.voiding).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from voucher.audit.services import record
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.db import utcnow
from voucher.errors import Forbidden, IdempotencyMismatch
from voucher.ledger import chart, flows
from voucher.money import MAX_AMOUNT
from voucher.parishes.models import Parish
from voucher.shops.locks import lock_payable
from voucher.shops.lookup import Lookup, lookup, refusal_for, resolve
from voucher.shops.models import Shop
from voucher.shops.scanning import (
    Limits,
    Scanner,
    check_rate,
    guarded,
    limits_from_config,
    log_scan,
)
from voucher.shops.voiding import (
    AlreadySettled,
    AlreadyVoided,
    TooLateToVoid,
    get_redemption,
    shop_can_void,
    void_deadline,
    void_redemption,
)
from voucher.vouchers import rules
from voucher.vouchers.codes import CodeKeys, CodeTypo, normalize_code
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher, VoucherStatus

__all__ = [
    "AlreadySettled",
    "AlreadyVoided",
    "Limits",
    "Lookup",
    "Scanner",
    "TooLateToVoid",
    "check_rate",
    "get_redemption",
    "limits_from_config",
    "lookup",
    "redeem",
    "refusal_for",
    "request_hash",
    "shop_can_void",
    "status_after_charge",
    "void_deadline",
    "void_redemption",
]

MAX_KEY_LENGTH = 100

_REDEMPTION = Redemption.__table__
_VOUCHER = Voucher.__table__
_P = sa.bindparam


def status_after_charge(remaining_after: Any, status: Any) -> sa.ColumnElement:
    """rules.status_after_redeem as SQL: the status column's new value in the same
    UPDATE that takes the value (tests/shops/test_status_rule.py holds them equal)."""
    return sa.case(
        (remaining_after == rules.USED_UP_AT, rules.USED_UP.value),
        else_=status,
    )


# The hot path speaks plain SQL, built once: every charge runs these, and SQLAlchemy then
# reuses each one's compiled form without rebuilding or re-keying it.
_REMAINING_AFTER = _VOUCHER.c.remaining - _P("taken")
_TAKE = (
    sa.update(_VOUCHER)
    .where(
        _VOUCHER.c.id == _P("voucher_id"),
        _VOUCHER.c.status == VoucherStatus.ACTIVE,
        _VOUCHER.c.remaining >= _P("taken"),
        _VOUCHER.c.expires_on >= _P("day"),
    )
    .values(
        remaining=_REMAINING_AFTER,
        status=status_after_charge(_REMAINING_AFTER, _VOUCHER.c.status),
    )
    .returning(_VOUCHER.c.remaining, _VOUCHER.c.status)
)
_INSERT_REDEMPTION = sa.insert(_REDEMPTION).returning(_REDEMPTION.c.id)
_BY_KEY = sa.select(_REDEMPTION.c.id, _REDEMPTION.c.request_hash).where(
    _REDEMPTION.c.idempotency_key == _P("key")
)


def request_hash(code_hash: str, amount: Any, shop_id: int | None) -> str:
    return hashlib.sha256(f"{code_hash}|{amount}|{shop_id}".encode()).hexdigest()


def _safe_hash(code_text: str, keys: CodeKeys) -> str | None:
    try:
        return keys.lookup_hash(normalize_code(code_text or ""))
    except CodeTypo:
        return None


def _valid_amount(amount: Any) -> bool:
    return not isinstance(amount, bool) and isinstance(amount, int) and 0 < amount <= MAX_AMOUNT


def _stored_key(scanner: Scanner, idempotency_key: str) -> str:
    """The key as kept: scoped to the user, since clients choose keys and two users may
    well both pick "1"."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyMismatch(
            _l("Falta la clave de operación (Idempotency-Key) o es demasiado larga.")
        )
    return f"{scanner.user.id}:{key}"


def redeem(
    session: Session,
    scanner: Scanner,
    code_text: str,
    amount: Any,
    *,
    idempotency_key: str,
    keys: CodeKeys,
    limits: Limits = Limits(),
    today: date | None = None,
) -> tuple[Redemption, bool]:
    """Charge ``amount`` pesos of a voucher at the scanner's shop.

    Returns (redemption, replayed). A retried request with the same idempotency key
    (scoped to the user) returns the original redemption and moves no money, even
    when the retry races the original; the same key with another code, amount or
    shop is refused (422). Refuses unknown codes and typos (404), used-up or short
    vouchers (409), expired, cancelled or replaced ones (410), categories the shop
    does not take and parishes it is not enrolled in (403), bad amounts (422), and
    too many unknown codes (429). Unknown codes are refused before the amount is
    looked at, so every guess counts against the brake.
    """
    shop = scanner.shop
    if shop is None or scanner.user.role != Role.SHOPKEEPER:
        raise Forbidden()
    stored_key = _stored_key(scanner, idempotency_key)
    wanted = request_hash(_safe_hash(code_text, keys) or "", amount, shop.id)

    def work() -> tuple[Redemption, bool]:
        replay = _replay(session, stored_key, wanted)
        if replay is not None:
            return replay, True
        check_rate(session, getattr(scanner.user, "id", None), scanner.ip, limits)
        voucher, parish, code_hash = resolve(session, scanner, code_text, keys)
        day = today or local_today(parish.timezone)
        _refuse_unless_chargeable(session, voucher, parish, shop, day, amount)
        accounts = chart.redemption_accounts(session, voucher.parish_id, shop.id)
        if not _take(session, voucher, amount, day):
            return _lost_race(session, stored_key, wanted, (voucher, parish, shop, day, amount))
        try:
            redemption = _insert_redemption(
                session,
                parish_id=voucher.parish_id,
                voucher_id=voucher.id,
                shop_id=shop.id,
                user_id=scanner.user.id,
                device_id=scanner.device_id,
                amount=amount,
                idempotency_key=stored_key,
                request_hash=wanted,
            )
        except IntegrityError as clash:
            return _twin_committed(session, stored_key, wanted, clash)
        set_committed_value(redemption, "voucher", voucher)  # callers read it: keep it loaded
        _keep_and_post(session, scanner, redemption, code_hash, accounts)
        return redemption, False

    return guarded(session, scanner, "redeem", work)


def _refuse_unless_chargeable(
    session: Session,
    voucher: Voucher,
    parish: Parish,
    shop: Shop,
    day: date,
    amount: Any,
) -> None:
    valid = _valid_amount(amount)
    refusal = refusal_for(session, voucher, parish, shop, day, amount if valid else None)
    if refusal is None and not valid:
        refusal = rules.BadAmount()
    if refusal is not None:
        refusal.voucher = voucher
        raise refusal


def _lost_race(
    session: Session, stored_key: str, wanted: str, attempt: tuple
) -> tuple[Redemption, bool]:
    """The value was spent between our read and our write: by a retry of this very
    request (answer as it did), or by someone else (say why, from the fresh row)."""
    replay = _replay(session, stored_key, wanted)
    if replay is not None:
        return replay, True
    voucher, parish, shop, day, amount = attempt
    session.expire(voucher)
    refusal = refusal_for(session, voucher, parish, shop, day, amount)
    refusal = refusal or rules.AlreadyUsed(date="", shop="")
    refusal.voucher = voucher
    raise refusal


def _twin_committed(
    session: Session, stored_key: str, wanted: str, clash: IntegrityError
) -> tuple[Redemption, bool]:
    """The same key committed concurrently: answer with that one."""
    session.rollback()
    replay = _replay(session, stored_key, wanted)
    if replay is None:
        raise clash
    return replay, True


def _keep_and_post(
    session: Session,
    scanner: Scanner,
    redemption: Redemption,
    code_hash: str,
    accounts: tuple[int, int | None],
) -> None:
    """The scan log and the audit trail first: on PostgreSQL the ledger head stays
    locked from posting until the commit, so posting comes last."""
    voucher, shop = redemption.voucher, scanner.shop
    log_scan(session, scanner, action="redeem", voucher=voucher, code_hash=code_hash)
    record(
        session,
        "redemption",
        user=scanner.user,
        parish_id=voucher.parish_id,
        shop_id=shop.id,
        obj=redemption,
        amount=redemption.amount,
        serial=voucher.serial,
    )
    outstanding, payable = accounts
    if payable is None:  # opened here, under the write lock, never twice
        payable = chart.open_payable_account(session, voucher.parish_id, shop.id, shop.name)
    lock_payable(session, payable)
    flows.redemption(
        session,
        parish_id=voucher.parish_id,
        accounts=(outstanding, payable),
        redemption_id=redemption.id,
        voucher_id=voucher.id,
        amount=redemption.amount,
        serial=voucher.serial,
        user_id=scanner.user.id,
    )


def _take(session: Session, voucher: Voucher, amount: int, day: date) -> bool:
    """The one conditional UPDATE that moves value out of a voucher; False when the
    voucher no longer has it (used, short, expired or cancelled meanwhile)."""
    changed = session.execute(
        _TAKE, {"voucher_id": voucher.id, "taken": amount, "day": day}
    ).first()
    if changed is None:
        return False
    # The new values came back with the UPDATE: no second read of the row.
    set_committed_value(voucher, "remaining", changed[0])
    set_committed_value(voucher, "status", VoucherStatus(changed[1]))
    return True


def _insert_redemption(session: Session, **values: Any) -> Redemption:
    """INSERT the row and hand back its object as if loaded: no flush, no second read."""
    values.update(
        status=RedemptionStatus.COMMITTED,
        created_at=utcnow(),
        voided_at=None,
        voided_by_id=None,
        void_reason="",
        settlement_id=None,
    )
    new_id = session.execute(_INSERT_REDEMPTION, values).scalar_one()
    redemption = Redemption(id=new_id, **values)
    make_transient_to_detached(redemption)
    session.add(redemption)
    return redemption


def _replay(session: Session, key: str, wanted: str) -> Redemption | None:
    found = session.execute(_BY_KEY, {"key": key}).first()
    if found is None:
        return None
    if found.request_hash != wanted:
        raise IdempotencyMismatch()
    return session.get(Redemption, found.id)
