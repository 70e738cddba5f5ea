"""Service edges the pages cannot easily reach: two desks racing on the same household."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.families import helpers
from voucher.errors import Duplicate
from voucher.families import queries, services
from voucher.families.models import Family
from voucher.programs.models import Enrolment
from voucher.programs.services import AlreadyEnrolled, enrol_family


def test_a_duplicate_that_slips_past_the_check_still_points_to_the_family(db, world, monkeypatch):
    existing = helpers.family(db, world, rut="12345678-5")
    real_check = services._check_duplicate
    calls = []

    def late_check(*args, **kwargs):
        # The first look misses the row, as when another desk commits in between.
        calls.append(1)
        if len(calls) > 1:
            real_check(*args, **kwargs)

    monkeypatch.setattr(services, "_check_duplicate", late_check)
    data = services.FamilyInput("Otra", "rut", "12.345.678-5", consent=True)
    with pytest.raises(Duplicate) as error:
        services.create_family(db.session, world.parishes["a"].id, data, None)
    assert error.value.existing_id == existing.id
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Family)) == 1


def test_a_second_enrolment_that_slips_past_the_check_is_already_enrolled(db, world, monkeypatch):
    program = helpers.program(db, world)
    family = helpers.family(db, world)
    enrol_family(db.session, program, family, None)
    db.session.commit()
    monkeypatch.setattr(db.session, "scalar", lambda *args, **kwargs: None)
    with pytest.raises(AlreadyEnrolled):
        enrol_family(db.session, program, family, None)
    monkeypatch.undo()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1


def test_search_finds_a_rut_typed_without_its_check_digit(db, world):
    family = helpers.family(db, world, rut="9876543-3")
    other = helpers.family(db, world, rut="12345678-5")
    parish_id = world.parishes["a"].id
    for q in ("9.876.543", "9876543", "98765433", "9.876.543-3"):
        found = db.session.scalars(queries.search(db.session, parish_id, q)).all()
        assert [f.id for f in found] == [family.id], q
    assert other.id not in [
        f.id for f in db.session.scalars(queries.search(db.session, parish_id, "9876543"))
    ]
