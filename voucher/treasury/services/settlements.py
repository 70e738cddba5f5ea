"""Paying a shop: one settlement covers every unsettled, unvoided redemption up to a day.

The web's payment form and ``POST /api/v1/settlements`` both come through ``settle``.

Lock order: the shop's payable account is locked before the redemptions are read, so two
people paying one shop queue there and the second finds nothing left to pay."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.auth.models import Role
from voucher.dates import local_today, utcnow
from voucher.db import lock_rows
from voucher.errors import Conflict, Forbidden, IdempotencyMismatch, ValidationFailed
from voucher.ledger import flows
from voucher.ledger.chart import open_payable_account
from voucher.ledger.models import Account
from voucher.money import format_clp
from voucher.parishes.models import Parish
from voucher.shops.models import Shop
from voucher.shops.services import get_parish_shop
from voucher.treasury.models import PaymentMethod, Settlement, SettlementLine, SettlementStatus
from voucher.treasury.services.balances import unsettled_redemptions
from voucher.vouchers.models import Redemption, RedemptionStatus

REFERENCE_MAX = 120
# Paid with these, the payment is traced by its number: the API requires it.
TRACED_METHODS = {PaymentMethod.TRANSFER.value, PaymentMethod.CHEQUE.value}
MISSING_REFERENCE = _l("Escriba el número de la transferencia o del cheque.")

_LOCK_PAYABLE = (
    sa.select(Account.id).where(Account.id == sa.bindparam("account_id")).with_for_update()
)


class NothingToSettle(Conflict):
    reason = "nothing_to_settle"
    message = _l("No hay canjes pendientes de pago para este comercio hasta esa fecha.")


class SettlementChanged(Conflict):
    """The preview the person paid from is no longer true."""

    reason = "stale_preview"
    message = _l(
        "La lista de canjes cambió mientras tanto (ahora suma %(amount)s). "
        "Revise y vuelva a intentar."
    )


@dataclass
class SettlementInput:
    shop_id: int
    through: date
    method: str
    reference: str = ""
    # What the person saw before pressing "Pagar": when given, a different total or count
    # (a redemption made or voided meanwhile) refuses the payment instead of paying it.
    expected_amount: int | None = None
    expected_count: int | None = None


def require_treasury(user: Any) -> None:
    if user.role not in (Role.TREASURER, Role.ADMIN):
        raise Forbidden()


def settle(
    session: Session,
    parish: Parish,
    data: SettlementInput,
    user: Any,
    *,
    idempotency_key: str | None = None,
    reference_required: bool = False,
) -> tuple[Settlement, bool]:
    """Pay a shop for all its unsettled, unvoided redemptions up to ``through``.

    With the parish's two-person rule the settlement is only proposed: no money moves
    until a second person approves it. Returns (settlement, replayed). Refuses another
    parish's shop (404), a bad method or date (422), a transfer or cheque without its
    reference when ``reference_required`` (422), nothing to settle (409), a list that
    changed since the person saw it (409 stale_preview), and an idempotency key reused
    with other data (422).
    """
    require_treasury(user)
    key = (idempotency_key or "").strip() or None
    wanted = _settlement_hash(data)
    replay = _replay_settlement(session, parish, key, wanted)
    if replay is not None:
        return replay, True
    shop = get_parish_shop(session, parish.id, data.shop_id)
    _check(parish, data, reference_required)
    _lock_payable(session, parish, shop)
    # The same request may have finished while this one waited for the lock.
    replay = _replay_settlement(session, parish, key, wanted)
    if replay is not None:
        return replay, True
    redemptions = _covered(session, parish, shop, data)
    settlement = _new_settlement(parish, shop, data, redemptions, user, key, wanted)
    taken = _insert_once(session, settlement, parish, key, wanted)
    if taken is not None:
        return taken, True
    _add_lines(session, settlement, redemptions)
    proposed_only = settlement.status == SettlementStatus.PROPOSED
    record(
        session,
        "settlement_proposed" if proposed_only else "settlement_paid",
        user=user,
        parish_id=parish.id,
        shop_id=shop.id,
        obj=settlement,
        amount=settlement.amount,
    )
    if not proposed_only:
        pay(session, settlement, user)
    session.flush()
    return settlement, False


def _check(parish: Parish, data: SettlementInput, reference_required: bool) -> None:
    errors = []
    if data.method not in {m.value for m in PaymentMethod}:
        errors.append(("method", _l("Elija transferencia, efectivo o cheque.")))
    if not isinstance(data.through, date) or data.through > local_today(parish.timezone):
        errors.append(("through", _l("La fecha de corte no puede ser futura.")))
    reference = (data.reference or "").strip()
    if len(data.reference or "") > REFERENCE_MAX:
        errors.append(
            ("reference", _l("Demasiado largo (máximo %(n)s caracteres).", n=REFERENCE_MAX))
        )
    elif reference_required and data.method in TRACED_METHODS and not reference:
        errors.append(("reference", MISSING_REFERENCE))
    if errors:
        raise ValidationFailed(errors)


def _lock_payable(session: Session, parish: Parish, shop: Shop) -> None:
    """Lock the shop's payable account: two treasurers paying one shop queue here."""
    payable = open_payable_account(session, parish.id, shop.id, shop.name)
    lock_rows(session, _LOCK_PAYABLE, {"account_id": payable})


