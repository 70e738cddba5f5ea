"""The books as a plain-text hledger journal (https://hledger.org), for an accountant.

One transaction per ledger entry, dated its effective date, with the entry's sequence
number as the code and its memo as the description; every transfer becomes a debit
posting and a credit posting. Accounts are declared with their types. Amounts are whole
pesos written the Chilean way (``$1.500.000``), declared with ``decimal-mark ,``. A
journal for a period starts with one transaction that opens every account at its
balance the day before, so ``hledger balance`` of the file shows the balances at its end.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.dates import format_date
from voucher.ledger import chart
from voucher.ledger.balances import ACCOUNT_COLUMNS, trial_balance_at
from voucher.ledger.models import Account, AccountType, Entry, Transfer
from voucher.parishes.models import Parish
from voucher.programs.models import Program
from voucher.shops.models import Shop

BATCH = 5000
ROOTS = {
    AccountType.ASSET: ("assets", "A"),
    AccountType.LIABILITY: ("liabilities", "L"),
    AccountType.EQUITY: ("equity", "E"),
    AccountType.INCOME: ("revenues", "R"),
    AccountType.EXPENSE: ("expenses", "X"),
}
_UNSAFE = re.compile(r"[;:\t\r\n\[\]()|=@*!]")
_SPACES = re.compile(r"\s+")


def clean_name(text: str) -> str:
    """A piece of an account name hledger reads back as one piece: no ``:`` (it would
    make a sub-account), no ``;`` (a comment), no brackets or parentheses (virtual
    postings), no two spaces in a row (the gap before an amount)."""
    text = _UNSAFE.sub("-", text or "")
    return _SPACES.sub(" ", text).strip(" -") or "-"


def clean_text(text: str) -> str:
    """A description on one line, with no ``;`` (which would start a comment)."""
    return _SPACES.sub(" ", (text or "").replace(";", ",")).strip()


def amount(pesos: int) -> str:
    """12345 -> '$12.345'; -5000 -> '-$5.000'."""
    sign = "-" if pesos < 0 else ""
    return f"{sign}${abs(pesos):,}".replace(",", ".")


def account_names(session: Session, parish_id: int) -> dict[int, tuple[str, AccountType]]:
    """Account id -> (hledger name, type). Programs and shops are named with their id
    too, so two shops with the same name never share an account."""
    programs = dict(
        session.execute(
            sa.select(Program.id, Program.name).where(Program.parish_id == parish_id)
        ).all()
    )
    rows = session.execute(
        sa.select(*ACCOUNT_COLUMNS).where(Account.parish_id == parish_id).order_by(Account.id)
    ).all()
    shop_ids = [row.shop_id for row in rows if row.shop_id is not None]
    shops = (
        dict(session.execute(sa.select(Shop.id, Shop.name).where(Shop.id.in_(shop_ids))).all())
        if shop_ids
        else {}
    )
    names: dict[int, tuple[str, AccountType]] = {}
    for row in rows:
        kind = AccountType(row.type)
        root = ROOTS[kind][0]
        if row.code == chart.BANK:
            name = f"{root}:bank"
        elif row.code == chart.VOUCHERS:
            name = f"{root}:vouchers"
        elif row.program_id is not None:
            label = programs.get(row.program_id, row.name)
            name = f"{root}:fund:{clean_name(label)} #{row.program_id}"
        elif row.shop_id is not None:
            label = shops.get(row.shop_id, row.name)
            name = f"{root}:payable:{clean_name(label)} #{row.shop_id}"
        else:
            name = f"{root}:{clean_name(row.code)}"
        names[row.id] = (name, kind)
    return names


def _header(parish: Parish, names: dict[int, tuple[str, AccountType]], date_from, date_to) -> str:
    period = ""
    if date_from or date_to:
        first = format_date(date_from) if date_from else "…"
        last = format_date(date_to) if date_to else "…"
        period = f" · {first} a {last}"
    lines = [
        f"; {clean_text(parish.name)}: libro contable{period}",
        "; Exportado por Vales. Montos en pesos chilenos.",
        "",
        "decimal-mark ,",
        "commodity $1.000,",
        "",
    ]
    used_roots = sorted(
        {kind for _name, kind in names.values()}, key=lambda k: list(ROOTS).index(k)
    )
    for kind in used_roots:
        root, letter = ROOTS[kind]
        lines.append(f"account {root}  ; type: {letter}")
    for name, kind in sorted(names.values()):
        lines.append(f"account {name}  ; type: {ROOTS[kind][1]}")
    lines.append("")
    return "\n".join(lines) + "\n"


def _posting(name: str, pesos: int) -> str:
    # Two spaces at least between account and amount; aligned for people reading it.
    return f"    {name}  {' ' * max(0, 48 - len(name))}{amount(pesos)}\n"


def _opening(session: Session, parish_id: int, names, date_from: date) -> str:
    balances = [
        b for b in trial_balance_at(session, parish_id, date_from - timedelta(days=1)) if b.balance
    ]
    if not balances:
        return ""
    eve = date_from - timedelta(days=1)
    text = f"{date_from.isoformat()} Saldos iniciales al {format_date(eve)}\n"
    for b in balances:
        text += _posting(names[b.account_id][0], b.balance)
    return text + "\n"


def _transfers(
    session: Session, parish_id: int, date_from: date | None, date_to: date | None
) -> Iterator:
    conditions = [Transfer.parish_id == parish_id]
    if date_from is not None:
        conditions.append(Transfer.effective_date >= date_from)
    if date_to is not None:
        conditions.append(Transfer.effective_date <= date_to)
    query = (
        sa.select(
            Transfer.entry_id,
            Transfer.effective_date,
            Transfer.debit_account_id,
            Transfer.credit_account_id,
            Transfer.amount,
            Entry.seq,
            Entry.memo,
            Entry.kind,
        )
        .join(Entry, Entry.id == Transfer.entry_id)
        .where(*conditions)
        .order_by(Transfer.effective_date, Transfer.entry_id, Transfer.id)
        .execution_options(yield_per=BATCH)
    )
    yield from session.execute(query)


def iter_hledger(
    session: Session,
    parish: Parish,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Iterator[str]:
    """The parish's journal (optionally only ``date_from``..``date_to``) as text pieces: the
    header, then one transaction at a time. Rows are streamed, never all in memory."""
    names = account_names(session, parish.id)
    yield _header(parish, names, date_from, date_to)
    if date_from is not None:
        opening = _opening(session, parish.id, names, date_from)
        if opening:
            yield opening
    current = None
    lines: list[str] = []
    for row in _transfers(session, parish.id, date_from, date_to):
        if row.entry_id != current:
            if lines:
                yield "".join(lines) + "\n"
            current = row.entry_id
            description = clean_text(row.memo) or str(row.kind)
            lines = [
                f"{row.effective_date.isoformat()} ({row.seq}) {description}\n",
                f"    ; kind: {row.kind}\n",
            ]
        lines.append(_posting(names[row.debit_account_id][0], row.amount))
        lines.append(_posting(names[row.credit_account_id][0], -row.amount))
    if lines:
        yield "".join(lines) + "\n"


def write_hledger(
    session: Session,
    parish: Parish,
    out: TextIO,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> int:
    """Write the journal to ``out``; returns how many transactions it holds."""
    count = -1  # the header is not a transaction
    for piece in iter_hledger(session, parish, date_from=date_from, date_to=date_to):
        out.write(piece)
        count += 1
    return count


def hledger_journal(
    session: Session, parish: Parish, *, date_from: date | None = None, date_to: date | None = None
) -> str:
    """The journal as one string (for small books and tests)."""
    buffer = io.StringIO()
    write_hledger(session, parish, buffer, date_from=date_from, date_to=date_to)
    return buffer.getvalue()
