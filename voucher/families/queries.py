"""Reading households: the search the web list, the API and the program pages share."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import Session

from voucher.extensions import db
from voucher.families.models import Family
from voucher.families.rules import (
    address_key,
    expected_rut_check_digit,
    looks_like_rut,
    phone_key,
    search_key,
    similar_names,
)


def search(
    session: Session, parish_id: int, q: str = "", *, active_only: bool = False
) -> sa.Select:
    """Families of the parish matching a name (accents and case ignored) or a
    document in any format, newest first."""
    query = sa.select(Family).where(Family.parish_id == parish_id)
    q = (q or "").strip()
    if q:
        rut = looks_like_rut(q)
        key = search_key(q)
        conditions = [Family.search_name.contains(key, autoescape=True)]
        compact = "".join(ch for ch in q.upper() if ch.isalnum())
        if rut:
            conditions.append(Family.document_number == rut)
        elif compact:
            conditions.append(Family.document_number == compact)
        body = _rut_body(q)
        if body:
            # A RUT typed without its check digit ("12.345.678") still finds the family.
            conditions.append(Family.document_number == f"{body}-{expected_rut_check_digit(body)}")
        query = query.where(sa.or_(*conditions))
    if active_only:
        query = query.where(Family.active.is_(True))
    return query.order_by(Family.id.desc())


def _rut_body(text: str) -> str | None:
    """The digits of a RUT typed without its check digit, e.g. '12.345.678' -> '12345678'."""
    cleaned = text.replace(".", "").replace(" ", "")
    if cleaned.isdigit() and 7 <= len(cleaned) <= 8:
        return cleaned.lstrip("0") or None
    return None


def search_page(parish_id: int, q: str, *, page: int | None, per_page: int) -> Pagination:
    """One page of ``search`` for the web list."""
    return db.paginate(
        search(db.session, parish_id, q), page=page, per_page=per_page, error_out=False
    )


def possible_twin(
    session: Session,
    parish_id: int,
    *,
    search_name: str,
    address: str,
    phone: str,
    exclude_id: int | None = None,
) -> tuple[int, str, str] | None:
    """A family of the parish whose name is close to ``search_name`` (accents, case, word
    order and small typos ignored) at the same address or phone: (id, name, "address" or
    "phone"), or None. Two different people at one address are not twins."""
    wanted_address, wanted_phone = address_key(address), phone_key(phone)
    if not wanted_address and not wanted_phone:
        return None
    rows = session.execute(
        sa.select(Family.id, Family.head_name, Family.search_name, Family.address, Family.phone)
        .where(Family.parish_id == parish_id, Family.anonymised_at.is_(None))
        .order_by(Family.id)
    )
    for family_id, name, key, their_address, their_phone in rows:
        if family_id == exclude_id or not similar_names(search_name, key):
            continue
        if wanted_address and address_key(their_address) == wanted_address:
            return family_id, name, "address"
        if wanted_phone and phone_key(their_phone) == wanted_phone:
            return family_id, name, "phone"
    return None


def digest_elsewhere(session: Session, parish_id: int, digests: list[str]) -> set[str]:
    """Which of ``digests`` belong to a family of another parish (active or not,
    never anonymised: an anonymised family has no digest)."""
    found: set[str] = set()
    for start in range(0, len(digests), 500):
        chunk = digests[start : start + 500]
        found.update(
            session.scalars(
                sa.select(Family.document_digest).where(
                    Family.document_digest.in_(chunk), Family.parish_id != parish_id
                )
            )
        )
    return found
