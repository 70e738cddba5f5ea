"""What an import compares a file against: the parish's families, read once."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from voucher.families.models import Family
from voucher.imports.models import FamilyImport, ImportStatus
from voucher.programs.models import Enrolment, Program


@dataclass(frozen=True)
class Known:
    id: int
    head_name: str
    search_name: str
    address: str
    phone: str
    sector: str
    household_adults: int
    household_children: int
    anonymised: bool


def known_families(session: Session, parish_id: int) -> dict[tuple[str, str], Known]:
    """Every family of the parish by (document type, number): one query, plain tuples."""
    rows = session.execute(
        sa.select(
            Family.document_type,
            Family.document_number,
            Family.id,
            Family.head_name,
            Family.search_name,
            Family.address,
            Family.phone,
            Family.sector,
            Family.household_adults,
            Family.household_children,
            Family.anonymised_at.is_not(None),
        ).where(Family.parish_id == parish_id)
    )
    return {(str(row[0].value), row[1]): Known(*row[2:]) for row in rows}


def enrolled_family_ids(session: Session, program_id: int) -> set[int]:
    return set(
        session.scalars(sa.select(Enrolment.family_id).where(Enrolment.program_id == program_id))
    )


def done_with_same_file(session: Session, parish_id: int, sha256: str) -> FamilyImport | None:
    """The last confirmed import of the very same file in the parish, if any."""
    return session.scalar(
        sa.select(FamilyImport)
        .where(
            FamilyImport.parish_id == parish_id,
            FamilyImport.sha256 == sha256,
            FamilyImport.status == ImportStatus.DONE,
        )
        .order_by(FamilyImport.id.desc())
        .limit(1)
    )


def program_choices(parish_id: int, session: Session) -> list[tuple[int, str]]:
    """Active programs of the parish to enrol imported families in."""
    return list(
        session.execute(
            sa.select(Program.id, Program.name)
            .where(Program.parish_id == parish_id, Program.active.is_(True))
            .order_by(Program.name)
        ).tuples()
    )


def program_of(session: Session, parish_id: int, program_id: int) -> Program | None:
    program = session.get(Program, program_id)
    return program if program is not None and program.parish_id == parish_id else None
