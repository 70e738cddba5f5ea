"""Households: register, edit, deactivate and anonymise (searching them: queries.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.db import utcnow
from voucher.errors import Conflict, Duplicate, ValidationFailed
from voucher.families import queries
from voucher.families.models import DocumentType, Family
from voucher.families.rules import document_digest, format_rut, normalise_document, search_key
from voucher.installation import document_index_key

MAX_HOUSEHOLD = 30


class FamilyAnonymised(Conflict):
    reason = "family_anonymised"
    message = _l("Esta familia fue anonimizada: sus datos ya no se pueden usar.")


class PossibleDuplicate(Duplicate):
    """A family with a close name at the same address or phone is already registered."""

    reason = "possible_duplicate"


SAME_WHY = {"address": _l("misma dirección"), "phone": _l("mismo teléfono")}
MAX_REASON = 500


@dataclass
class FamilyInput:
    head_name: str
    document_type: str
    document_number: str
    household_adults: int = 1
    household_children: int = 0
    address: str = ""
    sector: str = ""
    phone: str = ""
    notes: str = ""
    consent: bool = False


def _clean(data: FamilyInput, *, require_consent: bool) -> tuple[dict[str, Any], list]:
    errors: list[tuple[str, Any]] = []
    name = " ".join((data.head_name or "").split())
    if not name:
        errors.append(("head_name", _l("Escriba el nombre de la jefa o jefe de hogar.")))
    elif len(name) > 120:
        errors.append(("head_name", _l("El nombre es demasiado largo (máximo 120).")))
    try:
        doc_type = DocumentType(data.document_type)
    except ValueError:
        doc_type = None
        errors.append(("document_type", _l("Elija el tipo de documento.")))
    number = ""
    if doc_type is not None:
        try:
            number = normalise_document(doc_type, data.document_number)
        except ValueError as error:
            errors.append(("document_number", str(error)))
    for field, value in (
        ("household_adults", data.household_adults),
        ("household_children", data.household_children),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_HOUSEHOLD:
            errors.append((field, _l("Escriba un número entre 0 y %(max)s.", max=MAX_HOUSEHOLD)))
    if isinstance(data.household_adults, int) and data.household_adults == 0 and not errors:
        errors.append(("household_adults", _l("El hogar debe tener al menos un adulto.")))
    for field, limit in (("address", 200), ("sector", 80), ("phone", 30), ("notes", 2000)):
        if len(getattr(data, field) or "") > limit:
            errors.append((field, _l("Demasiado largo (máximo %(n)s caracteres).", n=limit)))
    if require_consent and not data.consent:
        errors.append(
            ("consent", _l("Registre el consentimiento de la familia para guardar sus datos."))
        )
    cleaned = {
        "head_name": name,
        "search_name": search_key(name),
        "document_type": doc_type,
        "document_number": number,
        "household_adults": data.household_adults,
        "household_children": data.household_children,
        "address": (data.address or "").strip(),
        "sector": (data.sector or "").strip(),
        "phone": (data.phone or "").strip(),
        "notes": (data.notes or "").strip(),
    }
    return cleaned, errors


def clean_input(data: FamilyInput, *, require_consent: bool) -> tuple[dict[str, Any], list]:
    """The stored form of ``data`` and its field errors, refusing nothing yet: an import
    checks each row with the same rules as the form."""
    return _clean(data, require_consent=require_consent)


def _check_duplicate(
    session: Session, parish_id: int, cleaned: dict, exclude_id: int | None
) -> None:
    query = sa.select(Family.id).where(
        Family.parish_id == parish_id,
        Family.document_type == cleaned["document_type"],
        Family.document_number == cleaned["document_number"],
    )
    if exclude_id is not None:
        query = query.where(Family.id != exclude_id)
    existing = session.scalar(query)
    if existing is not None:
        raise Duplicate(
            _l("Ya existe una familia con ese documento (familia N° %(id)s)."),
            existing_id=existing,
            id=existing,
            field="document_number",
        )


def _check_twin(session: Session, parish_id: int, cleaned: dict, reason: str) -> int | None:
    """Refuses (PossibleDuplicate) a family whose name is close to one registered at the
    same address or phone, unless staff wrote why it is another family; then answers that
    family's id, for the audit trail."""
    twin = queries.possible_twin(
        session,
        parish_id,
        search_name=cleaned["search_name"],
        address=cleaned["address"],
        phone=cleaned["phone"],
    )
    if twin is None:
        return None
    twin_id, twin_name, why = twin
    if reason:
        return twin_id
    raise PossibleDuplicate(
        _l(
            "Posible duplicado: ya está registrada %(name)s (familia N° %(id)s, %(why)s). "
            "Si es otra familia, escriba por qué y registre de nuevo.",
        ),
        existing_id=twin_id,
        name=twin_name,
        id=twin_id,
        why=str(SAME_WHY[why]),
        field="other_family_reason",
    )