def _covered(
    session: Session, parish: Parish, shop: Shop, data: SettlementInput
) -> list[Redemption]:
    """The redemptions the payment covers, refused when there are none or when they are
    no longer what the person saw."""
    redemptions = unsettled_redemptions(session, parish, shop.id, data.through)
    if not redemptions:
        raise NothingToSettle()
    total = sum(r.amount for r in redemptions)
    if (data.expected_amount is not None and data.expected_amount != total) or (
        data.expected_count is not None and data.expected_count != len(redemptions)
    ):
        raise SettlementChanged(amount=format_clp(total))
    return redemptions


def _new_settlement(
    parish: Parish,
    shop: Shop,
    data: SettlementInput,
    redemptions: list[Redemption],
    user: Any,
    key: str | None,
    wanted: str,
) -> Settlement:
    return Settlement(
        parish_id=parish.id,
        shop_id=shop.id,
        through=data.through,
        amount=sum(r.amount for r in redemptions),
        redemption_count=len(redemptions),
        method=PaymentMethod(data.method),
        reference=(data.reference or "").strip(),
        status=SettlementStatus.PROPOSED if parish.two_person_rule else SettlementStatus.PAID,
        idempotency_key=key,
        request_hash=wanted,
        proposed_by_id=user.id,
    )


def _insert_once(
    session: Session, settlement: Settlement, parish: Parish, key: str | None, wanted: str
) -> Settlement | None:
    """Add the settlement; when its key was taken by another settlement meanwhile, the
    same request answers with that one (returned) and different data is refused."""
    try:
        with session.begin_nested():
            session.add(settlement)
            session.flush()
    except IntegrityError:
        existing = session.scalar(sa.select(Settlement).where(Settlement.idempotency_key == key))
        if existing is None or existing.request_hash != wanted or existing.parish_id != parish.id:
            raise IdempotencyMismatch() from None
        return existing
    return None


def _add_lines(session: Session, settlement: Settlement, redemptions: list[Redemption]) -> None:
    session.execute(
        sa.insert(SettlementLine),
        [
            {"settlement_id": settlement.id, "redemption_id": r.id, "amount": r.amount}
            for r in redemptions
        ],
    )


def _settlement_hash(data: SettlementInput) -> str:
    return hashlib.sha256(
        f"{data.shop_id}|{data.through}|{data.method}|{data.reference}".encode()
    ).hexdigest()


def _replay_settlement(
    session: Session, parish: Parish, key: str | None, wanted: str
) -> Settlement | None:
    if not key:
        return None
    existing = session.scalar(sa.select(Settlement).where(Settlement.idempotency_key == key))
    if existing is None:
        return None
    if existing.request_hash != wanted or existing.parish_id != parish.id:
        raise IdempotencyMismatch()
    return existing


def pay(session: Session, settlement: Settlement, user: Any) -> None:
    """Mark the settlement's redemptions settled (each only if still unsettled and not
    voided: otherwise nothing is paid) and post the payment."""
    lines = sa.select(SettlementLine.redemption_id).where(
        SettlementLine.settlement_id == settlement.id
    )
    changed = session.execute(
        sa.update(Redemption)
        .where(
            Redemption.id.in_(lines),
            Redemption.settlement_id.is_(None),
            Redemption.status == RedemptionStatus.COMMITTED,
        )
        .values(settlement_id=settlement.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != settlement.redemption_count:
        raise Conflict(
            _l("Algunos canjes cambiaron mientras tanto. Revise la lista y vuelva a intentar.")
        )
    settlement.status = SettlementStatus.PAID
    settlement.paid_at = utcnow()
    settlement.approved_by_id = getattr(user, "id", None)
    session.flush()
    flows.settlement_paid(
        session,
        parish_id=settlement.parish_id,
        shop_id=settlement.shop_id,
        shop_name=settlement.shop.name,
        settlement_id=settlement.id,
        amount=settlement.amount,
        user_id=getattr(user, "id", None),
        memo=f"Pago {settlement.id:06d} {settlement.method.value} {settlement.reference}".strip(),
    )
