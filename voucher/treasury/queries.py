"""Reading the treasury: funds and settlements lists (the web pages and the API alike),
the choices the treasurer's forms offer, and names to show beside a settlement."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import Session, selectinload

from voucher.auth.models import User
from voucher.extensions import db
from voucher.ledger.models import LedgerHead
from voucher.programs.models import Program
from voucher.shops.models import Shop, ShopParish
from voucher.treasury.models import Donor, Fund, Settlement, SettlementStatus


def shop_choices(session: Session, parish_id: int) -> list[tuple[int, str]]:
    """(id, name) of every shop enrolled in the parish, by name."""
    rows = session.execute(
        sa.select(Shop.id, Shop.name)
        .join(ShopParish, ShopParish.shop_id == Shop.id)
        .where(ShopParish.parish_id == parish_id)
        .order_by(Shop.name, Shop.id)
    ).all()
    return [(row.id, row.name) for row in rows]


def programs_of(session: Session, parish_id: int) -> list[Program]:
    return list(
        session.scalars(
            sa.select(Program).where(Program.parish_id == parish_id).order_by(Program.name)
        )
    )


def funds_query(parish_id: int) -> sa.Select:
    """The parish's funds, newest first, each with its program."""
    return (
        sa.select(Fund)
        .where(Fund.parish_id == parish_id)
        .options(selectinload(Fund.program))
        .order_by(Fund.received_on.desc(), Fund.id.desc())
    )


def donors_of(session: Session, parish_id: int) -> list[Donor]:
    """The treasurer's list of donors and campaigns, by name."""
    return list(
        session.scalars(sa.select(Donor).where(Donor.parish_id == parish_id).order_by(Donor.name))
    )


def funds_page(parish_id: int, per_page: int) -> Pagination:
    """One page of ``funds_query`` (the page number from the request's ``?page=``)."""
    return db.paginate(funds_query(parish_id), per_page=per_page, error_out=False)


def settlements_query(parish_id: int) -> sa.Select:
    """The parish's settlements, newest first."""
    return (
        sa.select(Settlement)
        .where(Settlement.parish_id == parish_id)
        .order_by(Settlement.id.desc())
    )


def proposed_settlements(session: Session, parish_id: int) -> list[Settlement]:
    """Settlements waiting for a second person's approval, oldest first."""
    return list(
        session.scalars(
            sa.select(Settlement)
            .where(
                Settlement.parish_id == parish_id,
                Settlement.status == SettlementStatus.PROPOSED,
            )
            .order_by(Settlement.id)
        )
    )


def proposed_count(session: Session, parish_id: int) -> int:
    return session.scalar(
        sa.select(sa.func.count()).where(
            Settlement.parish_id == parish_id, Settlement.status == SettlementStatus.PROPOSED
        )
    )


def decided_settlements_page(parish_id: int, per_page: int) -> Pagination:
    """One page of the settlements no longer waiting (paid, rejected, reversed), newest
    first, each with its shop."""
    query = (
        settlements_query(parish_id)
        .where(Settlement.status != SettlementStatus.PROPOSED)
        .options(selectinload(Settlement.shop))
    )
    return db.paginate(query, per_page=per_page, error_out=False)


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the people who proposed or approved something, by id."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return dict(session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted))).all())


def books_version(session: Session, parish_id: int) -> int:
    """How many entries the parish's books hold: it changes with every posting (a charge,
    a void, a payment), so a figure kept for it is never older than the books."""
    return int(
        session.scalar(sa.select(LedgerHead.seq).where(LedgerHead.parish_id == parish_id)) or 0
    )