def create_family(
    session: Session,
    parish_id: int,
    data: FamilyInput,
    user: Any,
    *,
    other_family_reason: str = "",
) -> Family:
    """Refuses missing name, a bad document (with the reason), absent consent, a
    document already registered in this parish (pointing to that family), and a close
    name at the same address or phone (409 possible_duplicate) unless
    ``other_family_reason`` says why it is another family (audited)."""
    cleaned, errors = _clean(data, require_consent=True)
    reason = " ".join((other_family_reason or "").split())
    if len(reason) > MAX_REASON:
        errors.append(
            ("other_family_reason", _l("Demasiado largo (máximo %(n)s caracteres).", n=MAX_REASON))
        )
    if errors:
        raise ValidationFailed(errors)
    _check_duplicate(session, parish_id, cleaned, None)
    twin_id = _check_twin(session, parish_id, cleaned, reason)
    family = Family(
        parish_id=parish_id,
        consent_at=utcnow(),
        consent_by_id=getattr(user, "id", None),
        document_digest=digest_of(cleaned),
        **cleaned,
    )
    try:
        with session.begin_nested():
            session.add(family)
            session.flush()
    except IntegrityError:
        # Another desk registered the same document a moment ago: point to it.
        _check_duplicate(session, parish_id, cleaned, None)
        raise
    if twin_id is None:
        record(session, "family_created", user=user, parish_id=parish_id, obj=family)
    else:
        record(
            session,
            "family_created",
            user=user,
            parish_id=parish_id,
            obj=family,
            other_family_than=twin_id,
            other_family_reason=reason,
        )
    return family


def digest_of(cleaned: dict[str, Any], key: bytes | None = None) -> str | None:
    """The document's keyed hash, or None where the cross-parish check is off."""
    key = key if key is not None else document_index_key()
    if key is None:
        return None
    return document_digest(key, cleaned["document_type"].value, cleaned["document_number"])


def index_documents(session: Session) -> int:
    """Give every family registered before the cross-parish check (or while it was off)
    its document's keyed hash; answers how many were indexed. Nothing when it is off."""
    key = document_index_key()
    if key is None:
        return 0
    rows = session.execute(
        sa.select(Family.id, Family.document_type, Family.document_number).where(
            Family.document_digest.is_(None), Family.anonymised_at.is_(None)
        )
    ).all()
    for family_id, doc_type, number in rows:
        session.execute(
            sa.update(Family)
            .where(Family.id == family_id)
            .values(document_digest=document_digest(key, doc_type.value, number))
        )
    return len(rows)


def check_other_parishes(session: Session, family: Family, user: Any) -> bool:
    """Whether the family's document is registered in another parish of the deployment
    (which one is never said). The check itself is audited."""
    if family.document_digest is None:
        return False
    found = queries.digest_elsewhere(session, family.parish_id, [family.document_digest])
    record(
        session,
        "document_checked_across_parishes",
        user=user,
        parish_id=family.parish_id,
        obj=family,
        found=bool(found),
    )
    return bool(found)


def update_family(session: Session, family: Family, data: FamilyInput, user: Any) -> Family:
    """Same checks as creation; consent stays as recorded. Refuses an anonymised household."""
    if family.anonymised_at is not None:
        raise FamilyAnonymised()
    cleaned, errors = _clean(data, require_consent=False)
    if errors:
        raise ValidationFailed(errors)
    _check_duplicate(session, family.parish_id, cleaned, family.id)
    changed = sorted(
        k for k, v in cleaned.items() if getattr(family, k) != v and k != "search_name"
    )
    try:
        with session.begin_nested():
            for key, value in cleaned.items():
                setattr(family, key, value)
            family.document_digest = digest_of(cleaned)
            session.flush()
    except IntegrityError:
        _check_duplicate(session, family.parish_id, cleaned, family.id)
        raise
    record(
        session, "family_updated", user=user, parish_id=family.parish_id, obj=family, fields=changed
    )
    return family


def set_active(session: Session, family: Family, active: bool, user: Any) -> Family:
    """Refuses to bring back an anonymised household (its data is gone)."""
    if active and family.anonymised_at is not None:
        raise FamilyAnonymised()
    family.active = active
    record(
        session,
        "family_activated" if active else "family_deactivated",
        user=user,
        parish_id=family.parish_id,
        obj=family,
    )
    return family


def record_view(session: Session, family: Family, user: Any) -> None:
    """Who looked at a household's personal data, and when (privacy log)."""
    record(session, "family_viewed", user=user, parish_id=family.parish_id, obj=family)


def display_document(family: Family) -> str:
    if family.document_type == DocumentType.RUT and family.document_number:
        return format_rut(family.document_number)
    return family.document_number


def anonymise_family(session: Session, family: Family, user: Any) -> Family:
    """Erase personal data but keep the household row, so vouchers and the books stay whole.
    Refuses a household already anonymised."""
    if family.anonymised_at is not None:
        raise FamilyAnonymised()
    family.head_name = f"Anonimizada {family.id}"
    family.search_name = search_key(family.head_name)
    family.document_type = DocumentType.OTHER
    family.document_number = f"ANON{family.id:06d}"
    family.document_digest = None
    family.address = family.sector = family.phone = family.notes = ""
    family.active = False
    family.anonymised_at = utcnow()
    record(session, "family_anonymised", user=user, parish_id=family.parish_id, obj=family)
    return family
