"""Handing the printed papers out.

The delivery list (acta de entrega) of a round or of one voucher lists the papers in the
order the sheets print them (``printing.round_vouchers``), each with the family the parish
recorded for it, so paper N goes to the family on line N. Marking a voucher delivered
keeps when, and to whom when someone else collected it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.dates import format_date, to_local, utcnow
from voucher.errors import ValidationFailed
from voucher.families.models import Family
from voucher.families.services import display_document
from voucher.parishes.models import Parish
from voucher.pdf.delivery import DeliveryRow, delivery_headers, render_delivery_list
from voucher.pdf.pages import ReportMeta
from voucher.pdf.table_csv import table_csv
from voucher.pdf.tables import Column, TableModel
from voucher.programs.models import Program
from voucher.vouchers.models import Round, Voucher
from voucher.vouchers.printing import round_vouchers
from voucher.vouchers.rules import require_active, state_of

NOTE_MAX = 120


@dataclass(frozen=True)
class DeliveryList:
    """A delivery list ready to draw: its heading, what it covers, and its lines."""

    parish: Parish
    heading: str
    subtitle: str
    rows: list[DeliveryRow]
    filename: str


def delivery_rows(session: Session, vouchers: Sequence[Voucher]) -> list[DeliveryRow]:
    """One line per voucher, in the given (print) order."""
    families: dict[int, Family] = {}
    programs: dict[int, Program] = {}
    rows = []
    for voucher in vouchers:
        if voucher.family_id not in families:
            families[voucher.family_id] = session.get(Family, voucher.family_id)
        if voucher.program_id not in programs:
            programs[voucher.program_id] = session.get(Program, voucher.program_id)
        family = families[voucher.family_id]
        delivered = voucher.delivered_at
        rows.append(
            DeliveryRow(
                serial=voucher.serial,
                family_name=family.head_name,
                document=display_document(family),
                program_name=programs[voucher.program_id].name,
                amount=voucher.amount,
                expires_on=voucher.expires_on,
                delivered_on=to_local(delivered, voucher_tz(session, voucher)).date()
                if delivered
                else None,
            )
        )
    return rows


def voucher_tz(session: Session, voucher: Voucher) -> str:
    return session.get(Parish, voucher.parish_id).timezone


def round_delivery(session: Session, issue: Round, *, today: date | None = None) -> DeliveryList:
    """The round's papers as the round's PDF prints them (its live vouchers)."""
    parish = session.get(Parish, issue.parish_id)
    program = session.get(Program, issue.program_id)
    vouchers = round_vouchers(session, issue, today=today)
    return DeliveryList(
        parish=parish,
        heading=_("Acta de entrega de vales"),
        subtitle=_(
            "Ronda de %(program)s del %(day)s",
            program=program.name,
            day=format_date(to_local(issue.created_at, parish.timezone).date()),
        ),
        rows=delivery_rows(session, vouchers),
        filename=f"entrega-ronda-{issue.id}",
    )


def voucher_delivery(session: Session, voucher: Voucher) -> DeliveryList:
    """One voucher issued by itself: its own one-line list to sign."""
    parish = session.get(Parish, voucher.parish_id)
    return DeliveryList(
        parish=parish,
        heading=_("Acta de entrega de vales"),
        subtitle=_("Vale %(serial)s", serial=voucher.serial),
        rows=delivery_rows(session, [voucher]),
        filename=f"entrega-{voucher.serial}",
    )


def delivery_pdf(delivery: DeliveryList) -> bytes:
    meta = ReportMeta(
        parish_name=delivery.parish.name,
        title=delivery.heading,
        subtitle=delivery.subtitle,
        generated_at=utcnow(),
        timezone=delivery.parish.timezone,
        landscape=True,
    )
    return render_delivery_list(meta, delivery.rows, delivery.heading)


def delivery_table(delivery: DeliveryList) -> TableModel:
    """The CSV twin: the PDF's columns in its order; the signature column stays empty."""
    number, serial, family, document, program, amount, expires, sign, day = delivery_headers()
    columns = (
        Column(number, "count"),
        Column(serial),
        Column(family),
        Column(document),
        Column(program),
        Column(amount, "money"),
        Column(expires),
        Column(sign),
        Column(day),
    )
    rows = [
        (
            n,
            row.serial,
            row.family_name,
            row.document,
            row.program_name,
            row.amount,
            format_date(row.expires_on),
            "",
            format_date(row.delivered_on) if row.delivered_on else "",
        )
        for n, row in enumerate(delivery.rows, start=1)
    ]
    return TableModel(columns, rows, ["normal"] * len(rows))


def delivery_csv(delivery: DeliveryList, sep: str = ",") -> str:
    return table_csv(delivery_table(delivery), sep)


def mark_delivered(
    session: Session,
    voucher: Voucher,
    *,
    user: Any,
    today: date,
    delivered_on: date | None = None,
    note: str | None = None,
) -> Voucher:
    """Record that the paper reached its family (on ``delivered_on``, today by default;
    ``note`` says who collected it when not the head of the family). Marking it again
    changes nothing. Refuses a voucher that is no longer live (409 not_active), a day
    in the future (422) and a note over NOTE_MAX characters (422)."""
    require_active(state_of(voucher), today)
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise ValidationFailed([("note", _l("Escriba hasta %(n)s caracteres.", n=NOTE_MAX))])
    if delivered_on is not None and delivered_on > today:
        raise ValidationFailed(
            [("delivered_on", _l("La fecha de entrega no puede ser posterior a hoy."))]
        )
    if voucher.delivered_at is not None:
        return voucher
    tz = voucher_tz(session, voucher)
    if delivered_on is None or delivered_on == today:
        voucher.delivered_at = utcnow()
    else:
        noon = datetime.combine(delivered_on, time(12, 0), tzinfo=ZoneInfo(tz))
        voucher.delivered_at = noon.astimezone(ZoneInfo("UTC"))
    voucher.delivered_to = note or None
    session.flush()
    record(
        session,
        "voucher_delivered",
        user=user,
        parish_id=voucher.parish_id,
        obj=voucher,
        serial=voucher.serial,
        delivered_to=note,
    )
    return voucher
