"""Voiding a redemption: its value goes back to the voucher (or on to the program's
fund when the voucher has expired or been cancelled meanwhile), with a ledger reversal.
Who may void what, and until when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.db import utcnow, valid_id
from voucher.errors import Conflict, Forbidden, NotFound
from voucher.ledger import chart, flows
from voucher.parishes.models import Parish
from voucher.programs import funds
from voucher.shops.locks import lock_payable, lock_voucher
from voucher.shops.scanning import Limits
from voucher.vouchers import rules
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher, VoucherStatus
from voucher.vouchers.services import close_voucher, state_of


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


def _check_may_void(redemption: Redemption, user: Any, limits: Limits, now: datetime) -> None:
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


def _mark_voided(
    session: Session, redemption: Redemption, user: Any, reason: str, now: datetime
) -> None:
    """The conditional UPDATE that voids it once: refuses a row voided or settled
    meanwhile."""
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


def _give_back(session: Session, voucher: Voucher, redemption: Redemption, user: Any) -> None:
    """The value returns to the voucher, and on to the fund if the voucher is no longer
    live; the ledger reverses the charge."""
    parish = session.get(Parish, voucher.parish_id)
    after = rules.status_after_void(state_of(voucher), local_today(parish.timezone))
    # The voucher row is locked (lock_voucher; BEGIN IMMEDIATE on SQLite).
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
    _check_may_void(redemption, user, limits, now)
    # Locks in the one order (shops.locks): voucher, payable account, redemption row.
    voucher = lock_voucher(session, redemption.voucher_id)
    shop = redemption.shop
    lock_payable(
        session, chart.open_payable_account(session, redemption.parish_id, shop.id, shop.name)
    )
    _mark_voided(session, redemption, user, reason, now)
    _give_back(session, voucher, redemption, user)
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
