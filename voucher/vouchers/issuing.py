"""What every issuance shares, one voucher or a whole round: who may get a voucher of a
program now (the one eligibility rule), serial numbers, and the new rows themselves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.orm import Session

from voucher.dates import local_today
from voucher.db import utcnow
from voucher.errors import Conflict, NotFound
from voucher.families.models import Family
from voucher.parishes.models import Parish
from voucher.programs.models import Program
from voucher.programs.queries import is_enrolled
from voucher.programs.services import cycle_key
from voucher.vouchers.codes import CodeKeys, generate_code
from voucher.vouchers.models import Voucher, VoucherStatus
from voucher.vouchers.rules import ineligibility


class CycleLimitReached(Conflict):
    reason = "cycle_limit"
    message = _l("Esta familia ya recibió sus vales de este programa en el ciclo actual.")

    def __init__(self, *, limit: int) -> None:
        super().__init__(
            lazy_ngettext(
                "Esta familia ya recibió %(num)s vale de este programa en el ciclo actual.",
                "Esta familia ya recibió %(num)s vales de este programa en el ciclo actual.",
                limit,
            )
        )


class ProgramInactive(Conflict):
    reason = "program_inactive"
    message = _l("El programa no está activo.")


class FamilyInactive(Conflict):
    reason = "family_inactive"
    message = _l("La familia está desactivada.")


class NotEnrolled(Conflict):
    reason = "not_enrolled"
    message = _l("La familia no está inscrita en el programa %(program)s.")


@dataclass
class Issued:
    voucher: Voucher
    code: str  # canonical; shown once to the API caller, never stored in clear


def parish_today(session: Session, parish_id: int) -> date:
    """Today's date in the parish's own time zone (vouchers expire by the local day)."""
    parish = session.get(Parish, parish_id)
    return local_today(parish.timezone) if parish is not None else local_today()


def check_program(program: Program, parish_id: int) -> None:
    if program.parish_id != parish_id:
        raise NotFound()
    if not program.active:
        raise ProgramInactive()


def served_counts(
    session: Session, program: Program, key: str, family_ids: Sequence[int] | None
) -> dict[int, int]:
    """Vouchers of the program each household got in cycle ``key`` (cancelled ones
    do not count)."""
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


def require_eligible(
    session: Session, program: Program, family: Family, today: date, *, over_limit: bool = False
) -> bool:
    """Refuse a household the eligibility rule leaves out (as a round would): 409
    family_inactive, not_enrolled or cycle_limit (unless ``over_limit``: staff wrote why
    this family gets one more). Answers whether the limit is being exceeded."""
    served = served_counts(session, program, cycle_key(program, today), [family.id])
    reason = ineligibility(
        active=family.active,
        enrolled=is_enrolled(session, program.id, family.id),
        served=served.get(family.id, 0),
        limit=program.per_cycle_limit,
    )
    if reason == "inactive":
        raise FamilyInactive()
    if reason == "not_enrolled":
        raise NotEnrolled(program=program.name)
    if reason == "already_served":
        if not over_limit:
            raise CycleLimitReached(limit=program.per_cycle_limit)
        return True
    return False


def next_serials(session: Session, parish: Parish, count: int, today: date) -> list[str]:
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


def new_voucher_rows(
    program: Program,
    families: Sequence[int],
    serials: Sequence[str],
    amount: int | Sequence[int],
    keys: CodeKeys,
    today: date,
    user_id: int | None,
    round_id: int | None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows to insert, one per household, and their codes (in clear, for the caller
    to show once). ``amount``: one value for all, or each household's."""
    rows, codes = [], []
    amounts = [amount] * len(families) if isinstance(amount, int) else list(amount)
    key = cycle_key(program, today)
    expires = today + timedelta(days=program.validity_days)
    created = utcnow()
    for family_id, serial, value in zip(families, serials, amounts, strict=True):
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
                "amount": value,
                "remaining": value,
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
