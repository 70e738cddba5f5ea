"""What each donation paid for, computed from the books every time (never stored).

A program's fund is spent first-in first-out, in the ledger's own order: each voucher issued
takes its value from the oldest funds received that still have money, a voucher possibly
from two of them. Value that comes back (an expired or cancelled voucher) returns to the
funds that paid for it, the newest share first, and is spent again in turn. Of each share of
a voucher, what the families spent at shops counts first, then what is still live.

So for every fund received: how many vouchers it paid for and for how many families, how
much of it was already spent at shops and in how many shops, how much is in vouchers not yet
used, and how much is still in the fund, not yet given out. Summed over a program's funds,
these are the program's funded, issued (less returned) and redeemed totals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.dates import utcnow
from voucher.errors import NotFound
from voucher.ledger.models import Entry, EntryKind, Transfer
from voucher.parishes.models import Parish
from voucher.treasury.models import Fund
from voucher.vouchers.models import Redemption, RedemptionStatus, Voucher


@dataclass(frozen=True)
class DonationUse:
    fund_id: int
    amount: int
    issued: int  # value of vouchers it paid for, less what came back
    vouchers: int
    families: int
    redeemed: int  # spent by families at shops
    shops: int
    in_vouchers: int  # in live vouchers not yet used
    available: int  # still in the fund, not yet given out


@dataclass
class _Share:
    fund_id: int
    amount: int
    returned: int = 0


def _events(session: Session, parish_id: int, program_id: int) -> list[tuple[str, int, int]]:
    """(kind, fund or voucher id, amount) of the program's fund movements, in ledger order."""
    fund_rows = session.execute(
        sa.select(Entry.seq, Entry.kind, Entry.fund_id, Transfer.amount)
        .join(Transfer, Transfer.entry_id == Entry.id)
        .join(Fund, Fund.id == Entry.fund_id)
        .where(
            Entry.parish_id == parish_id,
            Entry.kind == EntryKind.FUND_RECEIVED,
            Fund.program_id == program_id,
        )
    ).all()
    voucher_rows = session.execute(
        sa.select(Entry.seq, Entry.kind, Entry.voucher_id, Transfer.amount)
        .join(Transfer, Transfer.entry_id == Entry.id)
        .join(Voucher, Voucher.id == Entry.voucher_id)
        .where(
            Entry.parish_id == parish_id,
            Entry.kind.in_(
                (EntryKind.VOUCHER_ISSUED, EntryKind.VOUCHER_EXPIRED, EntryKind.VOUCHER_CANCELLED)
            ),
            Voucher.program_id == program_id,
        )
    ).all()
    rows = sorted([*fund_rows, *voucher_rows], key=lambda row: row[0])
    return [(str(kind), ref, int(amount)) for _seq, kind, ref, amount in rows]


def _shares(events: list[tuple[str, int, int]]) -> tuple[dict[int, int], dict[int, list[_Share]]]:
    """Replay the fund: (each fund's amount, each voucher's shares by fund)."""
    amounts: dict[int, int] = {}
    left: dict[int, int] = {}  # fund -> not yet given out, in order of arrival
    shares: dict[int, list[_Share]] = defaultdict(list)
    for kind, ref, amount in events:
        if kind == EntryKind.FUND_RECEIVED:
            amounts[ref] = amounts.get(ref, 0) + amount
            left[ref] = left.get(ref, 0) + amount
        elif kind == EntryKind.VOUCHER_ISSUED:
            need = amount
            for fund_id in left:
                if not need:
                    break
                take = min(left[fund_id], need)
                if take:
                    left[fund_id] -= take
                    need -= take
                    shares[ref].append(_Share(fund_id, take))
            if need:  # the books never let a fund go negative; keep the total honest anyway
                shares[ref].append(_Share(0, need))
        else:  # value back from an expired or cancelled voucher: newest share first
            back = amount
            for share in reversed(shares[ref]):
                take = min(share.amount - share.returned, back)
                share.returned += take
                back -= take
                if share.fund_id in left:
                    left[share.fund_id] += take
                if not back:
                    break
    return amounts, shares


def donation_uses(session: Session, parish_id: int, program_id: int) -> dict[int, DonationUse]:
    """Every fund received of a program, with what it paid for so far."""
    amounts, shares = _shares(_events(session, parish_id, program_id))
    vouchers = {
        vid: (family_id, amount - remaining - closed)
        for vid, family_id, amount, remaining, closed in session.execute(
            sa.select(
                Voucher.id,
                Voucher.family_id,
                Voucher.amount,
                Voucher.remaining,
                Voucher.closed_amount,
            ).where(Voucher.parish_id == parish_id, Voucher.program_id == program_id)
        )
    }
    shops_of: dict[int, set[int]] = defaultdict(set)
    for vid, shop_id in session.execute(
        sa.select(Redemption.voucher_id, Redemption.shop_id)
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .where(
            Voucher.parish_id == parish_id,
            Voucher.program_id == program_id,
            Redemption.status == RedemptionStatus.COMMITTED,
        )
    ):
        shops_of[vid].add(shop_id)
    issued: dict[int, int] = defaultdict(int)
    redeemed: dict[int, int] = defaultdict(int)
    counted: dict[int, set[int]] = defaultdict(set)
    families: dict[int, set[int]] = defaultdict(set)
    shops: dict[int, set[int]] = defaultdict(set)
    for vid, parts in shares.items():
        family_id, spent = vouchers.get(vid, (0, 0))
        for share in parts:
            net = share.amount - share.returned
            used = min(net, spent)
            spent -= used
            issued[share.fund_id] += net
            redeemed[share.fund_id] += used
            if net:  # a voucher whose value all came back paid for nothing
                counted[share.fund_id].add(vid)
                families[share.fund_id].add(family_id)
            if used:
                shops[share.fund_id] |= shops_of[vid]
    return {
        fund_id: DonationUse(
            fund_id=fund_id,
            amount=amount,
            issued=issued[fund_id],
            vouchers=len(counted[fund_id]),
            families=len(families[fund_id]),
            redeemed=redeemed[fund_id],
            shops=len(shops[fund_id]),
            in_vouchers=issued[fund_id] - redeemed[fund_id],
            available=amount - issued[fund_id],
        )
        for fund_id, amount in amounts.items()
    }


@dataclass(frozen=True)
class DonorStatement:
    parish_name: str
    donor_name: str  # "" when anonymous or not recorded
    anonymous: bool
    program_name: str
    category: str
    received_on: date
    reference: str
    use: DonationUse
    generated_at: datetime
    timezone: str


def donor_statement(
    session: Session, parish: Parish, fund: Fund, *, now: datetime | None = None
) -> DonorStatement:
    """The statement of one fund received (404 for another parish's)."""
    if fund.parish_id != parish.id:
        raise NotFound()
    use = donation_uses(session, parish.id, fund.program_id)[fund.id]
    donor = fund.donor
    return DonorStatement(
        parish_name=parish.name,
        donor_name="" if fund.anonymous or donor is None else donor.name,
        anonymous=fund.anonymous,
        program_name=fund.program.name,
        category=str(fund.program.category),
        received_on=fund.received_on,
        reference=fund.reference,
        use=use,
        generated_at=now or utcnow(),
        timezone=parish.timezone,
    )
