from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from voucher.families.services import FamilyInput, create_family
from voucher.ledger import chart
from voucher.programs.services import ProgramInput, create_program, enrol_family
from voucher.treasury.services import FundInput, record_fund


@dataclass
class Books:
    parish: object
    program: object
    families: list
    staff: object
    treasurer: object
    keeper: object
    shop: object

    def account(self, session, code):
        return chart.account_id(session, self.parish.id, code)


@pytest.fixture
def books(db, world):
    from tests.factories import rut_for

    s = db.session
    parish = world.parishes["a"]
    staff = world.users[("a", "staff")]
    program = create_program(
        s, parish.id, ProgramInput("Canasta", "food", 10000, 30, "monthly", 3), staff
    )
    families = []
    for n in range(3):
        family = create_family(
            s, parish.id, FamilyInput(f"Familia {n}", "rut", rut_for(n), consent=True), staff
        )
        enrol_family(s, program, family, staff)
        families.append(family)
    record_fund(
        s,
        parish,
        FundInput(program.id, 50000, date(2026, 1, 5), "Colecta"),
        world.users[("a", "treasurer")],
    )
    s.commit()
    return Books(
        parish,
        program,
        families,
        staff,
        world.users[("a", "treasurer")],
        world.users[("a", "shopkeeper")],
        world.shops["a"],
    )
