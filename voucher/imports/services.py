"""A family import: preview a file (nothing written but the preview row), then confirm it
(every accepted row written in one transaction, audited as one import).

Confirming reads the stored file again and checks it against the families registered by
then, so a family registered at the desk between preview and confirmation is skipped,
not duplicated; and a file imported twice creates nothing the second time."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.db import utcnow
from voucher.errors import Conflict, ValidationFailed
from voucher.families.models import Family
from voucher.families.services import digest_of
from voucher.imports import queries, rules
from voucher.imports.family_plan import make_plan
from voucher.imports.models import FamilyImport, ImportStatus
from voucher.imports.plans import (
    AlreadyConfirmed,
    ImportExpired,
    Plan,
    keep_preview,
)
from voucher.installation import document_index_key
from voucher.programs.models import Enrolment


class ImportRaced(Conflict):
    reason = "conflict"
    message = _l(
        "Mientras tanto se registró una familia del archivo. Revise la vista previa de nuevo."
    )


def preview_import(
    session: Session,
    parish_id: int,
    user: Any,
    *,
    file_name: str,
    data: bytes,
    program_id: int | None = None,
    consent_attested: bool = False,
    now: datetime | None = None,
) -> tuple[FamilyImport, Plan]:
    """Read the file and keep it as a preview for a day. Refuses a program of another
    parish (422 on program_id) and any file reading.py refuses; writes no family."""
    if program_id is not None and queries.program_of(session, parish_id, program_id) is None:
        raise ValidationFailed([("program_id", _l("Elija un programa de la parroquia."))])
    plan = make_plan(session, parish_id, data, consent_attested=consent_attested)
    imp = keep_preview(
        session,
        FamilyImport,
        parish_id=parish_id,
        user=user,
        file_name=file_name,
        data=data,
        plan=plan,
        now=now,
        same=queries.done_with_same_file(session, parish_id, hashlib.sha256(data).hexdigest()),
        summary={"encoding": plan.sheet.encoding, "separator": plan.sheet.separator},
        program_id=program_id,
        consent_attested=consent_attested,
    )
    return imp, plan


def plan_of(session: Session, imp: FamilyImport) -> Plan:
    """The preview's plan again, from the stored file (an expired or confirmed import
    has no file left: AlreadyConfirmed or ImportExpired)."""
    if imp.status == ImportStatus.DONE:
        raise AlreadyConfirmed()
    if imp.content is None:
        raise ImportExpired()
    return make_plan(session, imp.parish_id, imp.content, consent_attested=imp.consent_attested)


def confirm_import(
    session: Session,
    imp: FamilyImport,
    user: Any,
    *,
    accept_lines: list[int] | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Write every accepted row (created, updated; flagged rows only when their line is in
    ``accept_lines``) and enrol the new and updated families in the import's program, in
    the caller's transaction. Refuses a confirmed import (409 already_confirmed) and one
    past its day (409 expired)."""
    now = now or utcnow()
    if imp.status == ImportStatus.DONE:
        raise AlreadyConfirmed()
    if imp.expires_at <= now:
        raise ImportExpired()
    plan = plan_of(session, imp)
    accepted = set(accept_lines or ())
    creating = [
        o
        for o in plan.outcomes
        if o.action == rules.CREATE or (o.action == rules.FLAG and o.line in accepted)
    ]
    updating = [o for o in plan.outcomes if o.action == rules.UPDATE]
    # Only one confirmation wins: the row goes from preview to done exactly once.
    user_id = getattr(user, "id", None)
    claimed = session.execute(
        sa.update(FamilyImport)
        .where(FamilyImport.id == imp.id, FamilyImport.status == ImportStatus.PREVIEW)
        .values(
            status=ImportStatus.DONE, confirmed_at=now, confirmed_by_id=getattr(user, "id", None)
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AlreadyConfirmed()
    key = document_index_key()
    families = [
        Family(
            parish_id=imp.parish_id,
            consent_at=now,
            consent_by_id=user_id,
            document_digest=digest_of(o.values, key) if key is not None else None,
            **o.values,
        )
        for o in creating
    ]
    try:
        with session.begin_nested():
            session.add_all(families)
            session.flush()
    except IntegrityError:
        raise ImportRaced() from None
    for outcome in updating:
        session.execute(
            sa.update(Family)
            .where(Family.id == outcome.existing_id)
            .values(**outcome.changes, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    enrolled = 0
    if imp.program_id is not None:
        already = queries.enrolled_family_ids(session, imp.program_id)
        targets = [f.id for f in families] + [o.existing_id for o in updating]
        rows = [
            {
                "program_id": imp.program_id,
                "family_id": family_id,
                "enrolled_by_id": user_id,
                "created_at": now,
            }
            for family_id in dict.fromkeys(targets)
            if family_id not in already
        ]
        if rows:
            session.execute(sa.insert(Enrolment), rows)
        enrolled = len(rows)
    counts = plan.counts
    result = {
        "created": len(families),
        "updated": len(updating),
        "skipped": counts[rules.SKIP] + counts[rules.FLAG] - (len(creating) - counts[rules.CREATE]),
        "rejected": counts[rules.REJECT],
        "enrolled": enrolled,
    }
    imp.status = ImportStatus.DONE
    imp.confirmed_at = now
    imp.confirmed_by_id = user_id
    imp.content = None  # the personal data now lives in the families; the file goes
    imp.result = json.dumps(result)
    if imp.consent_attested:
        imp.consent_attested_on = today or now.date()
    record(
        session,
        "families_imported",
        user=user,
        parish_id=imp.parish_id,
        obj=imp,
        file_name=imp.file_name,
        sha256=imp.sha256,
        program_id=imp.program_id,
        consent_attested=imp.consent_attested,
        accepted_flagged=sorted(accepted & {o.line for o in creating}),
        **result,
    )
    return result
