"""Pure voucher rules: status transitions and refusal reasons (no database, no Flask).

The database row is the single place the current state lives; these functions only
say what a change would be, or why it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from voucher.errors import Conflict, DomainError
from voucher.vouchers.models import Voucher, VoucherStatus


class VoucherNotActive(Conflict):
    reason = "not_active"
    message = _l("El vale no está vigente (estado: %(status)s).")


class RedemptionRefused(DomainError):
    """A redemption (or lookup) refused for one of domain.md's fixed reasons."""


class UnknownCode(RedemptionRefused):
    status = 404
    reason = "unknown_code"
    message = _l("Código no encontrado. Revise que esté bien escrito.")


class CodeTypoRefused(RedemptionRefused):
    status = 404
    reason = "unknown_code"
    message = _l("El código tiene un error de tipeo. Revise cada carácter.")


class AlreadyUsed(RedemptionRefused):
    status = 409
    reason = "already_used"
    message = _l("Este vale ya fue usado por completo el %(date)s en %(shop)s.")


class InsufficientBalance(RedemptionRefused):
    status = 409
    reason = "insufficient_balance"
    message = _l("El monto supera el saldo del vale (%(remaining)s).")


class Expired(RedemptionRefused):
    status = 410
    reason = "expired"
    message = _l("Vale vencido el %(date)s.")


class Cancelled(RedemptionRefused):
    status = 410
    reason = "cancelled"
    message = _l("Vale anulado por la parroquia.")


class Replaced(RedemptionRefused):
    status = 410
    reason = "cancelled"
    message = _l("Vale reemplazado: pida el vale nuevo en la parroquia. Este papel ya no sirve.")


class CategoryNotAccepted(RedemptionRefused):
    status = 403
    reason = "category_not_accepted"
    message = _l("Este comercio no acepta vales de %(category)s.")


class ShopNotEnrolled(RedemptionRefused):
    status = 403
    reason = "shop_not_enrolled"
    message = _l("Su comercio no está adherido a los vales de la %(parish)s.")


class BadAmount(RedemptionRefused):
    status = 422
    reason = "bad_amount"
    message = _l("Escriba un monto en pesos enteros, desde $1 hasta el saldo del vale.")


@dataclass(frozen=True)
class VoucherState:
    status: VoucherStatus
    remaining: int
    expires_on: date
    category: str


def state_of(voucher: Voucher) -> VoucherState:
    return VoucherState(voucher.status, voucher.remaining, voucher.expires_on, voucher.category)


def ineligibility(*, active: bool, enrolled: bool, served: int, limit: int) -> str | None:
    """Why a household gets no (more) voucher of a program now, or None when it may.
    The one rule for a single voucher and a round: ``inactive`` (deactivated),
    ``not_enrolled`` (a round never looks beyond the enrolled, so only a single voucher
    meets it), ``already_served`` (its vouchers of this cycle are given)."""
    if not active:
        return "inactive"
    if not enrolled:
        return "not_enrolled"
    if served >= limit:
        return "already_served"
    return None


def effective_status(state: VoucherState, today: date) -> VoucherStatus:
    """An active voucher past its valid-until day is expired, even before the daily job."""
    if state.status == VoucherStatus.ACTIVE and state.expires_on < today:
        return VoucherStatus.EXPIRED
    return state.status


# What a charge does to a voucher's status, as data the SQL path builds its CASE from
# (shops.redemption): a charge that leaves exactly USED_UP_AT pesos uses the voucher up;
# any other leaves its status as it was (only an active voucher is ever charged).
USED_UP_AT = 0
USED_UP = VoucherStatus.REDEEMED


def status_after_redeem(
    remaining_after: int, status: VoucherStatus = VoucherStatus.ACTIVE
) -> VoucherStatus:
    """The status of a voucher with ``status`` once a charge left ``remaining_after``."""
    return USED_UP if remaining_after == USED_UP_AT else status


def status_after_void(state: VoucherState, today: date) -> VoucherStatus:
    """A void gives value back: a used-up voucher is active again, unless it has
    expired or been cancelled meanwhile (then the value returns to the fund)."""
    if state.status == VoucherStatus.CANCELLED:
        return VoucherStatus.CANCELLED
    if state.status == VoucherStatus.EXPIRED or state.expires_on < today:
        return VoucherStatus.EXPIRED
    return VoucherStatus.ACTIVE


def require_active(state: VoucherState, today: date) -> None:
    """For cancel and replace: only a live voucher with value left."""
    status = effective_status(state, today)
    if status != VoucherStatus.ACTIVE:
        raise VoucherNotActive(status=STATUS_LABELS[status])


STATUS_LABELS = {
    VoucherStatus.ACTIVE: _l("vigente"),
    VoucherStatus.REDEEMED: _l("usado"),
    VoucherStatus.EXPIRED: _l("vencido"),
    VoucherStatus.CANCELLED: _l("anulado"),
}
