"""Append-only audit trail."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Session

from voucher.audit.models import AuditEvent
from voucher.db import utcnow

_INSERT = sa.insert(AuditEvent.__table__)


def record(
    session: Session,
    action: str,
    *,
    user: Any = None,
    parish_id: int | None = None,
    shop_id: int | None = None,
    obj: Any = None,
    **detail: Any,
) -> None:
    """Add an audit event to the caller's transaction (it commits or rolls back with it).
    A plain INSERT: nothing reads the row back, and money-moving requests all write one."""
    session.execute(
        _INSERT,
        dict(
            at=utcnow(),
            action=action,
            user_id=getattr(user, "id", None),
            parish_id=parish_id if parish_id is not None else getattr(user, "parish_id", None),
            shop_id=shop_id if shop_id is not None else getattr(user, "shop_id", None),
            object_type=type(obj).__name__.lower() if obj is not None else None,
            object_id=getattr(obj, "id", None),
            detail=json.dumps(detail, default=str, ensure_ascii=False, sort_keys=True)
            if detail
            else "",
            ip=request.remote_addr if has_request_context() else None,
        ),
    )
