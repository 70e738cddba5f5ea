"""The parish's books as an hledger journal download, streamed the same way by the web
page and the API."""

from __future__ import annotations

from datetime import date

from flask import Response, stream_with_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.dates import in_sane_range
from voucher.errors import ValidationFailed
from voucher.parishes.models import Parish
from voucher.responses import attachment
from voucher.treasury.documents import SANE_RANGE
from voucher.treasury.journal import iter_hledger


def check_journal_period(date_from: date | None, date_to: date | None) -> None:
    """Either bound may be left out; both given, the first may not come after the last
    (422 on ``from``); a bound outside the years 2000 to 2099 is refused too."""
    for value, name in ((date_from, "from"), (date_to, "to")):
        if value is not None and not in_sane_range(value):
            raise ValidationFailed([(name, SANE_RANGE)])
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
