from __future__ import annotations

import pytest

from tests.families.helpers import forget_user_between_requests


@pytest.fixture
def login_as(login_as, app):
    """The shared ``login_as``, safe to use for several users in one test."""
    disconnect = forget_user_between_requests(app)
    yield login_as
    disconnect()
