"""Looking up and redeeming vouchers at a shop, and voiding redemptions.

Double spending is stopped by the database: one conditional relative UPDATE of the
voucher's remaining value that must change exactly one row, in the same transaction
as the redemption row and its ledger entry.

Row locks on PostgreSQL are always taken in one order, so a redemption, a void, a
settlement and an issuance never wait on each other crosswise: the voucher row, then
the shop's payable account, then the redemption row, then the program (when value
returns to its fund), then the parish's ledger head (inside posting). SQLite writers
hold the whole database from BEGIN IMMEDIATE.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from voucher.audit.services import record
from voucher.auth.models import Role
from voucher.dates import format_date, local_today, to_local
from voucher.db import lock_rows, utcnow, valid_id
from voucher.errors import Conflict, Forbidden, IdempotencyMismatch, NotFound, RateLimited
from voucher.ledger import chart, flows
from voucher.ledger.models import Account
from voucher.money import MAX_AMOUNT, format_clp
from voucher.parishes.models import Parish
from voucher.programs import funds
from voucher.programs.models import CATEGORY_LABELS
from voucher.shops.models import Shop, ShopParish
from voucher.vouchers import rules
from voucher.vouchers.codes import CodeKeys, CodeTypo, normalize_code
from voucher.vouchers.models import Redemption, RedemptionStatus, ScanLog, Voucher, VoucherStatus
from voucher.vouchers.services import close_voucher, find_by_code, state_of

T = TypeVar("T")
MAX_KEY_LENGTH = 100

# The hot path speaks plain SQL, built once: every scan and charge runs these, and
# SQLAlchemy then reuses each one's compiled form without rebuilding or re-keying it.
_SCAN = ScanLog.__table__
_REDEMPTION = Redemption.__table__
_VOUCHER = Voucher.__table__
_ENROLMENT = ShopParish.__table__
_ACCOUNT = Account.__table__
_P = sa.bindparam

_LOG_SCAN = sa.insert(_SCAN)
_FAILURES_COLUMNS = (
    sa.func.count(),
    sa.func.min(_SCAN.c.at),
    sa.func.max(_SCAN.c.at),
)
_FAILURES = sa.select(*_FAILURES_COLUMNS).where(
    _SCAN.c.reason == "unknown_code",
    _SCAN.c.at >= _P("since"),
    sa.or_(_SCAN.c.user_id == _P("user_id"), _SCAN.c.ip == _P("ip")),
)
_ENROLLED = sa.select(_ENROLMENT.c.id).where(
    _ENROLMENT.c.shop_id == _P("shop_id"),
    _ENROLMENT.c.parish_id == _P("parish_id"),
    _ENROLMENT.c.active.is_(True),
)
_TAKE = (
    sa.update(_VOUCHER)
    .where(
        _VOUCHER.c.id == _P("voucher_id"),
        _VOUCHER.c.status == VoucherStatus.ACTIVE,
        _VOUCHER.c.remaining >= _P("taken"),
        _VOUCHER.c.expires_on >= _P("day"),
    )
    .values(
        remaining=_VOUCHER.c.remaining - _P("taken"),
        status=sa.case(
            (_VOUCHER.c.remaining == _P("taken"), VoucherStatus.REDEEMED.value),
            else_=VoucherStatus.ACTIVE.value,
        ),
    )
    .returning(_VOUCHER.c.remaining, _VOUCHER.c.status)
)
_INSERT_REDEMPTION = sa.insert(_REDEMPTION).returning(_REDEMPTION.c.id)
_LOCK_ACCOUNT = sa.select(_ACCOUNT.c.id).where(_ACCOUNT.c.id == _P("account_id")).with_for_update()
_BY_KEY = sa.select(_REDEMPTION.c.id, _REDEMPTION.c.request_hash).where(
    _REDEMPTION.c.idempotency_key == _P("key")
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


@dataclass
class Lookup:
    voucher: Voucher
    parish: Parish
    refusal: rules.RedemptionRefused | None

    @property
    def redeemable(self) -> bool:
        return self.refusal is None


class TooLateToVoid(Conflict):
    reason = "too_late"
    message = _l(
        "Ya pasaron más de %(minutes)s minutos: pida la anulación a la tesorería de la parroquia."
    )


class AlreadySettled(Conflict):
    reason = "settled"
    message = _l("Este canje ya fue pagado al comercio y no se puede anular.")


class AlreadyVoided(Conflict):
    reason = "already_voided"
    message = _l("Este canje ya estaba anulado.")


def request_hash(code_hash: str, amount: Any, shop_id: int | None) -> str:
    return hashlib.sha256(f"{code_hash}|{amount}|{shop_id}".encode()).hexdigest()


def void_deadline(redemption: Redemption, limits: Limits = Limits()) -> datetime:
    """Until when the shop itself may still void this redemption."""
    return redemption.created_at + limits.void_window


def shop_can_void(
    redemption: Redemption, limits: Limits = Limits(), now: datetime | None = None
) -> bool:
    """Whether the shop's own void button applies (the service decides in the end)."""
    return (
        redemption.status == RedemptionStatus.COMMITTED
        and redemption.settlement_id is None
        and (now or utcnow()) <= void_deadline(redemption, limits)
    )


