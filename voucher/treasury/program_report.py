"""The program report: per program, vouchers and pesos by state over a period, from the books.

Plain data (:class:`~voucher.treasury.documents.ProgramReport`); nothing here draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.dates import utcnow
from voucher.ledger.integrity import chain_tip
from voucher.ledger.models import Entry, EntryKind, Transfer
from voucher.parishes.models import Parish
from voucher.programs.models import Program
from voucher.treasury.documents import ProgramReport, ProgramReportRow, check_period
from voucher.treasury.models import Fund
from voucher.vouchers.models import Voucher
from voucher.vouchers.queries import live_value_by_program


@dataclass(frozen=True)
class ProgramFigures:
    program_id: int
    row: ProgramReportRow


_VOUCHER_KINDS = (
    EntryKind.VOUCHER_ISSUED,
    EntryKind.REDEMPTION,
    EntryKind.REDEMPTION_VOID,
    EntryKind.VOUCHER_EXPIRED,
    EntryKind.VOUCHER_CANCELLED,
)


def _voucher_movements(
    session: Session, parish_id: int, *conditions
) -> dict[tuple[int, str], tuple[int, int]]:
    """(program, entry kind) -> (pesos, distinct vouchers) for the entries that move voucher
    value, one grouped query driven by the transfers' (parish, date) index."""
    rows = session.execute(
        sa.select(
            Voucher.program_id,
            Entry.kind,
            sa.func.sum(Transfer.amount),
            sa.func.count(sa.distinct(Entry.voucher_id)),
        )
        .select_from(Transfer)
        .join(Entry, Entry.id == Transfer.entry_id)
        .join(Voucher, Voucher.id == Entry.voucher_id)
        .where(Transfer.parish_id == parish_id, Entry.kind.in_(_VOUCHER_KINDS), *conditions)
        .group_by(Voucher.program_id, Entry.kind)
    ).all()
    return {(program, str(kind)): (int(total), int(count)) for program, kind, total, count in rows}


_Movements = dict[tuple[int, str], tuple[int, int]]


def _pick(table: _Movements, program_id: int, kind: EntryKind) -> tuple[int, int]:
    return table.get((program_id, kind.value), (0, 0))


def _papers(
    session: Session, parish_id: int, date_from: date, date_to: date
) -> dict[int, tuple[int, int]]:
    """Program -> (printed, delivered) among the vouchers issued in the period."""
    rows = session.execute(
        sa.select(
            Voucher.program_id,
            sa.func.count().filter(Voucher.print_count > 0),
            sa.func.count().filter(Voucher.delivered_at.is_not(None)),
        )
        .where(
            Voucher.parish_id == parish_id,
            Voucher.issued_on >= date_from,
            Voucher.issued_on <= date_to,
        )
        .group_by(Voucher.program_id)
    ).all()
    return {program: (int(printed), int(delivered)) for program, printed, delivered in rows}


def _program_row(
    program: Program,
    in_period: _Movements,
    later: _Movements,
    live_now: int,
    funded: int,
    papers: tuple[int, int] = (0, 0),
) -> ProgramReportRow:
    """One program's figures for the period, from its movements in and after it."""
    pid = program.id
    issued, issued_n = _pick(in_period, pid, EntryKind.VOUCHER_ISSUED)
    redeemed, redeemed_n = _pick(in_period, pid, EntryKind.REDEMPTION)
    voided, _count = _pick(in_period, pid, EntryKind.REDEMPTION_VOID)
    expired, expired_n = _pick(in_period, pid, EntryKind.VOUCHER_EXPIRED)
    cancelled, cancelled_n = _pick(in_period, pid, EntryKind.VOUCHER_CANCELLED)
    # Outstanding at the end of the period: live value now, less what moved since.
    since = (
        _pick(later, pid, EntryKind.VOUCHER_ISSUED)[0]
        - _pick(later, pid, EntryKind.REDEMPTION)[0]
        + _pick(later, pid, EntryKind.REDEMPTION_VOID)[0]
        - _pick(later, pid, EntryKind.VOUCHER_EXPIRED)[0]
        - _pick(later, pid, EntryKind.VOUCHER_CANCELLED)[0]
    )
    return ProgramReportRow(
        name=program.name,
        category=str(program.category),
        funded=funded,
        issued_count=issued_n,
        issued=issued,
        redeemed_count=redeemed_n,
        redeemed=max(redeemed - voided, 0),
        expired_count=expired_n,
        expired=expired,
        cancelled_count=cancelled_n,
        cancelled=cancelled,
        outstanding=live_now - since,
        printed_count=papers[0],
        delivered_count=papers[1],
    )


def program_figures(
    session: Session, parish: Parish, date_from: date, date_to: date
) -> list[ProgramFigures]:
    """Per program, for the period: funds received, vouchers issued, redeemed (redemptions
    less voids, and how many vouchers were used), expired and cancelled (value returned to
    the fund); the value of live vouchers not yet redeemed at the end of the period; and,
    of the vouchers issued in the period, how many were printed and handed out.

    Figures come from the ledger entries dated in the period (by effective date, as the
    trial balance), so they agree with the books. Refuses a bad period (422)."""
    check_period(date_from, date_to)
    in_period = _voucher_movements(
        session, parish.id, Transfer.effective_date >= date_from, Transfer.effective_date <= date_to
    )
    later = _voucher_movements(session, parish.id, Transfer.effective_date > date_to)
    live_now = live_value_by_program(session, parish.id)
    funded = dict(
        session.execute(
            sa.select(Fund.program_id, sa.func.sum(Fund.amount))
            .where(
                Fund.parish_id == parish.id,
                Fund.received_on >= date_from,
                Fund.received_on <= date_to,
            )
            .group_by(Fund.program_id)
        ).all()
    )
    papers = _papers(session, parish.id, date_from, date_to)
    programs = session.scalars(
        sa.select(Program).where(Program.parish_id == parish.id).order_by(Program.name)
    )
    return [
        ProgramFigures(
            program.id,
            _program_row(
                program,
                in_period,
                later,
                int(live_now.get(program.id) or 0),
                int(funded.get(program.id) or 0),
                papers.get(program.id, (0, 0)),
            ),
        )
        for program in programs
    ]


def program_report(
    session: Session, parish: Parish, date_from: date, date_to: date, *, now: datetime | None = None
) -> ProgramReport:
    figures = program_figures(session, parish, date_from, date_to)
    return ProgramReport(
        parish_name=parish.name,
        period_from=date_from,
        period_to=date_to,
        rows=tuple(f.row for f in figures),
        generated_at=now or utcnow(),
        timezone=parish.timezone,
        ledger_tip=chain_tip(session, parish.id),
    )
