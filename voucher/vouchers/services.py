"""Issuing, cancelling, replacing, expiring and printing vouchers. Every movement of
value posts its ledger entry in the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.dates import local_today
from voucher.db import utcnow
from voucher.errors import Conflict, NotFound, ValidationFailed
from voucher.families.models import Family
from voucher.ledger import flows
from voucher.parishes.models import Parish
from voucher.pdf.vouchers import PrintableVoucher
from voucher.programs.models import Enrolment, Program
from voucher.programs.services import cycle_key
from voucher.vouchers.codes import CodeKeys, generate_code, redeem_url
from voucher.vouchers.models import ReplacedCode, Round, Voucher, VoucherStatus
from voucher.vouchers.rules import VoucherState, require_active


class CycleLimitReached(Conflict):
    reason = "cycle_limit"
    message = _l("Esta familia ya recibió %(limit)s vale(s) de este programa en el ciclo actual.")


class ProgramInactive(Conflict):
    reason = "program_inactive"
    message = _l("El programa no está activo.")


class FamilyInactive(Conflict):
    reason = "family_inactive"
    message = _l("La familia está desactivada.")


@dataclass
class Issued:
    voucher: Voucher
    code: str  # canonical; shown once to the API caller, never stored in clear


@dataclass
class RoundResult:
    round: Round
    voucher_ids: list[int]
    skipped: list[dict[str, Any]]


@dataclass
class RoundPreview:
    program: Program
    eligible: list[int]
    skipped: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.eligible) * self.program.voucher_amount

    @property
    def fund_after(self) -> int:
        return self.program.fund_available - self.total


def state_of(voucher: Voucher) -> VoucherState:
    return VoucherState(voucher.status, voucher.remaining, voucher.expires_on, voucher.category)


def _next_serials(session: Session, parish: Parish, count: int, today: date) -> list[str]:
    """Reserve ``count`` serial numbers with one UPDATE (safe under concurrency)."""
    last = session.execute(
        sa.update(Parish)
        .where(Parish.id == parish.id)
        .values(voucher_seq=Parish.voucher_seq + count)
        .returning(Parish.voucher_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    session.expire(parish, ["voucher_seq"])
    return [f"{parish.serial_prefix}-{today.year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def _served_counts(session: Session, program: Program, key: str, family_ids: Sequence[int] | None):
    query = (
        sa.select(Voucher.family_id, sa.func.count())
        .where(
            Voucher.program_id == program.id,
            Voucher.cycle_key == key,
            Voucher.status != VoucherStatus.CANCELLED,
        )
        .group_by(Voucher.family_id)
    )
    if family_ids is not None:
        query = query.where(Voucher.family_id.in_(family_ids))
    return dict(session.execute(query).all())


def _check_program(program: Program, parish_id: int) -> None:
    if program.parish_id != parish_id:
        raise NotFound()
    if not program.active:
        raise ProgramInactive()


def _new_voucher_rows(
    program: Program, families: Sequence[int], serials: Sequence[str], amount: int,
    keys: CodeKeys, today: date, user_id: int | None, round_id: int | None,
) -> tuple[list[dict], list[str]]:
    rows, codes = [], []
    key = cycle_key(program, today)
    expires = today + timedelta(days=program.validity_days)
    for family_id, serial in zip(families, serials, strict=True):
        code = generate_code()
        codes.append(code)
        rows.append(
            {
                "parish_id": program.parish_id,
                "program_id": program.id,
                "family_id": family_id,
                "round_id": round_id,
                "serial": serial,
                "code_hash": keys.lookup_hash(code),
                "code_encrypted": keys.encrypt(code),
                "category": program.category,
                "amount": amount,
                "remaining": amount,
                "closed_amount": 0,
                "cycle_key": key,
                "issued_on": today,
                "expires_on": expires,
                "status": VoucherStatus.ACTIVE,
                "status_reason": "",
                "issued_by_id": user_id,
                "print_count": 0,
                "created_at": utcnow(),
            }
        )
    return rows, codes


def issue_voucher(
    session: Session, *, parish: Parish, program: Program, family: Family, user: Any,
    keys: CodeKeys, amount: int | None = None, today: date | None = None,
) -> Issued:
    """Issue one voucher. Refuses another parish's family or program (404), an inactive
    program or family, an amount outside 1..the program's value (422), a family at its
    cycle limit (409 cycle_limit) and a program fund that cannot cover it (409
    insufficient_fund)."""
    today = today or local_today(parish.timezone)
    _check_program(program, parish.id)
    if family.parish_id != parish.id:
        raise NotFound()
    if not family.active:
        raise FamilyInactive()
    value = program.voucher_amount if amount is None else amount
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= program.voucher_amount:
        raise ValidationFailed(
            [("amount", _l("El monto debe ser entre $1 y %(max)s.", max=f"${program.voucher_amount:,}".replace(",", ".")))]
        )
    # Lock the household so two desks cannot both hand out its last voucher of the cycle.
    session.execute(sa.select(Family.id).where(Family.id == family.id).with_for_update())
    key = cycle_key(program, today)
    served = _served_counts(session, program, key, [family.id]).get(family.id, 0)
    if served >= program.per_cycle_limit:
        raise CycleLimitReached(limit=program.per_cycle_limit)
    flows.reserve_fund(session, program.id, value)
    serial = _next_serials(session, parish, 1, today)[0]
    user_id = getattr(user, "id", None)
    rows, codes = _new_voucher_rows(program, [family.id], [serial], value, keys, today, user_id, None)
    voucher = Voucher(**rows[0])
    session.add(voucher)
    session.flush()
    flows.vouchers_issued(session, parish_id=parish.id, program_id=program.id,
                          vouchers=[(voucher.id, value, serial)], user_id=user_id)
    record(session, "voucher_issued", user=user, parish_id=parish.id, obj=voucher,
           serial=serial, amount=value, family_id=family.id)
    return Issued(voucher, codes[0])


def preview_round(session: Session, *, parish: Parish, program: Program,
                  today: date | None = None) -> RoundPreview:
    """Who a round would serve now, and who it would skip and why."""
    today = today or local_today(parish.timezone)
    _check_program(program, parish.id)
    enrolled = session.execute(
        sa.select(Family.id, Family.active)
        .join(Enrolment, Enrolment.family_id == Family.id)
        .where(Enrolment.program_id == program.id, Family.parish_id == parish.id)
        .order_by(Family.id)
    ).all()
    served = _served_counts(session, program, cycle_key(program, today), None)
    preview = RoundPreview(program, [])
    for family_id, active in enrolled:
        if not active:
            preview.skipped.append({"family_id": family_id, "reason": "inactive"})
        elif served.get(family_id, 0) >= program.per_cycle_limit:
            preview.skipped.append({"family_id": family_id, "reason": "already_served"})
        else:
            preview.eligible.append(family_id)
    return preview


def issue_round(session: Session, *, parish: Parish, program: Program, user: Any,
                keys: CodeKeys, today: date | None = None) -> RoundResult:
    """One voucher to every active enrolled family not yet served this cycle. Refuses
    the whole round (nothing issued) when the program fund cannot cover it."""
    today = today or local_today(parish.timezone)
    # Lock the program row first: two rounds of one program run one after the other.
    session.execute(sa.select(Program.id).where(Program.id == program.id).with_for_update())
    preview = preview_round(session, parish=parish, program=program, today=today)
    if preview.eligible:
        flows.reserve_fund(session, program.id, preview.total)
    user_id = getattr(user, "id", None)
    issue = Round(
        parish_id=parish.id, program_id=program.id, cycle_key=cycle_key(program, today),
        issued_count=len(preview.eligible), total=preview.total,
        skipped_json=json.dumps(preview.skipped), created_by_id=user_id,
    )
    session.add(issue)
    session.flush()
    voucher_ids: list[int] = []
    if preview.eligible:
        serials = _next_serials(session, parish, len(preview.eligible), today)
        rows, _codes = _new_voucher_rows(
            program, preview.eligible, serials, program.voucher_amount, keys, today, user_id, issue.id
        )
        voucher_ids = list(
            session.execute(
                sa.insert(Voucher).returning(Voucher.id, sort_by_parameter_order=True), rows
            ).scalars()
        )
        flows.vouchers_issued(
            session, parish_id=parish.id, program_id=program.id, user_id=user_id,
            vouchers=[(vid, program.voucher_amount, s) for vid, s in zip(voucher_ids, serials, strict=True)],
        )
    record(session, "round_issued", user=user, parish_id=parish.id, obj=issue,
           program_id=program.id, issued=len(voucher_ids), total=preview.total,
           skipped=len(preview.skipped))
    return RoundResult(issue, voucher_ids, preview.skipped)


def _lock_voucher(session: Session, voucher: Voucher) -> Voucher:
    return session.scalars(
        sa.select(Voucher).where(Voucher.id == voucher.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def close_voucher(session: Session, voucher: Voucher, *, expired: bool, reason: str, user: Any) -> int:
    """Move a voucher's remaining value back to its program fund; returns that amount."""
    amount = voucher.remaining
    voucher.status = VoucherStatus.EXPIRED if expired else VoucherStatus.CANCELLED
    voucher.closed_amount += amount
    voucher.remaining = 0
    voucher.status_reason = reason[:200]
    voucher.closed_at = utcnow()
    session.flush()
    if amount:
        flows.voucher_closed(session, parish_id=voucher.parish_id, program_id=voucher.program_id,
                             voucher_id=voucher.id, serial=voucher.serial, amount=amount,
                             expired=expired, user_id=getattr(user, "id", None))
    return amount


