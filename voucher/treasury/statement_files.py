"""A shop's statement as a download, answered the same way by the web pages and the API,
for the people allowed to read it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.auth.models import Role
from voucher.errors import NotFound, ValidationFailed
from voucher.parishes.models import Parish
from voucher.responses import csv_response, pdf_response
from voucher.shops.models import Shop
from voucher.shops.services import get_parish_shop
from voucher.treasury import statement as statement_data
from voucher.treasury.csv_export import statement_csv
from voucher.treasury.papers import render_statement


def statement_scope(
    session: Session,
    user: Any,
    shop_id: int,
    *,
    parish_id: int | None = None,
    parish_slug: str | None = None,
) -> tuple[Parish, Shop]:
    """Whose statement ``user`` may read. Treasury people: their own parish (another one
    named is 404) and one of its shops. A shopkeeper: their own shop only (any other is
    404), in the parish named by id or slug, or else the only one it takes part in (422
    when it takes part in several)."""
    if user.role == Role.SHOPKEEPER:
        return _shopkeeper_scope(session, user, shop_id, parish_id, parish_slug)
    parish = session.get(Parish, user.parish_id) if user.parish_id else None
    if parish is None:
        raise NotFound()
    if (parish_id is not None and parish_id != parish.id) or (
        parish_slug and parish_slug != parish.slug
    ):
        raise NotFound()
    return parish, get_parish_shop(session, parish.id, shop_id)


def _shopkeeper_scope(
    session: Session, user: Any, shop_id: int, parish_id: int | None, parish_slug: str | None
) -> tuple[Parish, Shop]:
    if user.shop_id is None or user.shop_id != shop_id:
        raise NotFound()
    parishes = statement_data.shop_parishes(session, shop_id)
    if parish_id is not None:
        parishes = [p for p in parishes if p.id == parish_id]
    if parish_slug:
        parishes = [p for p in parishes if p.slug == parish_slug]
    if not parishes:
        raise NotFound()
    if len(parishes) > 1:
        raise ValidationFailed(
            [("parish", _l("Su comercio participa en varias parroquias: indique cuál."))]
        )
    return parishes[0], session.get(Shop, shop_id)


def statement_file(
    session: Session,
    parish: Parish,
    shop: Shop,
    date_from: date,
    date_to: date,
    *,
    kind: str,
    sep: str = ",",
) -> Response:
    """The shop's statement for the period as a PDF (``kind`` "pdf") or a CSV. Refuses a
    bad period (422)."""
    result = statement_data.shop_statement(session, parish, shop, date_from, date_to)
    name = f"estado-de-cuenta-{shop.id}-{date_from}-{date_to}"
    if kind == "pdf":
        return pdf_response(render_statement(result.statement), f"{name}.pdf")
    return csv_response(statement_csv(result.statement, sep), f"{name}.csv")
