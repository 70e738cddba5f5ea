"""Everything kept about a household, for the data subject's access right: its data,
its programs and its vouchers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.families.models import Family
from voucher.programs.queries import enrolments_of
from voucher.vouchers.queries import family_vouchers


def export_family(session: Session, family: Family, user: Any) -> dict[str, Any]:
    """The household as JSON-ready data (its vouchers oldest first); the export is
    audited."""
    record(session, "family_exported", user=user, parish_id=family.parish_id, obj=family)
    return {
        "id": family.id,
        "head_name": family.head_name,
        "document_type": family.document_type.value,
        "document_number": family.document_number,
        "household_adults": family.household_adults,
        "household_children": family.household_children,
        "address": family.address,
        "sector": family.sector,
        "phone": family.phone,
        "notes": family.notes,
        "active": family.active,
        "consent_at": family.consent_at.isoformat(),
        "created_at": family.created_at.isoformat(),
        "programs": [
            {"name": e.program.name, "enrolled_at": e.created_at.isoformat()}
            for e in enrolments_of(session, family)
        ],
        "vouchers": [
            {
                "serial": v.serial,
                "amount": v.amount,
                "remaining": v.remaining,
                "status": v.status.value,
                "issued_on": v.issued_on.isoformat(),
                "expires_on": v.expires_on.isoformat(),
            }
            for v in reversed(family_vouchers(session, family))
        ],
    }
