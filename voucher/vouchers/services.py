"""One voucher's life: issuing it, cancelling, replacing and expiring it, and finding
it by its code. Every movement of value posts its ledger entry in the caller's
transaction. Rounds: ``rounds.py``; printing: ``printing.py``; what issuance shares
(the eligibility rule, serials): ``issuing.py``."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.dates import local_today
from voucher.db import lock_rows, utcnow
from voucher.errors import NotFound, ValidationFailed
from voucher.families.models import Family
from voucher.money import format_clp
from voucher.parishes.models import Parish
from voucher.programs import funds
from voucher.programs.models import Program
from voucher.vouchers.codes import CodeKeys, generate_code
from voucher.vouchers.issuing import (
    Issued,
    check_program,
    new_voucher_rows,
    next_serials,
    parish_today,
    require_eligible,
)
from voucher.vouchers.models import ReplacedCode, Voucher, VoucherStatus
from voucher.vouchers.rounds import issue_round  # noqa: F401  (callers find it here too)
from voucher.vouchers.rules import require_active, state_of

REASON_MAX = 200

# The household's row: two desks cannot both hand out its last voucher of the cycle.
_LOCK_FAMILY = sa.select(Family.id).where(Family.id == sa.bindparam("family_id")).with_for_update()
_LOCK_VOUCHER = (
    sa.select(Voucher.id).where(Voucher.id == sa.bindparam("voucher_id")).with_for_update()
)
_LOCK_OVERDUE = (
    sa.select(Voucher.id)
    .where(
        Voucher.parish_id == sa.bindparam("parish_id"),
        Voucher.status == VoucherStatus.ACTIVE,
        Voucher.expires_on < sa.bindparam("day"),
    )
    .order_by(Voucher.id)
    .with_for_update()
)


def _clean_reason(reason: str | None, missing: Any) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationFailed([("reason", missing)])
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            [("reason", _l("Demasiado largo (máximo %(n)s caracteres).", n=REASON_MAX))]
        )
    return text


def issue_voucher(
    session: Session,
    *,
    parish: Parish,
    program: Program,
    family: Family,
    user: Any,
    keys: CodeKeys,
    amount: int | None = None,
    today: date | None = None,
    limit_override_reason: str | None = None,
) -> Issued:
    """Issue one voucher, worth what the program's allotment gives this household.
    Refuses another parish's family or program (404), an inactive program, a household
    the eligibility rule leaves out as a round would (409 family_inactive, not_enrolled,
    cycle_limit — the last one passed only with ``limit_override_reason``, audited), an
    amount outside 1..the household's value (422) and a program fund that cannot cover
    it (409 insufficient_fund)."""
    today = today or local_today(parish.timezone)
    check_program(program, parish.id)
    if family.parish_id != parish.id:
        raise NotFound()
    override = " ".join((limit_override_reason or "").split())
    if len(override) > REASON_MAX:
        raise ValidationFailed(
            [
                (
                    "limit_override_reason",
                    _l("Demasiado largo (máximo %(n)s caracteres).", n=REASON_MAX),
                )
            ]
        )
    lock_rows(session, _LOCK_FAMILY, {"family_id": family.id})
    over_limit = require_eligible(session, program, family, today, over_limit=bool(override))
    allotted = program.amount_for(family.household_size)
    value = allotted if amount is None else amount
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= allotted:
        top = format_clp(allotted)
        raise ValidationFailed([("amount", _l("El monto debe ser entre $1 y %(max)s.", max=top))])
    funds.reserve_fund(session, program.id, value)
    serial = next_serials(session, parish, 1, today)[0]
    user_id = getattr(user, "id", None)
    rows, codes = new_voucher_rows(
        program, [family.id], [serial], value, keys, today, user_id, None
    )
    voucher = Voucher(**rows[0])
    session.add(voucher)
    session.flush()
    funds.vouchers_issued(
        session,
        parish_id=parish.id,
        program_id=program.id,
        vouchers=[(voucher.id, value, serial)],
        user_id=user_id,
    )
    record(
        session,
        "voucher_issued",
        user=user,
        parish_id=parish.id,
        obj=voucher,
        serial=serial,
        amount=value,
        family_id=family.id,
    )
    if over_limit:
        record(
            session,
            "cycle_limit_overridden",
            user=user,
            parish_id=parish.id,
            obj=voucher,
            family_id=family.id,
            program_id=program.id,
            limit=program.per_cycle_limit,
            reason=override,
        )
    return Issued(voucher, codes[0])


def _lock_voucher(session: Session, voucher: Voucher) -> Voucher:
    """The voucher's row locked, as it is now (not as this session last read it)."""
    lock_rows(session, _LOCK_VOUCHER, {"voucher_id": voucher.id})
    session.refresh(voucher)
    return voucher


