"""Idempotency-Key storage: the first answer to a POST is kept in the same transaction
as its work and replayed to a retry with the same key; the voucher code it may carry is
kept out of the database and put back on replay."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, g, request
from pydantic import BaseModel

from voucher.api.models import IdempotencyRecord
from voucher.errors import IdempotencyMismatch
from voucher.extensions import db
from voucher.transaction import before_commit, on_conflict

_REMEMBER = sa.insert(IdempotencyRecord.__table__)


def _plain(result: Any) -> Any:
    """Pydantic models (alone or with a status) as JSON-ready data, so views need not dump."""
    if isinstance(result, tuple) and result and isinstance(result[0], BaseModel):
        return (result[0].model_dump(mode="json"), *result[1:])
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    return result


def stored_answer(user_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        sa.select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )


def replay(stored: IdempotencyRecord, body_hash: str) -> Response:
    if stored.request_hash != body_hash:
        raise IdempotencyMismatch()
    body = stored.body
    restore = g.get("idempotency_restore")
    if restore is not None:
        body = json_dumps(restore(json.loads(body)))
    response = Response(body, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(
    user_id: int, key: str, body_hash: str, result: Any, redact: Callable[[Any], Any] | None = None
) -> Any:
    """Keep the response in the same transaction as the work (written and committed
    after the view, where a concurrent twin's row is caught)."""
    response = current_app.make_response(_plain(result))
    if response.status_code < 400 and response.mimetype == "application/json":
        body = response.get_data(as_text=True)
        if redact is not None:
            body = json_dumps(redact(json.loads(body)))
        g.idempotency = (user_id, key, body_hash)
        g.idempotency_record = {
            "user_id": user_id,
            "key": key,
            "method": request.method,
            "path": request.path,
            "request_hash": body_hash,
            "status": response.status_code,
            "body": body,
        }
    return response


def stage_idempotency(response: Response) -> Response:
    """The idempotency record joins the work's transaction, written just before the one
    commit of the request (voucher.transaction); if a concurrent twin committed first,
    its unique key is caught there and the twin's answer is replayed."""
    record = g.pop("idempotency_record", None)
    if record is None or response.status_code >= 400:
        return response
    pending = g.idempotency

    def replay_twin() -> Response | None:
        stored = stored_answer(pending[0], pending[1])
        return replay(stored, pending[2]) if stored is not None else None

    before_commit(lambda: db.session.execute(_REMEMBER, record))
    on_conflict(replay_twin)
    return response


def json_dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