# --- the scan log and the unknown-code brake -------------------------------------------


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


# --- refusals ----------------------------------------------------------------------------


def _last_use(session: Session, voucher: Voucher) -> tuple[str, str]:
    row = session.execute(
        sa.select(Redemption.created_at, Shop.name)
        .join(Shop, Shop.id == Redemption.shop_id)
        .where(
            Redemption.voucher_id == voucher.id,
            Redemption.status == RedemptionStatus.COMMITTED,
        )
        .order_by(Redemption.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return "", ""
    return format_date(to_local(row[0]).date()), row[1]


def refusal_for(
    session: Session,
    voucher: Voucher,
    parish: Parish,
    shop: Shop | None,
    today: date,
    amount: int | None = None,
) -> rules.RedemptionRefused | None:
    """Why this shop cannot take this voucher now, or None. Shops are checked for
    category and enrolment; parish staff (no shop) see only the voucher's own state."""
    status = rules.effective_status(state_of(voucher), today)
    if status == VoucherStatus.CANCELLED:
        return rules.Cancelled()
    if status == VoucherStatus.EXPIRED:
        return rules.Expired(date=format_date(voucher.expires_on))
    if status == VoucherStatus.REDEEMED or voucher.remaining == 0:
        when, where = _last_use(session, voucher)
        return rules.AlreadyUsed(date=when, shop=where)
    if shop is not None:
        enrolled = session.scalar(_ENROLLED, {"shop_id": shop.id, "parish_id": parish.id})
        if enrolled is None or not shop.active:
            return rules.ShopNotEnrolled(parish=parish.name)
        if voucher.category.value not in shop.categories:
            label = CATEGORY_LABELS[voucher.category]
            return rules.CategoryNotAccepted(category=str(label))
    if amount is not None and amount > voucher.remaining:
        return rules.InsufficientBalance(remaining=format_clp(voucher.remaining))
    return None


def _resolve(
    session: Session, scanner: Scanner, code_text: str, keys: CodeKeys
) -> tuple[Voucher, Parish, str]:
    """The voucher a typed or scanned code names, with its parish. Refuses typos and
    unknown codes (both count against the unknown-code brake), old replaced codes, and
    another parish's voucher for parish staff (unknown to them)."""
    try:
        code = normalize_code(code_text or "")
    except CodeTypo:
        raise rules.CodeTypoRefused() from None
    code_hash = keys.lookup_hash(code)
    voucher, parish, replaced = find_by_code(session, code_hash)
    staff_parish = getattr(scanner.user, "parish_id", None)
    if voucher is None or (scanner.shop is None and voucher.parish_id != staff_parish):
        refusal = rules.UnknownCode()
        refusal.code_hash = code_hash
        raise refusal
    if replaced:
        refusal = rules.Replaced()
        refusal.code_hash = code_hash
        refusal.voucher = voucher
        raise refusal
    return voucher, parish, code_hash


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


def lookup(
    session: Session,
    scanner: Scanner,
    code_text: str,
    *,
    keys: CodeKeys,
    limits: Limits = Limits(),
    today: date | None = None,
) -> Lookup:
    """What the voucher screen shows. Unknown codes, typos and replaced codes raise
    (404/410), as does a user or address over the unknown-code brake (429); a known
    voucher comes back with its refusal reason (if any) for this shop."""

    def work() -> Lookup:
        check_rate(session, scanner, limits)
        voucher, parish, code_hash = _resolve(session, scanner, code_text, keys)
        refusal = refusal_for(
            session, voucher, parish, scanner.shop, today or local_today(parish.timezone)
        )
        log_scan(
            session,
            scanner,
            action="lookup",
            reason=refusal.reason if refusal else "",
            voucher=voucher,
            code_hash=code_hash,
        )
        return Lookup(voucher, parish, refusal)

    return guarded(session, scanner, "lookup", work)


def _safe_hash(code_text: str, keys: CodeKeys) -> str | None:
    try:
        return keys.lookup_hash(normalize_code(code_text or ""))
    except CodeTypo:
        return None


def _valid_amount(amount: Any) -> bool:
    return not isinstance(amount, bool) and isinstance(amount, int) and 0 < amount <= MAX_AMOUNT


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
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyMismatch(
            _l("Falta la clave de operación (Idempotency-Key) o es demasiado larga.")
        )
    # Keys are chosen by clients: two users may well both pick "1".
    stored_key = f"{scanner.user.id}:{key}"
    wanted = request_hash(_safe_hash(code_text, keys) or "", amount, shop.id)

    def work() -> tuple[Redemption, bool]:
        replay = _replay(session, stored_key, wanted)
        if replay is not None:
            return replay, True
        check_rate(session, scanner, limits)
        voucher, parish, code_hash = _resolve(session, scanner, code_text, keys)
        day = today or local_today(parish.timezone)
        valid = _valid_amount(amount)
        refusal = refusal_for(session, voucher, parish, shop, day, amount if valid else None)
        if refusal is None and not valid:
            refusal = rules.BadAmount()
        if refusal is not None:
            refusal.voucher = voucher
            raise refusal
        outstanding, payable = chart.redemption_accounts(session, voucher.parish_id, shop.id)
        if not _take(session, voucher, amount, day):
            # Spent between our read and our write: by a retry of this very request
            # (answer as it did), or by someone else (say why, from the fresh row).
            replay = _replay(session, stored_key, wanted)
            if replay is not None:
                return replay, True
            session.expire(voucher)
            refusal = refusal_for(session, voucher, parish, shop, day, amount)
            refusal = refusal or rules.AlreadyUsed(date="", shop="")
            refusal.voucher = voucher
            raise refusal
        try:
            redemption = _insert_redemption(
                session,
                parish_id=voucher.parish_id,
                voucher_id=voucher.id,
                shop_id=shop.id,
                user_id=scanner.user.id,
                amount=amount,
                idempotency_key=stored_key,
                request_hash=wanted,
            )
        except IntegrityError:
            # The same key committed concurrently: answer with that one.
            session.rollback()
            replay = _replay(session, stored_key, wanted)
            if replay is None:
                raise
            return replay, True
        set_committed_value(redemption, "voucher", voucher)  # callers read it: keep it loaded
        # The scan log and the audit trail first: on PostgreSQL the ledger head stays
        # locked from posting until the commit, so posting comes last.
        log_scan(session, scanner, action="redeem", voucher=voucher, code_hash=code_hash)
        record(
            session,
            "redemption",
            user=scanner.user,
            parish_id=voucher.parish_id,
            shop_id=shop.id,
            obj=redemption,
            amount=amount,
            serial=voucher.serial,
        )
        if payable is None:  # opened here, under the write lock, never twice
            payable = chart.open_payable_account(session, voucher.parish_id, shop.id, shop.name)
        _lock_payable(session, payable)
        flows.redemption(
            session,
            parish_id=voucher.parish_id,
            accounts=(outstanding, payable),
            redemption_id=redemption.id,
            voucher_id=voucher.id,
            amount=amount,
            serial=voucher.serial,
            user_id=scanner.user.id,
        )
        return redemption, False

    return guarded(session, scanner, "redeem", work)


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


def _lock_payable(session: Session, payable_id: int) -> None:
    """Lock the shop's payable account before the ledger head, as settlements do, so
    neither waits on the other crosswise."""
    lock_rows(session, _LOCK_ACCOUNT, {"account_id": payable_id})


def _replay(session: Session, key: str, wanted: str) -> Redemption | None:
    found = session.execute(_BY_KEY, {"key": key}).first()
    if found is None:
        return None
    if found.request_hash != wanted:
        raise IdempotencyMismatch()
    return session.get(Redemption, found.id)


def get_redemption(session: Session, user: Any, redemption_id: Any) -> Redemption:
    """A redemption the user may see: their own shop's (shopkeeper) or their parish's
    (everyone else). Any other answers 404."""
    valid = valid_id(redemption_id)
    redemption = session.get(Redemption, redemption_id) if valid else None
    if redemption is None:
        raise NotFound()
    if user.role == Role.SHOPKEEPER:
        if redemption.shop_id != user.shop_id:
            raise NotFound()
    elif redemption.parish_id != user.parish_id:
        raise NotFound()
    return redemption


def void_redemption(
    session: Session,
    redemption: Redemption,
    *,
    user: Any,
    reason: str = "",
    limits: Limits = Limits(),
    now: datetime | None = None,
) -> Redemption:
    """Undo a redemption: its value returns to the voucher (or to the program fund if
    the voucher has expired or been cancelled meanwhile), with a ledger reversal.

    A shopkeeper may void only their own shop's redemptions within the void window
    (409 too_late after it); the treasurer may void any of the parish's later. Another
    shop's or parish's redemption is 404, other roles 403. Nobody voids a settled (409
    settled) or an already voided (409 already_voided) redemption.
    """
    now = now or utcnow()
    if user.role == Role.SHOPKEEPER:
        if redemption.shop_id != user.shop_id:
            raise NotFound()
        if now - redemption.created_at > limits.void_window:
            raise TooLateToVoid(minutes=int(limits.void_window.total_seconds() // 60))
    elif user.role == Role.TREASURER:
        if redemption.parish_id != user.parish_id:
            raise NotFound()
    else:
        raise Forbidden()
    if redemption.settlement_id is not None:
        raise AlreadySettled()
    voucher = session.scalars(
        sa.select(Voucher)
        .where(Voucher.id == redemption.voucher_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    shop = redemption.shop
    _lock_payable(
        session, chart.open_payable_account(session, redemption.parish_id, shop.id, shop.name)
    )
    changed = session.execute(
        sa.update(Redemption)
        .where(
            Redemption.id == redemption.id,
            Redemption.status == RedemptionStatus.COMMITTED,
            Redemption.settlement_id.is_(None),
        )
        .values(
            status=RedemptionStatus.VOIDED.value,
            voided_at=now,
            voided_by_id=user.id,
            void_reason=(reason or "")[:200],
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(redemption)
    if changed != 1:
        raise AlreadySettled() if redemption.settlement_id is not None else AlreadyVoided()
    parish = session.get(Parish, voucher.parish_id)
    after = rules.status_after_void(state_of(voucher), local_today(parish.timezone))
    # The voucher row is locked (FOR UPDATE above; BEGIN IMMEDIATE on SQLite).
    voucher.remaining += redemption.amount
    if voucher.status == VoucherStatus.REDEEMED:
        voucher.status = VoucherStatus.ACTIVE
    session.flush()
    if after != VoucherStatus.ACTIVE:
        funds.lock_program(session, voucher.program_id)  # the value goes on to the fund
    flows.redemption_voided(session, redemption_id=redemption.id, user_id=user.id)
    if after != VoucherStatus.ACTIVE:
        close_voucher(
            session,
            voucher,
            expired=after == VoucherStatus.EXPIRED,
            reason=voucher.status_reason or "anulación de canje",
            user=user,
        )
    record(
        session,
        "redemption_voided",
        user=user,
        parish_id=redemption.parish_id,
        shop_id=redemption.shop_id,
        obj=redemption,
        amount=redemption.amount,
        reason=reason,
    )
    return redemption


def shop_day(session: Session, shop_id: int, start: datetime, end: datetime) -> list[Redemption]:
    """A shop's redemptions in [start, end), newest first."""
    return list(
        session.scalars(
            sa.select(Redemption)
            .where(
                Redemption.shop_id == shop_id,
                Redemption.created_at >= start,
                Redemption.created_at < end,
            )
            .order_by(Redemption.id.desc())
            .options(selectinload(Redemption.voucher))
        )
    )


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants a local calendar day starts and ends at."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return start, end
