"""Reading programs and enrolments: the lists the web and the API share, and which
programs a household is (or could be) enrolled in."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import Session

from voucher.extensions import db
from voucher.families.models import Family
from voucher.families.queries import search
from voucher.programs.models import Enrolment, Program


def programs_query(parish_id: int, *, active_only: bool = False) -> sa.Select:
    """The parish's programs, by name."""
    query = sa.select(Program).where(Program.parish_id == parish_id)
    if active_only:
        query = query.where(Program.active.is_(True))
    return query.order_by(Program.name)


def list_programs(session: Session, parish_id: int, *, active_only: bool = False) -> list[Program]:
    return list(session.scalars(programs_query(parish_id, active_only=active_only)))


def enrolled_families(session: Session, program: Program, q: str = "") -> sa.Select:
    """The program's enrolled households (optionally filtered like the family search),
    newest enrolment first."""
    matching = search(session, program.parish_id, q).with_only_columns(Family.id).order_by(None)
    return (
        sa.select(Enrolment)
        .join(Family, Family.id == Enrolment.family_id)
        .where(Enrolment.program_id == program.id, Enrolment.family_id.in_(matching))
        .order_by(Enrolment.id.desc())
    )


def enrolment_candidates(
    session: Session, program: Program, q: str, limit: int = 10
) -> list[Family]:
    """Active households of the program's parish matching ``q`` and not yet enrolled."""
    if not (q or "").strip():
        return []
    enrolled = sa.select(Enrolment.family_id).where(Enrolment.program_id == program.id)
    query = search(session, program.parish_id, q, active_only=True).where(
        Family.id.not_in(enrolled)
    )
    return list(session.scalars(query.limit(limit)))


def programs_open_to(session: Session, family: Family) -> list[Program]:
    """Active programs of the household's parish it is not enrolled in yet."""
    enrolled = sa.select(Enrolment.program_id).where(Enrolment.family_id == family.id)
    return list(
        session.scalars(
            sa.select(Program)
            .where(
                Program.parish_id == family.parish_id,
                Program.active.is_(True),
                Program.id.not_in(enrolled),
            )
            .order_by(Program.name)
        )
    )


def enrolled_page(program: Program, *, page: int | None, per_page: int) -> Pagination:
    """One page of the program's enrolled households, for its web page."""
    query = enrolled_families(db.session, program)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def enrolled_programs(
    session: Session, family: Family, *, active_only: bool = False
) -> list[Program]:
    """The programs the household is enrolled in, by name."""
    query = (
        sa.select(Program)
        .join(Enrolment, Enrolment.program_id == Program.id)
        .where(Enrolment.family_id == family.id)
        .order_by(Program.name)
    )
    if active_only:
        query = query.where(Program.active.is_(True))
    return list(session.scalars(query))


def enrolments_of(session: Session, family: Family) -> list[Enrolment]:
    """The household's enrolments, with their programs, by program name."""
    return list(
        session.scalars(
            sa.select(Enrolment)
            .join(Program, Program.id == Enrolment.program_id)
            .where(Enrolment.family_id == family.id)
            .order_by(Program.name)
        )
    )


def is_enrolled(session: Session, program_id: int, family_id: int) -> bool:
    return (
        session.scalar(
            sa.select(Enrolment.id).where(
                Enrolment.program_id == program_id, Enrolment.family_id == family_id
            )
        )
        is not None
    )
