"""The treasury's downloads, answered the same way by the web pages and the API: a shop's
statement for the people allowed to read it, and the parish's books as an hledger
journal, streamed."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, stream_with_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.auth.models import Role
from voucher.errors import NotFound, ValidationFailed
from voucher.ledger.export import iter_hledger
from voucher.parishes.models import Parish
from voucher.pdf.treasury import render_statement
from voucher.responses import attachment, csv_response, pdf_response
from voucher.shops.models import Shop
from voucher.shops.services import get_parish_shop
from voucher.treasury import reports as report_data
from voucher.treasury.csv_export import statement_csv


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
    parishes = report_data.shop_parishes(session, shop_id)
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
    result = report_data.shop_statement(session, parish, shop, date_from, date_to)
    name = f"estado-de-cuenta-{shop.id}-{date_from}-{date_to}"
    if kind == "pdf":
        return pdf_response(render_statement(result.statement), f"{name}.pdf")
    return csv_response(statement_csv(result.statement, sep), f"{name}.csv")


def check_journal_period(date_from: date | None, date_to: date | None) -> None:
    """Either bound may be left out; both given, the first may not come after the last
    (422 on ``from``)."""
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(
            [("from", _l("La fecha de inicio debe ser anterior o igual a la de término."))]
        )


def journal_file(
    session: Session, parish: Parish, date_from: date | None, date_to: date | None
) -> Response:
    """The parish's books (or only ``date_from``..``date_to``) as an hledger journal,
    streamed transaction by transaction: a big journal never sits in memory."""
    check_journal_period(date_from, date_to)
    pieces = iter_hledger(session, parish, date_from=date_from, date_to=date_to)
    suffix = f"-{date_from or 'inicio'}-{date_to or 'hoy'}" if date_from or date_to else ""
    response = attachment(
        stream_with_context(piece.encode() for piece in pieces),
        "text/plain",
        f"{parish.slug}{suffix}.journal",
    )
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response
