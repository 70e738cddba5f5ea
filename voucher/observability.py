"""What a volunteer (or whoever helps them) can see of a running server: ``/healthz``
for a monitor, and one log line per request with a request id that is also sent back
in ``X-Request-Id`` and printed on the error page, so a person can read it out."""

from __future__ import annotations

import logging
import re
import time
import uuid

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, g, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from voucher.extensions import db, limiter, migrate

log = logging.getLogger("vales.request")
bp = Blueprint("health", __name__)
INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id() -> str:
    return g.get("request_id", "")


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[Response, int]:
    """200 when the database answers at the code's schema revision; 503 with the reason
    otherwise. No authentication and no data."""
    try:
        with db.engine.connect() as connection:
            revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError:
        return jsonify(status="unavailable", reason="database"), 503
    if revision != _head():
        return jsonify(status="unavailable", reason="schema", revision=revision), 503
    return jsonify(status="ok"), 200


def _head() -> str:
    script = ScriptDirectory.from_config(migrate.get_config())
    return script.get_current_head()


def register_observability(app: Flask) -> None:
    app.register_blueprint(bp)
    served = logging.getLogger("vales")
    if not app.testing and not served.handlers:
        # One line a request on stderr (gunicorn's error log), whatever else is set up.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        served.addHandler(handler)
        served.setLevel(logging.INFO)
        served.propagate = False

    @app.before_request
    def start() -> None:
        sent = request.headers.get("X-Request-Id", "")
        g.request_id = sent if INCOMING_ID.fullmatch(sent) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-Id"] = request_id()
        started = g.get("request_started")
        user = g.get("_login_user") or g.get("api_user")
        log.log(
            logging.DEBUG if request.endpoint == "health.healthz" else logging.INFO,
            "request id=%s method=%s route=%s status=%s ms=%.1f user=%s parish=%s",
            request_id(),
            request.method,
            request.endpoint or "-",
            response.status_code,
            (time.perf_counter() - started) * 1000 if started else 0.0,
            getattr(user, "id", None) or "-",
            getattr(user, "parish_id", None) or "-",
        )
        return response
