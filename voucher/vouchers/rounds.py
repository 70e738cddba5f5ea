"""A round: one voucher to every household enrolled in a program that the eligibility
rule does not leave out, all or nothing. Its preview says who and why not."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.dates import local_today
from voucher.db import lock_rows
from voucher.errors import Conflict
from voucher.families.models import Family
from voucher.parishes.models import Parish
from voucher.programs import funds
from voucher.programs.models import Enrolment, Program
from voucher.programs.services import cycle_key
from voucher.vouchers.codes import CodeKeys
from voucher.vouchers.issuing import check_program, new_voucher_rows, next_serials, served_counts
from voucher.vouchers.models import Round, Voucher
from voucher.vouchers.rules import ineligibility

# Two rounds of one program run one after the other.
_LOCK_PROGRAM = (
    sa.select(Program.id).where(Program.id == sa.bindparam("program_id")).with_for_update()
)


class RoundAlreadyIssued(Conflict):
    reason = "round_issued"
    message = _l("Ya se emitió una ronda de este programa después de la vista previa.")

    def __init__(self, round_id: int) -> None:
        super().__init__()
        self.round_id = round_id

    def extra(self) -> dict[str, Any]:
        return {"round_id": self.round_id}


class PreviewChanged(Conflict):
    reason = "preview_changed"
    message = _l("La lista de familias cambió desde la vista previa.")

    @property
    def detail(self) -> str:
        return f"{self.message} {_l('Revísela y confirme de nuevo.')}"


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
    # Each eligible household's voucher value under the program's allotment.
    amounts: dict[int, int] = field(default_factory=dict)

    def amount_of(self, family_id: int) -> int:
        return self.amounts.get(family_id, self.program.voucher_amount)

    @property
    def total(self) -> int:
        return sum(self.amount_of(family_id) for family_id in self.eligible)

    @property
    def fund_after(self) -> int:
        return self.program.fund_available - self.total

    @property
    def fund_short(self) -> int:
        """Pesos missing from the fund to issue the whole round (0 when it is covered)."""
        return max(0, -self.fund_after)


def preview_round(
    session: Session, *, parish: Parish, program: Program, today: date | None = None
) -> RoundPreview:
    """Who a round would serve now, and who it would skip and why. Refuses another
    parish's program (404) and an inactive one (409)."""
    today = today or local_today(parish.timezone)
    check_program(program, parish.id)
    enrolled = session.execute(
        sa.select(Family.id, Family.active, Family.household_adults + Family.household_children)
        .join(Enrolment, Enrolment.family_id == Family.id)
        .where(Enrolment.program_id == program.id, Family.parish_id == parish.id)
        .order_by(Family.id)
    ).all()
    served = served_counts(session, program, cycle_key(program, today), None)
    preview = RoundPreview(program, [])
    for family_id, active, household_size in enrolled:
        reason = ineligibility(
            active=active,
            enrolled=True,
            served=served.get(family_id, 0),
            limit=program.per_cycle_limit,
        )
        if reason is None:
            preview.eligible.append(family_id)
            preview.amounts[family_id] = program.amount_for(household_size)
        else:
            preview.skipped.append({"family_id": family_id, "reason": reason})
    return preview


def latest_round_id(session: Session, program_id: int) -> int:
    """The newest round of a program (0 when none): a preview remembers it, so a
    confirmation sent twice, or after someone else's round, is noticed."""
    newest = session.scalar(sa.select(sa.func.max(Round.id)).where(Round.program_id == program_id))
    return newest or 0


def issue_round(
    session: Session,
    *,
    parish: Parish,
    program: Program,
    user: Any,
    keys: CodeKeys,
    today: date | None = None,
    after_round: int | None = None,
    expected: int | None = None,
) -> RoundResult:
    """One voucher to every active enrolled family not yet served this cycle. Refuses
    the whole round (nothing issued, 409 insufficient_fund) when the program fund cannot
    cover it, and another parish's (404) or an inactive program (409). With
    ``after_round`` (the program's newest round when the preview was shown), refuses
    (409 round_issued) if another round of the program was issued since; with
    ``expected`` (how many vouchers the preview showed), refuses (409 preview_changed)
    a round that would now issue another number."""
    today = today or local_today(parish.timezone)
    # Lock the program row first: two rounds of one program run one after the other.
    lock_rows(session, _LOCK_PROGRAM, {"program_id": program.id})
    if after_round is not None:
        newest = latest_round_id(session, program.id)
        if newest != after_round:
            raise RoundAlreadyIssued(newest)
    preview = preview_round(session, parish=parish, program=program, today=today)
    if expected is not None and len(preview.eligible) != expected:
        raise PreviewChanged()
    if preview.eligible:
        funds.reserve_fund(session, program.id, preview.total)
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
    voucher_ids = _issue_vouchers(session, parish, preview, issue, keys, today, user_id)
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


def _issue_vouchers(
    session: Session,
    parish: Parish,
    preview: RoundPreview,
    issue: Round,
    keys: CodeKeys,
    today: date,
    user_id: int | None,
) -> list[int]:
    """The round's vouchers and their ledger entries (the fund is already reserved)."""
    if not preview.eligible:
        return []
    program = preview.program
    serials = next_serials(session, parish, len(preview.eligible), today)
    amounts = [preview.amount_of(family_id) for family_id in preview.eligible]
    rows, _codes = new_voucher_rows(
        program, preview.eligible, serials, amounts, keys, today, user_id, issue.id
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
    funds.vouchers_issued(
        session,
        parish_id=parish.id,
        program_id=program.id,
        user_id=user_id,
        vouchers=[
            (vid, amount, s) for vid, amount, s in zip(voucher_ids, amounts, serials, strict=True)
        ],
    )
    return voucher_ids
