"""The parish's treasury settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.parishes.models import Parish


def set_two_person_rule(session: Session, parish: Parish, enabled: bool, user: Any) -> None:
    """Switch whether each payment to a shop needs a second person's approval, and say
    who did it in the audit trail (the role check is the caller's: administrators only)."""
    parish.two_person_rule = bool(enabled)
    record(
        session,
        "two_person_rule",
        user=user,
        parish_id=parish.id,
        enabled=parish.two_person_rule,
    )
    session.flush()
