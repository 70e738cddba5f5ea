"""Bearer tokens: revoked or deactivated ones stop working at once, use is recorded, and
the clear token is never stored nor written to a log."""

from __future__ import annotations

import hashlib
import logging

import sqlalchemy as sa

from tests.api.conftest import assert_problem
from voucher.auth.models import ApiToken
from voucher.auth.services import create_token, revoke_token


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_revoked_token_is_refused(client, db, world):
    user = world.users[("a", "staff")]
    row, token = create_token(db.session, user, "caja")
    db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    revoke_token(db.session, user, row.id)
    db.session.commit()
    refused = client.get("/api/v1/me", headers=_bearer(token))
    assert_problem(refused, 401, "unauthenticated")
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_users_token_is_refused(client, db, world):
    user = world.users[("a", "treasurer")]
    _row, token = create_token(db.session, user, "planilla")
    user.active = False
    db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=_bearer(token)), 401, "unauthenticated")


def test_use_is_recorded(client, db, world):
    row, token = create_token(db.session, world.users[("a", "admin")], "script")
    db.session.commit()
    assert row.last_used_at is None
    client.get("/api/v1/me", headers=_bearer(token))
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_tokens_are_stored_only_as_a_hash(client, db, world):
    from voucher.db import Base

    _row, token = create_token(db.session, world.users[("a", "staff")], "caja")
    db.session.commit()
    client.get("/api/v1/me", headers=_bearer(token))
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    secret = token.removeprefix("vales_")
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            assert secret not in repr(tuple(row)), table.name


def test_tokens_never_reach_the_logs(client, db, world, caplog, monkeypatch):
    _row, token = create_token(db.session, world.users[("a", "staff")], "caja")
    db.session.commit()
    # SQL statements with their parameters, and the traceback of an unexpected error.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("voucher.api.families.family_queries.search", broken)
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    assert client.get("/api/v1/families", headers=_bearer(token)).status_code == 500
    assert client.get("/api/v1/me", headers=_bearer(token + "x")).status_code == 401
    assert client.post("/api/v1/families", json={}, headers=_bearer(token)).status_code == 422
    assert "boom" in caplog.text  # the error was logged…
    # …and so were the queries, with their parameters hidden: not even the hash.
    assert "SELECT" in caplog.text
    assert hashlib.sha256(token.encode()).hexdigest() not in caplog.text
    secret = token.removeprefix("vales_")
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in repr(record.args)
