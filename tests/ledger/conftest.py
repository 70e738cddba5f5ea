from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def books(db, world) -> factories.Books:
    """Parish "a"'s program with three enrolled households, funded with $50.000."""
    return factories.books(db.session, world)
