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
from voucher.db import utcnow, valid_id
from voucher.errors import Conflict, NotFound, ValidationFailed
from voucher.families.models import Family
from voucher.ledger import flows
from voucher.money import format_clp, format_number
from voucher.parishes.models import Parish
from voucher.pdf.vouchers import PrintableVoucher
from voucher.programs.models import VOUCHER_TITLES, Enrolment, Program
from voucher.programs.services import cycle_key
from voucher.vouchers.codes import CodeKeys, format_code, generate_code, redeem_url
from voucher.vouchers.models import ReplacedCode, Round, Voucher, VoucherStatus
from voucher.vouchers.rules import (
    STATUS_LABELS,
    VoucherState,
    effective_status,
    require_active,
)

REASON_MAX = 200
# One print run; a parish's largest round is a few thousand vouchers.
MAX_PRINT = 5_000


class CycleLimitReached(Conflict):
    reason = "cycle_limit"
    message = _l("Esta familia ya recibió %(limit)s vale(s) de este programa en el ciclo actual.")


class ProgramInactive(Conflict):
    reason = "program_inactive"
    message = _l("El programa no está activo.")


class FamilyInactive(Conflict):
    reason = "family_inactive"
    message = _l("La familia está desactivada.")


class NotPrintable(Conflict):
    reason = "not_active"
    message = _l("El vale %(serial)s no está vigente (%(status)s): no se imprime.")


class RoundAlreadyIssued(Conflict):
    reason = "round_issued"
    message = _l("Ya se emitió una ronda de este programa después de la vista previa.")

    def __init__(self, round_id: int) -> None:
        super().__init__()
        self.round_id = round_id

    def extra(self) -> dict[str, Any]:
        return {"round_id": self.round_id}


class NothingToPrint(Conflict):
    reason = "not_active"
    message = _l("No quedan vales vigentes en esta ronda para imprimir.")


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

    @property
    def fund_short(self) -> int:
        """Pesos missing from the fund to issue the whole round (0 when it is covered)."""
        return max(0, -self.fund_after)


def state_of(voucher: Voucher) -> VoucherState:
    return VoucherState(voucher.status, voucher.remaining, voucher.expires_on, voucher.category)


def parish_today(session: Session, parish_id: int) -> date:
    """Today's date in the parish's own time zone (vouchers expire by the local day)."""
    parish = session.get(Parish, parish_id)
    return local_today(parish.timezone) if parish is not None else local_today()


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
    prefix = f"{parish.serial_prefix}-{today.year}"
    return [f"{prefix}-{n:06d}" for n in range(last - count + 1, last + 1)]


def _served_counts(
    session: Session, program: Program, key: str, family_ids: Sequence[int] | None
) -> dict[int, int]:
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


def _clean_reason(reason: str | None, missing: Any) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationFailed([("reason", missing)])
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            [("reason", _l("Demasiado largo (máximo %(n)s caracteres).", n=REASON_MAX))]
        )
    return text


