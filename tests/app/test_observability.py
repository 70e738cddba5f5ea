"""/healthz for a monitor; a request id in every answer, in the log line and on the
error page; one log line per request."""

from __future__ import annotations

import logging
import re

from flask_migrate import downgrade


def test_healthz_answers_without_login_and_without_data(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])


def test_healthz_is_unavailable_when_the_schema_is_behind_the_code(app, client):
    downgrade(revision="0004")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["reason"] == "schema"


def test_a_sane_request_id_is_kept_and_anything_else_replaced(client):
    kept = client.get("/login", headers={"X-Request-Id": "caja-1-abcdef12"})
    assert kept.headers["X-Request-Id"] == "caja-1-abcdef12"
    replaced = client.get("/login", headers={"X-Request-Id": "<script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"])


def test_one_log_line_per_request_and_none_at_info_for_healthz(client, caplog):
    with caplog.at_level(logging.INFO, logger="vales.request"):
        client.get("/login")
        client.get("/healthz")
    lines = [r.getMessage() for r in caplog.records if r.name == "vales.request"]
    assert len(lines) == 1
    assert "method=GET route=auth.login status=200" in lines[0]


def test_the_error_page_shows_the_request_id_a_volunteer_can_read_out(app):
    def boom():
        raise RuntimeError("simulated fault")

    app.add_url_rule("/boom", "boom", boom)
    app.logger.disabled = True
    response = app.test_client().get("/boom", headers={"X-Request-Id": "ayuda-12345678"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "ayuda-12345678" in page
    assert "simulated fault" not in page


def _collision(kind: str) -> Exception:
    import sqlite3

    import psycopg
    from sqlalchemy.exc import OperationalError

    original = (
        sqlite3.OperationalError("database is locked")
        if kind == "sqlite"
        else psycopg.errors.DeadlockDetected("deadlock detected")
    )
    return OperationalError("UPDATE voucher SET remaining = 0", {}, original)


def test_a_lock_held_too_long_answers_503_with_retry_after_and_changes_nothing(app):
    app.add_url_rule("/busy", "busy", lambda: (_ for _ in ()).throw(_collision("sqlite")))
    app.logger.disabled = True
    response = app.test_client().get("/busy")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert "no se modificó nada" in response.get_data(as_text=True)
    assert "database is locked" not in response.get_data(as_text=True)


def test_a_postgresql_deadlock_reruns_the_request_a_bounded_number_of_times(app):
    calls = []

    def twice_unlucky():
        calls.append(1)
        if len(calls) < 3:
            raise _collision("postgresql")
        return "hecho"

    def always_unlucky():
        calls.append(1)
        raise _collision("postgresql")

    app.add_url_rule("/lucky", "lucky", twice_unlucky)
    app.add_url_rule("/unlucky", "unlucky", always_unlucky)
    app.logger.disabled = True
    client = app.test_client()
    assert client.get("/lucky").get_data(as_text=True) == "hecho"
    assert len(calls) == 3
    calls.clear()
    response = client.get("/unlucky")
    assert response.status_code == 503 and len(calls) == 3
