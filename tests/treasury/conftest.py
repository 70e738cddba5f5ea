"""A parish with two funded programs and a shop (``factories.treasury``), with quick ways
to make redemptions: through the real services (now), or with chosen past times."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests import factories
from tests.factories import settle_all as settle_all


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on a day, in UTC (Santiago is UTC-3 or UTC-4: noon UTC is morning there)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def t(db, world) -> factories.Treasury:
    return factories.treasury(db.session, world)


def count(s, model, *where) -> int:
    return s.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