def _new_voucher_rows(
    program: Program,
    families: Sequence[int],
    serials: Sequence[str],
    amount: int,
    keys: CodeKeys,
    today: date,
    user_id: int | None,
    round_id: int | None,
) -> tuple[list[dict], list[str]]:
    rows, codes = [], []
    key = cycle_key(program, today)
    expires = today + timedelta(days=program.validity_days)
    created = utcnow()
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
                "created_at": created,
            }
        )
    return rows, codes


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
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 < value <= program.voucher_amount
    ):
        top = format_clp(program.voucher_amount)
        raise ValidationFailed([("amount", _l("El monto debe ser entre $1 y %(max)s.", max=top))])
    # Lock the household so two desks cannot both hand out its last voucher of the cycle.
    session.execute(sa.select(Family.id).where(Family.id == family.id).with_for_update())
    key = cycle_key(program, today)
    served = _served_counts(session, program, key, [family.id]).get(family.id, 0)
    if served >= program.per_cycle_limit:
        raise CycleLimitReached(limit=program.per_cycle_limit)
    flows.reserve_fund(session, program.id, value)
    serial = _next_serials(session, parish, 1, today)[0]
    user_id = getattr(user, "id", None)
    rows, codes = _new_voucher_rows(
        program, [family.id], [serial], value, keys, today, user_id, None
    )
    voucher = Voucher(**rows[0])
    session.add(voucher)
    session.flush()
    flows.vouchers_issued(
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
    return Issued(voucher, codes[0])


def preview_round(
    session: Session, *, parish: Parish, program: Program, today: date | None = None
) -> RoundPreview:
    """Who a round would serve now, and who it would skip and why. Refuses another
    parish's program (404) and an inactive one (409)."""
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


def issue_round(
    session: Session,
    *,
    parish: Parish,
    program: Program,
    user: Any,
    keys: CodeKeys,
    today: date | None = None,
    after_round: int | None = None,
) -> RoundResult:
    """One voucher to every active enrolled family not yet served this cycle. Refuses
    the whole round (nothing issued, 409 insufficient_fund) when the program fund cannot
    cover it, and another parish's (404) or an inactive program (409). With
    ``after_round`` (the program's newest round when the preview was shown), refuses
    (409 round_issued) if another round of the program was issued since."""
    today = today or local_today(parish.timezone)
    # Lock the program row first: two rounds of one program run one after the other.
    session.execute(sa.select(Program.id).where(Program.id == program.id).with_for_update())
    if after_round is not None:
        newest = latest_round_id(session, program.id)
        if newest != after_round:
            raise RoundAlreadyIssued(newest)
    preview = preview_round(session, parish=parish, program=program, today=today)
    if preview.eligible:
        flows.reserve_fund(session, program.id, preview.total)
    user_id = getattr(user, "id", None)
    issue = Round(
        parish_id=parish.id,
        program_id=program.id,
        cycle_key=cycle_key(program, today),
        issued_count=len(preview.eligible),
        total=preview.total,
        skipped_json=json.dumps(preview.skipped),
        created_by_id=user_id,
    )
    session.add(issue)
    session.flush()
    voucher_ids: list[int] = []
    if preview.eligible:
        serials = _next_serials(session, parish, len(preview.eligible), today)
        amount = program.voucher_amount
        rows, _codes = _new_voucher_rows(
            program, preview.eligible, serials, amount, keys, today, user_id, issue.id
        )
        # A plain executemany, then the new ids by serial: half the time of an INSERT ..
        # RETURNING that must keep the rows' order.
        session.execute(sa.insert(Voucher.__table__), rows)
        by_serial = dict(
            session.execute(
                sa.select(Voucher.serial, Voucher.id).where(Voucher.round_id == issue.id)
            ).all()
        )
        voucher_ids = [by_serial[serial] for serial in serials]
        flows.vouchers_issued(
            session,
            parish_id=parish.id,
            program_id=program.id,
            user_id=user_id,
            vouchers=[(vid, amount, s) for vid, s in zip(voucher_ids, serials, strict=True)],
        )
    record(
        session,
        "round_issued",
        user=user,
        parish_id=parish.id,
        obj=issue,
        program_id=program.id,
        issued=len(voucher_ids),
        total=preview.total,
        skipped=len(preview.skipped),
    )
    return RoundResult(issue, voucher_ids, preview.skipped)


def latest_round_id(session: Session, program_id: int) -> int:
    """The newest round of a program (0 when none): a preview remembers it, so a
    confirmation sent twice, or after someone else's round, is noticed."""
    newest = session.scalar(sa.select(sa.func.max(Round.id)).where(Round.program_id == program_id))
    return newest or 0


def _lock_voucher(session: Session, voucher: Voucher) -> Voucher:
    return session.scalars(
        sa.select(Voucher)
        .where(Voucher.id == voucher.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


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
        flows.voucher_closed(
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
        overdue = session.scalars(
            sa.select(Voucher)
            .where(
                Voucher.parish_id == pid,
                Voucher.status == VoucherStatus.ACTIVE,
                Voucher.expires_on < day,
            )
            .order_by(Voucher.id)
            .with_for_update()
        ).all()
        # Every program the value returns to is locked before the first entry takes
        # the ledger head, in id order: the order issuance and cancellation keep.
        for program_id in sorted({v.program_id for v in overdue}):
            flows.lock_program(session, program_id)
        for voucher in overdue:
            close_voucher(session, voucher, expired=True, reason="vencimiento", user=None)
        if overdue:
            record(session, "vouchers_expired", parish_id=pid, count=len(overdue))
        total += len(overdue)
    return total


# --- printing ----------------------------------------------------------------------------


def vouchers_for_print(session: Session, parish_id: int, ids: Sequence[int]) -> list[Voucher]:
    """The parish's vouchers with these ids, in the given order (a repeated id once, so
    no code is ever printed on two papers). Refuses an empty list or more than
    MAX_PRINT (422) and any id that is not a voucher of the parish (404)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise ValidationFailed([("ids", _l("Elija al menos un vale para imprimir."))])
    if len(wanted) > MAX_PRINT:
        limit = format_number(MAX_PRINT)
        raise ValidationFailed([("ids", _l("Se imprimen hasta %(n)s vales a la vez.", n=limit))])
    if not all(valid_id(i) for i in wanted):
        raise NotFound()
    found: dict[int, Voucher] = {}
    for start in range(0, len(wanted), 500):  # keep IN lists short for every database
        chunk = wanted[start : start + 500]
        found.update(
            (v.id, v)
            for v in session.scalars(
                sa.select(Voucher).where(Voucher.id.in_(chunk), Voucher.parish_id == parish_id)
            )
        )
    if len(found) != len(wanted):
        raise NotFound()
    return [found[i] for i in wanted]


def round_vouchers(session: Session, issue: Round, *, today: date | None = None) -> list[Voucher]:
    """The round's vouchers that can still be used, in serial order: a cancelled,
    used-up or expired voucher is not printed again."""
    today = today or parish_today(session, issue.parish_id)
    return list(
        session.scalars(
            sa.select(Voucher)
            .where(
                Voucher.round_id == issue.id,
                Voucher.status == VoucherStatus.ACTIVE,
                Voucher.expires_on >= today,
            )
            .order_by(Voucher.id)
        )
    )


def printable(
    session: Session,
    vouchers: Sequence[Voucher],
    *,
    parish: Parish,
    keys: CodeKeys,
    base_url: str,
    user: Any,
    today: date | None = None,
) -> list[PrintableVoucher]:
    """What the sheets show; counts and audits every print (reprints give the same
    codes). Refuses another parish's voucher (404) and one that is no longer active
    (409): a used-up, expired or cancelled voucher is not put on paper again."""
    today = today or local_today(parish.timezone)
    programs: dict[int, Program] = {}
    items = []
    for voucher in vouchers:
        if voucher.parish_id != parish.id:
            raise NotFound()
        status = effective_status(state_of(voucher), today)
        if status != VoucherStatus.ACTIVE:
            raise NotPrintable(serial=voucher.serial, status=STATUS_LABELS[status])
        if voucher.program_id not in programs:
            programs[voucher.program_id] = session.get(Program, voucher.program_id)
        code = keys.decrypt(voucher.code_encrypted)
        items.append(
            PrintableVoucher(
                parish_name=parish.name,
                program_name=programs[voucher.program_id].name,
                title=str(VOUCHER_TITLES[voucher.category]),
                amount=voucher.amount,
                expires_on=voucher.expires_on,
                serial=voucher.serial,
                code=format_code(code),
                redeem_url=redeem_url(base_url, code),
            )
        )
    if vouchers:
        ids = [v.id for v in vouchers]
        reprint = any(v.print_count > 0 for v in vouchers)
        for start in range(0, len(ids), 500):
            session.execute(
                sa.update(Voucher)
                .where(Voucher.id.in_(ids[start : start + 500]))
                .values(print_count=Voucher.print_count + 1)
                .execution_options(synchronize_session=False)
            )
        for voucher in vouchers:
            session.expire(voucher, ["print_count"])
        record(
            session,
            "vouchers_printed",
            user=user,
            parish_id=parish.id,
            count=len(vouchers),
            serials=[v.serial for v in vouchers[:50]],
            reprint=reprint,
        )
    return items


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
