"""What any import (families, shops) shares: the rows of a file and what each becomes,
the preview kept for a day, and the refusals of a confirmation."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.db import utcnow
from voucher.errors import Conflict
from voucher.imports import rules
from voucher.imports.models import ImportStatus
from voucher.imports.reading import Sheet

PREVIEW_LIFETIME = timedelta(days=1)


class AlreadyConfirmed(Conflict):
    reason = "already_confirmed"
    message = _l("Esta importación ya fue confirmada.")


class ImportExpired(Conflict):
    reason = "expired"
    message = _l("La vista previa venció (dura un día). Suba el archivo de nuevo.")


@dataclass
class Outcome:
    """What one data row of the file becomes."""

    line: int
    cells: list[str]
    action: str
    reason_code: str = ""
    message: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    existing_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    sheet: Sheet
    columns: rules.Columns
    header: list[str]
    outcomes: list[Outcome]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            (rules.CREATE, rules.UPDATE, rules.SKIP, rules.REJECT, rules.FLAG), 0
        )
        for outcome in self.outcomes:
            counts[outcome.action] += 1
        return counts

    @property
    def listed(self) -> list[Outcome]:
        """The rows not created as they are (api.md lists only these)."""
        return [o for o in self.outcomes if o.action != rules.CREATE]

    def rejected_csv(self) -> str:
        return rules.rejected_csv(
            self.header,
            [(o.cells, o.message) for o in self.outcomes if o.action == rules.REJECT],
        )


def already_registered(
    outcome: Outcome,
    existing_id: int,
    changes: dict[str, Any],
    labels: dict[str, Any],
    *,
    updating: Any,
    skipping: Any,
) -> None:
    """A row of something the parish already has: updated where the file says something
    new (``updating`` names the fields), skipped otherwise."""
    outcome.existing_id = existing_id
    outcome.reason_code = "already_registered"
    if changes:
        fields = ", ".join(str(labels[name]) for name in changes)
        outcome.action, outcome.changes = rules.UPDATE, changes
        outcome.message = str(updating) % {"id": existing_id, "fields": fields}
    else:
        outcome.action = rules.SKIP
        outcome.message = str(skipping) % {"id": existing_id}


def summary_of(imp: Any) -> dict[str, Any]:
    """What a preview found (counts, columns), from a family or shop import."""
    return json.loads(imp.summary or "{}")


def result_of(imp: Any) -> dict[str, Any]:
    """What a confirmation wrote."""
    return json.loads(imp.result or "{}")


def keep_preview(
    session: Session,
    model: type,
    *,
    parish_id: int,
    user: Any,
    file_name: str | None,
    data: bytes,
    plan: Any,
    now: datetime | None,
    same: Any,
    summary: dict[str, Any] | None = None,
    **fields: Any,
) -> Any:
    """The file kept as a preview of ``model`` (families or shops) for a day, with what
    the preview found; previews past their day forget their files."""
    now = now or utcnow()
    imp = model(
        parish_id=parish_id,
        user_id=getattr(user, "id", None),
        file_name=(file_name or "archivo")[-200:],
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        status=ImportStatus.PREVIEW,
        expires_at=now + PREVIEW_LIFETIME,
        summary=json.dumps(
            {
                "counts": plan.counts,
                "unknown_columns": plan.columns.unknown,
                "columns": plan.columns.titles,
                "same_file_import_id": same.id if same else None,
                "kind": plan.sheet.kind,
                **(summary or {}),
            },
            ensure_ascii=False,
        ),
        result="",
        **fields,
    )
    session.add(imp)
    forget_expired_files(session, model, parish_id, now)
    session.flush()
    return imp


def forget_expired_files(session: Session, model: type, parish_id: int, now: datetime) -> None:
    """Files of previews past their day are not kept: they hold personal data."""
    session.execute(
        sa.update(model)
        .where(
            model.parish_id == parish_id,
            model.status == ImportStatus.PREVIEW,
            model.expires_at < now,
            model.content.is_not(None),
        )
        .values(content=None)
        .execution_options(synchronize_session=False)
    )
