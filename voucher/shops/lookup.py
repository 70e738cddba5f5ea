"""Looking a voucher up by its code at a till, and why a shop cannot take it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.dates import format_date, local_today, to_local
from voucher.money import format_clp
from voucher.parishes.models import Parish
from voucher.programs.models import CATEGORY_LABELS
from voucher.shops.models import Shop, ShopParish
from voucher.shops.queries import last_use
from voucher.shops.scanning import Limits, Scanner, check_rate, guarded, log_scan
from voucher.vouchers import rules
from voucher.vouchers.codes import CodeKeys, CodeTypo, normalize_code
from voucher.vouchers.models import Voucher, VoucherStatus
from voucher.vouchers.services import find_by_code, state_of

_ENROLMENT = ShopParish.__table__
_P = sa.bindparam
# Run on every scan and charge: built once, its compiled form reused.
_ENROLLED = sa.select(_ENROLMENT.c.id).where(
    _ENROLMENT.c.shop_id == _P("shop_id"),
    _ENROLMENT.c.parish_id == _P("parish_id"),
    _ENROLMENT.c.active.is_(True),
)


@dataclass
class Lookup:
    voucher: Voucher
    parish: Parish
    refusal: rules.RedemptionRefused | None

    @property
    def redeemable(self) -> bool:
        return self.refusal is None


def _already_used(session: Session, voucher: Voucher) -> rules.AlreadyUsed:
    used = last_use(session, voucher.id)
    if used is None:
        return rules.AlreadyUsed(date="", shop="")
    return rules.AlreadyUsed(date=format_date(to_local(used[0]).date()), shop=used[1])


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
        return _already_used(session, voucher)
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


def resolve(
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
        check_rate(session, getattr(scanner.user, "id", None), scanner.ip, limits)
        voucher, parish, code_hash = resolve(session, scanner, code_text, keys)
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
