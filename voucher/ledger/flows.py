"""Each business event as exactly one ledger entry (domain.md, "Accounting"): the
events between vouchers, shops and the bank. The events that also move a program's
fund live with the programs (``voucher.programs.funds``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.ledger import chart
from voucher.ledger.models import Entry, EntryKind
from voucher.ledger.posting import EntryDraft, Leg, entry_legs, post_entry, reversal_legs


def redemption(
    session: Session,
    *,
    parish_id: int,
    accounts: tuple[int, int],
    redemption_id: int,
    voucher_id: int,
    amount: int,
    serial: str,
    user_id: int | None,
) -> int:
    """``accounts`` is (vouchers outstanding, payable to the shop), from
    ``chart.redemption_accounts``."""
    outstanding, payable = accounts
    return post_entry(
        session,
        EntryDraft(
            parish_id,
            EntryKind.REDEMPTION,
            [Leg(outstanding, payable, amount)],
            memo=f"Canje {redemption_id:06d} vale {serial}",
            user_id=user_id,
            voucher_id=voucher_id,
            redemption_id=redemption_id,
        ),
    )


def _reverse(
    session: Session,
    of: EntryKind,
    kind: EntryKind,
    user_id: int | None,
    memo: str,
    **link: int,
) -> int:
    """Post the exact mirror of the one ``of`` entry posted for a row (``link``, as
    ``redemption_id=7``); the reversal carries the same links and the original's
    voucher."""
    original = session.scalars(sa.select(Entry).filter_by(kind=of, **link)).one()
    return post_entry(
        session,
        EntryDraft(
            original.parish_id,
            kind,
            reversal_legs(entry_legs(session, original.id)),
            memo=memo,
            user_id=user_id,
            voucher_id=original.voucher_id,
            reverses_id=original.id,
            **link,
        ),
    )


def redemption_voided(session: Session, *, redemption_id: int, user_id: int | None) -> int:
    """The exact mirror of the redemption's own entry."""
    return _reverse(
        session,
        EntryKind.REDEMPTION,
        EntryKind.REDEMPTION_VOID,
        user_id,
        f"Anulación canje {redemption_id:06d}",
        redemption_id=redemption_id,
    )


def settlement_paid(
    session: Session,
    *,
    parish_id: int,
    shop_id: int,
    shop_name: str,
    settlement_id: int,
    amount: int,
    user_id: int | None,
    memo: str = "",
) -> int:
    legs = [
        Leg(
            chart.open_payable_account(session, parish_id, shop_id, shop_name),
            chart.account_id(session, parish_id, chart.BANK),
            amount,
        )
    ]
    return post_entry(
        session,
        EntryDraft(
            parish_id,
            EntryKind.SETTLEMENT,
            legs,
            memo=memo,
            user_id=user_id,
            settlement_id=settlement_id,
        ),
    )


def settlement_reversed(
    session: Session, *, settlement_id: int, user_id: int | None, memo: str = ""
) -> int:
    return _reverse(
        session,
        EntryKind.SETTLEMENT,
        EntryKind.SETTLEMENT_REVERSAL,
        user_id,
        memo,
        settlement_id=settlement_id,
    )
