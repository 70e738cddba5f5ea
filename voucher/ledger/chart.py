"""The chart of accounts of a parish (see domain.md, "Accounting")."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.ledger.errors import UnknownAccount
from voucher.ledger.models import GENESIS_HASH, Account, AccountType, LedgerHead

BANK = "bank"
VOUCHERS = "vouchers"


def fund_code(program_id: int) -> str:
    return f"fund:{program_id}"


def payable_code(shop_id: int) -> str:
    return f"payable:{shop_id}"


def ensure_account(
    session: Session,
    parish_id: int,
    code: str,
    name: str,
    type_: AccountType,
    *,
    program_id: int | None = None,
    shop_id: int | None = None,
) -> int:
    account_id = session.scalar(
        sa.select(Account.id).where(Account.parish_id == parish_id, Account.code == code)
    )
    if account_id is not None:
        return account_id
    account = Account(
        parish_id=parish_id,
        code=code,
        name=name,
        type=type_,
        program_id=program_id,
        shop_id=shop_id,
        debits_posted=0,
        credits_posted=0,
    )
    session.add(account)
    session.flush()
    return account.id


def open_parish_books(session: Session, parish_id: int) -> None:
    """Accounts and chain tip every parish starts with."""
    ensure_account(session, parish_id, BANK, "Banco", AccountType.ASSET)
    ensure_account(session, parish_id, VOUCHERS, "Vales en circulación", AccountType.LIABILITY)
    if session.get(LedgerHead, parish_id) is None:
        session.add(LedgerHead(parish_id=parish_id, seq=0, hash=GENESIS_HASH))
        session.flush()


def open_fund_account(session: Session, parish_id: int, program_id: int, name: str) -> int:
    return ensure_account(
        session,
        parish_id,
        fund_code(program_id),
        f"Fondo {name}",
        AccountType.EQUITY,
        program_id=program_id,
    )


def open_payable_account(session: Session, parish_id: int, shop_id: int, name: str) -> int:
    return ensure_account(
        session,
        parish_id,
        payable_code(shop_id),
        f"Por pagar a {name}",
        AccountType.LIABILITY,
        shop_id=shop_id,
    )


def account_id(session: Session, parish_id: int, code: str) -> int:
    found = session.scalar(
        sa.select(Account.id).where(Account.parish_id == parish_id, Account.code == code)
    )
    if found is None:
        raise UnknownAccount()
    return found


def redemption_accounts(session: Session, parish_id: int, shop_id: int) -> tuple[int, int | None]:
    """(vouchers outstanding, payable to the shop): the two accounts a redemption moves
    money between, in one query. The payable is None when the shop has none yet
    (enrolment opens it; a shop enrolled before that may lack it): the caller opens it
    once it holds the write lock."""
    codes: dict[str, int | None] = {VOUCHERS: None, payable_code(shop_id): None}
    for found, code in session.execute(_BY_CODES, {"parish_id": parish_id, "codes": list(codes)}):
        codes[code] = found
    outstanding, payable = codes.values()
    if outstanding is None:
        raise UnknownAccount()
    return outstanding, payable


_BY_CODES = sa.select(Account.__table__.c.id, Account.__table__.c.code).where(
    Account.__table__.c.parish_id == sa.bindparam("parish_id"),
    Account.__table__.c.code.in_(sa.bindparam("codes", expanding=True)),
)
