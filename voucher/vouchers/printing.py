"""Putting vouchers on paper, the one way the web and the API both take: choose the
vouchers (a selection or a round's live ones), count and audit the prints, commit, then
draw the sheets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.dates import local_today
from voucher.db import valid_id
from voucher.errors import Conflict, NotFound, ValidationFailed
from voucher.money import format_number
from voucher.parishes.models import Parish
from voucher.pdf.vouchers import PrintableVoucher, render_voucher_sheets
from voucher.programs.models import VOUCHER_TITLES, Program
from voucher.transaction import commit_now
from voucher.vouchers.codes import CodeKeys, format_code, redeem_url
from voucher.vouchers.issuing import parish_today
from voucher.vouchers.models import Round, Voucher, VoucherStatus
from voucher.vouchers.rules import STATUS_LABELS, effective_status, state_of

# One print run; a parish's largest round is a few thousand vouchers.
MAX_PRINT = 5_000


class NotPrintable(Conflict):
    reason = "not_active"
    message = _l("El vale %(serial)s no está vigente (%(status)s): no se imprime.")


class NothingToPrint(Conflict):
    reason = "not_active"
    message = _l("No quedan vales vigentes en esta ronda para imprimir.")


@dataclass(frozen=True)
class PrintRun:
    """Who prints, for which parish, the keys that read the codes back, and the site
    the codes' links point to."""

    parish: Parish
    keys: CodeKeys
    base_url: str
    user: Any


def print_sheets(session: Session, vouchers: Sequence[Voucher], run: PrintRun) -> bytes:
    """The vouchers on A4 sheets, four a page. Counts and audits the prints, then
    commits the request's transaction BEFORE drawing: a print run of thousands takes
    seconds, and holding the write lock that long would make every shop's redemption
    wait. Refuses as ``printable`` (404, 409), before anything is written."""
    items = printable(session, vouchers, run)
    commit_now(session)
    return render_voucher_sheets(items)


def print_round(session: Session, issue: Round, run: PrintRun) -> bytes:
    """The round's live vouchers on paper (``print_sheets``). Refuses a round with
    none left (409 not_active)."""
    vouchers = round_vouchers(session, issue, today=local_today(run.parish.timezone))
    if not vouchers:
        raise NothingToPrint()
    return print_sheets(session, vouchers, run)


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
    session: Session, vouchers: Sequence[Voucher], run: PrintRun, *, today: date | None = None
) -> list[PrintableVoucher]:
    """What the sheets show; counts and audits every print (reprints give the same
    codes). Refuses another parish's voucher (404) and one that is no longer active
    (409): a used-up, expired or cancelled voucher is not put on paper again."""
    parish = run.parish
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
        code = run.keys.decrypt(voucher.code_encrypted)
        items.append(
            PrintableVoucher(
                parish_name=parish.name,
                program_name=programs[voucher.program_id].name,
                title=str(VOUCHER_TITLES[voucher.category]),
                amount=voucher.amount,
                expires_on=voucher.expires_on,
                serial=voucher.serial,
                code=format_code(code),
                redeem_url=redeem_url(run.base_url, code),
                remaining=voucher.remaining,
                balance_on=today,
            )
        )
    if vouchers:
        _count_prints(session, vouchers, parish=parish, user=run.user)
    return items


def _count_prints(session: Session, vouchers: Sequence[Voucher], *, parish: Parish, user: Any):
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