def cancel_voucher(session: Session, voucher: Voucher, *, reason: str, user: Any,
                   today: date | None = None) -> Voucher:
    """Refuses an empty reason (422) and a voucher that is not active (409)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", _l("Escriba el motivo de la anulación."))])
    if len(reason) > 200:
        raise ValidationFailed([("reason", _l("Demasiado largo (máximo %(n)s caracteres).", n=200))])
    voucher = _lock_voucher(session, voucher)
    require_active(state_of(voucher), today or local_today())
    amount = close_voucher(session, voucher, expired=False, reason=reason, user=user)
    record(session, "voucher_cancelled", user=user, parish_id=voucher.parish_id, obj=voucher,
           reason=reason, returned=amount)
    return voucher


def replace_voucher(session: Session, voucher: Voucher, *, reason: str, user: Any, keys: CodeKeys,
                    today: date | None = None) -> Issued:
    """Re-key a lost voucher: a new code; the old paper answers "replaced"."""
    voucher = _lock_voucher(session, voucher)
    require_active(state_of(voucher), today or local_today())
    session.add(ReplacedCode(voucher_id=voucher.id, code_hash=voucher.code_hash,
                             reason=(reason or "")[:200], replaced_by_id=getattr(user, "id", None)))
    code = generate_code()
    voucher.code_hash = keys.lookup_hash(code)
    voucher.code_encrypted = keys.encrypt(code)
    session.flush()
    record(session, "voucher_replaced", user=user, parish_id=voucher.parish_id, obj=voucher,
           reason=reason)
    return Issued(voucher, code)


def expire_overdue(session: Session, *, today: date | None = None, parish_id: int | None = None) -> int:
    """Expire every active voucher past its valid-until day (idempotent)."""
    count = 0
    query = sa.select(Voucher).where(
        Voucher.status == VoucherStatus.ACTIVE, Voucher.expires_on < (today or local_today())
    )
    if parish_id is not None:
        query = query.where(Voucher.parish_id == parish_id)
    for voucher in session.scalars(query.order_by(Voucher.id).with_for_update()).all():
        close_voucher(session, voucher, expired=True, reason="vencimiento", user=None)
        count += 1
    if count:
        record(session, "vouchers_expired", parish_id=parish_id, count=count)
    return count


def printable(session: Session, vouchers: Sequence[Voucher], *, parish: Parish, keys: CodeKeys,
              base_url: str, user: Any) -> list[PrintableVoucher]:
    """What the sheets show; counts and audits every print (reprints give the same codes)."""
    items = []
    for voucher in vouchers:
        if voucher.parish_id != parish.id:
            raise NotFound()
        code = keys.decrypt(voucher.code_encrypted)
        items.append(
            PrintableVoucher(
                parish_name=parish.name, program_name=voucher.program.name,
                category=voucher.category.value, amount=voucher.amount,
                expires_on=voucher.expires_on, serial=voucher.serial, code=code,
                redeem_url=redeem_url(base_url, code),
            )
        )
    if vouchers:
        session.execute(
            sa.update(Voucher).where(Voucher.id.in_([v.id for v in vouchers]))
            .values(print_count=Voucher.print_count + 1)
            .execution_options(synchronize_session=False)
        )
        record(session, "vouchers_printed", user=user, parish_id=parish.id,
               count=len(vouchers), serials=[v.serial for v in vouchers[:50]],
               reprint=any(v.print_count > 0 for v in vouchers))
    return items


def find_by_code(session: Session, code_hash: str) -> tuple[Voucher | None, bool]:
    """The voucher for a code hash, and whether the code is an old, replaced one."""
    voucher = session.scalar(sa.select(Voucher).where(Voucher.code_hash == code_hash))
    if voucher is not None:
        return voucher, False
    replaced = session.scalar(sa.select(ReplacedCode).where(ReplacedCode.code_hash == code_hash))
    return (replaced.voucher, True) if replaced is not None else (None, False)
