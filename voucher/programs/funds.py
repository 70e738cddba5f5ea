"""A program's fund: the ledger entries that move it, and the ``fund_available``
column that mirrors the fund's account, kept in step in the same transaction.

Lock order (as in ``voucher.shops.redemption``): a program's row is locked before the
ledger head, so issuance, cancellation, expiry and a donation wait in one order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.db import lock_rows
from voucher.errors import Conflict
from voucher.ledger import chart
from voucher.ledger.models import EntryKind
from voucher.ledger.posting import EntryDraft, Leg, expire_cached, post_entries, post_entry
from voucher.money import format_clp
from voucher.programs.models import Program

_LOCK_PROGRAM = (
    sa.select(Program.id)
    .where(Program.id == sa.bindparam("program_id"))
    .with_for_update(key_share=True)
)


class InsufficientFund(Conflict):
    reason = "insufficient_fund"
    message = _l(
        "El fondo del programa no alcanza: hay %(available)s disponibles y se necesitan %(needed)s."
    )


def _fund_id(session: Session, parish_id: int, program_id: int) -> int:
    return chart.account_id(session, parish_id, chart.fund_code(program_id))


def _change_fund(session: Session, program_id: int, delta: int) -> None:
    """Move a program's available fund; a withdrawal happens only if it is covered,
    checked by the database in one conditional UPDATE (never read-then-write)."""
    stmt = sa.update(Program).where(Program.id == program_id)
    if delta < 0:
        stmt = stmt.where(Program.fund_available >= -delta)
    result = session.execute(
        stmt.values(fund_available=Program.fund_available + delta).execution_options(
            synchronize_session=False
        )
    )
    expire_cached(session, Program, [program_id])
    if result.rowcount != 1:
        available = session.scalar(
            sa.select(Program.fund_available).where(Program.id == program_id)
        )
        raise InsufficientFund(available=format_clp(available or 0), needed=format_clp(-delta))


def fund_received(
    session: Session,
    *,
    parish_id: int,
    program_id: int,
    fund_id: int,
    amount: int,
    received_on: date,
    user_id: int | None,
    memo: str = "",
) -> int:
    legs = [
        Leg(
            chart.account_id(session, parish_id, chart.BANK),
            _fund_id(session, parish_id, program_id),
            amount,
        )
    ]
    lock_program(session, program_id)  # the program row before the ledger head
    entry = post_entry(
        session,
        EntryDraft(
            parish_id,
            EntryKind.FUND_RECEIVED,
            legs,
            effective_date=received_on,
            memo=memo,
            user_id=user_id,
            fund_id=fund_id,
        ),
    )
    _change_fund(session, program_id, amount)
    return entry


def lock_program(session: Session, program_id: int) -> None:
    """Lock the program row ahead of the ledger head, the order issuance takes them in.
    The lock is the one the fund's UPDATE takes (FOR NO KEY UPDATE), so vouchers and
    funds referring to the program are not held up."""
    lock_rows(session, _LOCK_PROGRAM, {"program_id": program_id})


def reserve_fund(session: Session, program_id: int, total: int) -> None:
    """Take ``total`` from the program's available fund or refuse with InsufficientFund."""
    _change_fund(session, program_id, -total)


def vouchers_issued(
    session: Session,
    *,
    parish_id: int,
    program_id: int,
    vouchers: Sequence[tuple[int, int, str]],
    user_id: int | None,
) -> list[int]:
    """Post one entry per issued voucher ``(voucher_id, amount, serial)``.

    The caller has already reserved the total with ``reserve_fund`` in the same
    transaction, so the fund cannot be overdrawn by a concurrent issuance.
    """
    fund = _fund_id(session, parish_id, program_id)
    outstanding = chart.account_id(session, parish_id, chart.VOUCHERS)
    return post_entries(
        session,
        [
            EntryDraft(
                parish_id,
                EntryKind.VOUCHER_ISSUED,
                [Leg(fund, outstanding, amount)],
                memo=f"Vale {serial}",
                user_id=user_id,
                voucher_id=voucher_id,
            )
            for voucher_id, amount, serial in vouchers
        ],
    )


def voucher_closed(
    session: Session,
    *,
    parish_id: int,
    program_id: int,
    voucher_id: int,
    serial: str,
    amount: int,
    expired: bool,
    user_id: int | None,
) -> int:
    """Return a voucher's unused value to its program fund (expiry or cancellation)."""
    legs = [
        Leg(
            chart.account_id(session, parish_id, chart.VOUCHERS),
            _fund_id(session, parish_id, program_id),
            amount,
        )
    ]
    kind = EntryKind.VOUCHER_EXPIRED if expired else EntryKind.VOUCHER_CANCELLED
    lock_program(session, program_id)  # the program row before the ledger head
    entry = post_entry(
        session,
        EntryDraft(
            parish_id,
            kind,
            legs,
            memo=f"Vale {serial}",
            user_id=user_id,
            voucher_id=voucher_id,
        ),
    )
    _change_fund(session, program_id, amount)
    return entry
