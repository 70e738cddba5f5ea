"""The row locks a charge and a void take on PostgreSQL, always in one order, so a
redemption, a void, a settlement and an issuance never wait on each other crosswise:
the voucher row, then the shop's payable account, then the redemption row, then the
program (when value returns to its fund), then the parish's ledger head (inside
posting). SQLite writers hold the whole database from BEGIN IMMEDIATE (lock_rows skips
the statements there)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.db import lock_rows
from voucher.ledger.models import Account
from voucher.vouchers.models import Voucher

_ACCOUNT = Account.__table__
_VOUCHER = Voucher.__table__
_P = sa.bindparam
_LOCK_ACCOUNT = sa.select(_ACCOUNT.c.id).where(_ACCOUNT.c.id == _P("account_id")).with_for_update()
_LOCK_VOUCHER = sa.select(_VOUCHER.c.id).where(_VOUCHER.c.id == _P("voucher_id")).with_for_update()


def lock_voucher(session: Session, voucher_id: int) -> Voucher:
    """Lock the voucher row first, then read it fresh (what others wrote before)."""
    lock_rows(session, _LOCK_VOUCHER, {"voucher_id": voucher_id})
    return session.get(Voucher, voucher_id, populate_existing=True)


def lock_payable(session: Session, payable_id: int) -> None:
    """Lock the shop's payable account before the ledger head, as settlements do, so
    neither waits on the other crosswise."""
    lock_rows(session, _LOCK_ACCOUNT, {"account_id": payable_id})
