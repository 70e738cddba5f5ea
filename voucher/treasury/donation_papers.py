"""The donor statement: one page, in Spanish, to hand or send to the donor, saying what
their gift paid for (figures from :mod:`voucher.treasury.donations`)."""

from __future__ import annotations

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from reportlab.platypus import Flowable

from voucher.dates import format_date, format_datetime
from voucher.money import format_clp, format_number
from voucher.pdf.pages import (
    ReportMeta,
    amounts_table,
    build_pdf,
    info_table,
    paragraph,
    signature_block,
    spacer,
    title,
)
from voucher.programs.models import category_label
from voucher.treasury.donations import DonorStatement
from voucher.treasury.papers import TREASURER


def statement_sentence(s: DonorStatement) -> str:
    """'Su aporte de $500.000 del 03-11-2026 financió 33 vales de alimentos para 31
    familias; …' — or, for a gift not used yet, that it is still waiting in the fund."""
    u = s.use
    opening = _(
        "Su aporte de %(amount)s del %(date)s",
        amount=format_clp(u.amount),
        date=format_date(s.received_on),
    )
    if not u.issued:
        return _(
            "%(opening)s todavía no se ha usado: sigue disponible en el fondo del programa "
            "para los próximos vales.",
            opening=opening,
        )
    kind = category_label(s.category).lower()
    parts = [
        ngettext(
            "%(opening)s financió %(num)s vale de %(kind)s",
            "%(opening)s financió %(num)s vales de %(kind)s",
            u.vouchers,
            opening=opening,
            kind=kind,
        )
        + ngettext(" para %(num)s familia", " para %(num)s familias", u.families)
    ]
    if u.redeemed:
        parts.append(
            ngettext(
                "%(amount)s ya se canjearon en %(num)s almacén del barrio",
                "%(amount)s ya se canjearon en %(num)s almacenes del barrio",
                u.shops,
                amount=format_clp(u.redeemed),
            )
        )
    if u.in_vouchers:
        parts.append(
            _(
                "%(amount)s están en vales que las familias aún no usan",
                amount=format_clp(u.in_vouchers),
            )
        )
    if u.available:
        parts.append(_("%(amount)s siguen disponibles", amount=format_clp(u.available)))
    return "; ".join(parts) + "."


def render_donor_statement(s: DonorStatement) -> bytes:
    """One A4 page in Spanish, whatever the language of the person who downloads it."""
    with force_locale("es_CL"):
        heading = _("Estado de su aporte")
        donor = s.donor_name or (_("Donante anónimo") if s.anonymous else _("Donante"))
        meta = ReportMeta(
            parish_name=s.parish_name,
            title=heading,
            subtitle=f"{donor} · {s.program_name}",
            generated_at=s.generated_at,
            timezone=s.timezone,
            lang="es-CL",
        )
        width = meta.content_width
        u = s.use
        story: list[Flowable] = [
            title(heading),
            info_table(
                [
                    (_("Donante"), donor),
                    (_("Programa"), s.program_name),
                    (_("Fecha del aporte"), format_date(s.received_on)),
                    (_("Monto del aporte"), format_clp(u.amount)),
                    (_("Referencia"), s.reference or "—"),
                ],
                width,
            ),
            spacer(5),
            paragraph(statement_sentence(s), strong=True),
            spacer(5),
            amounts_table(
                [
                    (_("Canjeado en almacenes del barrio"), u.redeemed),
                    (_("En vales aún sin usar"), u.in_vouchers),
                    (_("Disponible en el fondo, por entregar"), u.available),
                    (_("Su aporte"), u.amount),
                ]
            ),
            spacer(4),
            paragraph(
                _(
                    "Vales entregados: %(vouchers)s · familias: %(families)s · almacenes: "
                    "%(shops)s.",
                    vouchers=format_number(u.vouchers),
                    families=format_number(u.families),
                    shops=format_number(u.shops),
                )
            ),
            spacer(3),
            paragraph(
                _(
                    "Cada vale se paga con los aportes más antiguos que aún tienen saldo, en el "
                    "orden de los libros de la parroquia; el valor de un vale vencido o anulado "
                    "vuelve al aporte que lo pagó. Cifras al %(when)s. ¡Gracias por su ayuda!",
                    when=format_datetime(s.generated_at, s.timezone),
                )
            ),
            spacer(6),
            signature_block([(str(TREASURER), s.parish_name)], width),
        ]
        return build_pdf(meta, story)
