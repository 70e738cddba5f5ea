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