def close_voucher(
    session: Session, voucher: Voucher, *, expired: bool, reason: str, user: Any
) -> int:
    """Move a voucher's remaining value back to its program fund; returns that amount."""
    amount = voucher.remaining
    voucher.status = VoucherStatus.EXPIRED if expired else VoucherStatus.CANCELLED
    voucher.closed_amount += amount
    voucher.remaining = 0
    voucher.status_reason = reason[:REASON_MAX]
    voucher.closed_at = utcnow()
    session.flush()
    if amount:
        funds.voucher_closed(
            session,
            parish_id=voucher.parish_id,
            program_id=voucher.program_id,
            voucher_id=voucher.id,
            serial=voucher.serial,
            amount=amount,
            expired=expired,
            user_id=getattr(user, "id", None),
        )
    return amount


def cancel_voucher(
    session: Session, voucher: Voucher, *, reason: str, user: Any, today: date | None = None
) -> Voucher:
    """Cancel a live voucher; its remaining value returns to the program fund. Refuses
    an empty or too long reason (422) and a voucher that is not active (409)."""
    reason = _clean_reason(reason, _l("Escriba el motivo de la anulación."))
    voucher = _lock_voucher(session, voucher)
    require_active(state_of(voucher), today or parish_today(session, voucher.parish_id))
    amount = close_voucher(session, voucher, expired=False, reason=reason, user=user)
    record(
        session,
        "voucher_cancelled",
        user=user,
        parish_id=voucher.parish_id,
        obj=voucher,
        reason=reason,
        returned=amount,
    )
    return voucher


def replace_voucher(
    session: Session,
    voucher: Voucher,
    *,
    reason: str,
    user: Any,
    keys: CodeKeys,
    today: date | None = None,
) -> Issued:
    """Re-key a lost voucher: a new code; the old paper answers "replaced". The print
    count starts again, since it counts prints of the current code. Refuses an empty
    or too long reason (422) and a voucher that is not active (409)."""
    reason = _clean_reason(reason, _l("Escriba por qué se reemplaza el vale."))
    voucher = _lock_voucher(session, voucher)
    require_active(state_of(voucher), today or parish_today(session, voucher.parish_id))
    session.add(
        ReplacedCode(
            voucher_id=voucher.id,
            code_hash=voucher.code_hash,
            reason=reason,
            replaced_by_id=getattr(user, "id", None),
        )
    )
    code = generate_code()
    voucher.code_hash = keys.lookup_hash(code)
    voucher.code_encrypted = keys.encrypt(code)
    voucher.print_count = 0
    session.flush()
    record(
        session,
        "voucher_replaced",
        user=user,
        parish_id=voucher.parish_id,
        obj=voucher,
        reason=reason,
    )
    return Issued(voucher, code)


def expire_overdue(
    session: Session, *, today: date | None = None, parish_id: int | None = None
) -> int:
    """Expire every active voucher past its valid-until day (each parish's own calendar
    day unless ``today`` is given), returning its remaining value to the program fund.
    Idempotent: a second run the same day expires nothing."""
    if parish_id is not None:
        parish_ids = [parish_id]
    else:
        parish_ids = list(session.scalars(sa.select(Parish.id).order_by(Parish.id)))
    total = 0
    for pid in parish_ids:
        day = today or parish_today(session, pid)
        lock_rows(session, _LOCK_OVERDUE, {"parish_id": pid, "day": day})
        overdue = session.scalars(
            sa.select(Voucher)
            .where(
                Voucher.parish_id == pid,
                Voucher.status == VoucherStatus.ACTIVE,
                Voucher.expires_on < day,
            )
            .order_by(Voucher.id)
        ).all()
        # Every program the value returns to is locked before the first entry takes
        # the ledger head, in id order: the order issuance and cancellation keep.
        for program_id in sorted({v.program_id for v in overdue}):
            funds.lock_program(session, program_id)
        for voucher in overdue:
            close_voucher(session, voucher, expired=True, reason="vencimiento", user=None)
        if overdue:
            record(session, "vouchers_expired", parish_id=pid, count=len(overdue))
        total += len(overdue)
    return total


def find_by_code(session: Session, code_hash: str) -> tuple[Voucher | None, Parish | None, bool]:
    """The voucher for a code hash, its parish, and whether the code is an old, replaced
    one. A live code (nearly every scan) comes with its parish in one query."""
    found = session.execute(_BY_CODE, {"code_hash": code_hash}).first()
    if found is not None:
        return found[0], found[1], False
    replaced = session.scalar(sa.select(ReplacedCode).where(ReplacedCode.code_hash == code_hash))
    if replaced is None:
        return None, None, False
    voucher = replaced.voucher
    return voucher, session.get(Parish, voucher.parish_id), True


_BY_CODE = (
    sa.select(Voucher, Parish)
    .join(Parish, Parish.id == Voucher.parish_id)
    .where(Voucher.code_hash == sa.bindparam("code_hash"))
)
