"""The API's clients: a bearer token per role, the world of ``factories.api_world`` and
RFC 9457 problem checks."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.factories import Seed
from voucher.auth.services import create_token

ROLES = ("admin", "staff", "treasurer", "shopkeeper")
PROBLEM = "application/problem+json"


@pytest.fixture
def tokens(db, world) -> dict[str, str]:
    """A clear bearer token per role of parish "a", and "other_staff" of parish "b"."""
    made = {}
    for role in ROLES:
        _row, made[role] = create_token(db.session, world.users[("a", role)], "pruebas")
    _row, made["other_staff"] = create_token(db.session, world.users[("b", "staff")], "pruebas")
    db.session.commit()
    return made


@pytest.fixture
def seed(db, world, tokens) -> Seed:
    return factories.api_world(db.session, world, tokens)


class Api:
    """A test client speaking JSON with one role's bearer token."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token

    def headers(self, extra: dict | None = None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path: str, headers: dict | None = None, **kw):
        return self.client.get(path, headers=self.headers(headers), **kw)

    def post(self, path: str, json: Any = None, headers: dict | None = None, **kw):
        if json is None and "data" not in kw:
            json = {}
        return self.client.post(path, json=json, headers=self.headers(headers), **kw)


@pytest.fixture
def as_role(app, tokens):
    """``as_role("staff")`` -> an Api client with that role's token in parish "a"
    (``"other_staff"``: parish "b")."""

    def _as(role: str) -> Api:
        return Api(app.test_client(), tokens[role])

    return _as


def assert_problem(
    response, status: int, reason: str | None = None, fields: list[str] | None = None
) -> dict:
    """An RFC 9457 answer: the status, problem+json, type/title/status/detail, the
    reason code, and for 422 the fields named in `errors`."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    for key in ("type", "title", "detail"):
        assert isinstance(body[key], str) and body[key]
    assert body["type"].endswith("/" + body["reason"])
    if reason is not None:
        assert body["reason"] == reason
    if fields is not None:
        assert [e["field"] for e in body["errors"]] == fields
        assert all(e["message"] for e in body["errors"])
    return body
