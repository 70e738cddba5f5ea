"""The treasurer's four PDFs: shop statement, remittance, program report, trial balance.

Each paper is its data (:mod:`voucher.treasury.documents`) laid out with the plain building
blocks of :mod:`voucher.pdf.pages` around its table (:mod:`voucher.treasury.tables`), every
word in the reader's language.
"""

from __future__ import annotations

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
from voucher.pdf.tables import ReportTable
from voucher.treasury.documents import (
    ProgramReport,
    Remittance,
    ShopStatement,
    TrialBalance,
    remittance_total,
    remittance_verification,
    statement_totals,
    statement_verification,
    trial_balance_totals,
)
from voucher.treasury.tables import (
    CLOSING_LABEL,
    OPENING_LABEL,
    format_period,
    method_label,
    program_report_table,
    remittance_table,
    statement_table,
    trial_balance_table,
    trial_balance_title,
)

TREASURER = _l("Tesorero(a)")
SHOPKEEPER = _l("Comerciante")


def _lang() -> str:
    """The document's language for its metadata: 'es-CL' or 'en'."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale is not None else "es-CL"


def _at(label: object, day: object) -> str:
    return _("%(label)s al %(date)s", label=label, date=format_date(day))


def render_statement(s: ShopStatement) -> bytes:
    """'Estado de cuenta' of one shop for a period, to sign by treasurer and shopkeeper."""
    totals = statement_totals(s)
    period = format_period(s.period_from, s.period_to)
    heading = _("Estado de cuenta")
    meta = ReportMeta(
        parish_name=s.parish_name,
        title=heading,
        subtitle=_(
            "%(shop)s · RUT %(rut)s · %(period)s", shop=s.shop_name, rut=s.shop_rut, period=period
        ),
        generated_at=s.generated_at,
        timezone=s.timezone,
        ledger_tip=s.ledger_tip,
        verification=statement_verification(s, totals),
        lang=_lang(),
    )
    width = meta.content_width
    closing = _at(CLOSING_LABEL, s.period_to)
    story: list[Flowable] = [
        title(heading),
        info_table(
            [
                (_("Comercio"), s.shop_name),
                (_("RUT"), s.shop_rut),
                (_("Datos bancarios"), s.shop_bank or "—"),
                (_("Período"), period),
                (_("Generado el"), format_datetime(s.generated_at, s.timezone)),
                *_payment_details_row(s),
            ],
            width,
        ),
        spacer(4),
        amounts_table(
            [
                (_at(OPENING_LABEL, s.period_from), totals.opening),
                (_("(+) Canjes y reversas de pago"), totals.charges),
                (_("(-) Anulaciones y pagos"), totals.credits),
                (closing, totals.closing),
            ]
        ),
        spacer(5),
        ReportTable(statement_table(s, totals), width),
        spacer(4),
        signature_block(
            [(str(TREASURER), ""), (str(SHOPKEEPER), s.shop_name)],
            width,
            lead=[paragraph(f"{closing}: {format_clp(totals.closing)}", strong=True)],
        ),
    ]
    return build_pdf(meta, story)


def _payment_details_row(s: ShopStatement) -> list[tuple[str, str]]:
    """Where the shop is paid was changed: when (so a change nobody asked for is seen)."""
    if s.payment_details_changed_at is None:
        return []
    when = format_datetime(s.payment_details_changed_at, s.timezone)
    return [(_("Datos para pagarle modificados el"), when)]


def _paid_sentence(count: int, total: int) -> str:
    return ngettext(
        "Se pagan %(count)s canje por un total de %(total)s. El comerciante declara recibir "
        "conforme este pago.",
        "Se pagan %(count)s canjes por un total de %(total)s. El comerciante declara recibir "
        "conforme este pago.",
        count,
        count=format_number(count),
        total=format_clp(total),
    )


def render_remittance(r: Remittance) -> bytes:
    """'Comprobante de pago' of a settlement: what was paid, how, and for which redemptions."""
    total = remittance_total(r)
    heading = _("Comprobante de pago")
    meta = ReportMeta(
        parish_name=r.parish_name,
        title=heading,
        subtitle=_(
            "Liquidación N° %(number)s · %(shop)s · RUT %(rut)s",
            number=r.settlement_no,
            shop=r.shop_name,
            rut=r.shop_rut,
        ),
        generated_at=r.generated_at,
        timezone=r.timezone,
        ledger_tip=r.ledger_tip,
        verification=remittance_verification(r),
        lang=_lang(),
    )
    width = meta.content_width
    story: list[Flowable] = [
        title(heading),
        info_table(
            [
                (_("Liquidación N°"), r.settlement_no),
                (_("Comercio"), r.shop_name),
                (_("RUT"), r.shop_rut),
                (_("Canjes hasta el"), format_date(r.through)),
                (_("Fecha de pago"), format_datetime(r.paid_at, r.timezone)),
                (_("Datos bancarios"), r.shop_bank or "—"),
                (_("Medio de pago"), method_label(r.method)),
                (_("Referencia"), r.reference or "—"),
            ],
            width,
        ),
        spacer(4),
        amounts_table([(_("Total pagado"), total)]),
        spacer(5),
        ReportTable(remittance_table(r), width),
        spacer(4),
        signature_block(
            [(str(TREASURER), ""), (str(SHOPKEEPER), r.shop_name)],
            width,
            lead=[paragraph(_paid_sentence(len(r.lines), total))],
        ),
    ]
    return build_pdf(meta, story)


def render_program_report(p: ProgramReport) -> bytes:
    """'Informe de programas': per program, vouchers and pesos by state (A4 landscape)."""
    period = format_period(p.period_from, p.period_to)
    heading = _("Informe de programas")
    meta = ReportMeta(
        parish_name=p.parish_name,
        title=heading,
        subtitle=_("Período %(period)s", period=period),
        generated_at=p.generated_at,
        timezone=p.timezone,
        ledger_tip=p.ledger_tip,
        landscape=True,
        lang=_lang(),
    )
    width = meta.content_width
    story: list[Flowable] = [
        title(heading),
        info_table(
            [
                (_("Período"), period),
                (_("Generado el"), format_datetime(p.generated_at, p.timezone)),
            ],
            width,
        ),
        spacer(5),
        ReportTable(program_report_table(p), width),
        spacer(3),
        paragraph(
            _(
                "N°: cantidad de vales. Pendiente: valor de vales vigentes aún no canjeado. "
                "Montos en pesos."
            )
        ),
    ]
    return build_pdf(meta, story)


def _balance_verdict(t: TrialBalance) -> str:
    totals = trial_balance_totals(t)
    if totals.balanced:
        return _(
            "Cuadra: Débitos = Créditos = %(total)s; Saldo deudor = Saldo acreedor = %(balance)s.",
            total=format_clp(totals.debit),
            balance=format_clp(totals.debit_balance),
        )
    return _(
        "ATENCIÓN: el balance no cuadra. Débitos %(debit)s, Créditos %(credit)s, "
        "diferencia %(difference)s.",
        debit=format_clp(totals.debit),
        credit=format_clp(totals.credit),
        difference=format_clp(
            abs(totals.balance) or abs(totals.debit_balance - totals.credit_balance)
        ),
    )


def render_trial_balance(t: TrialBalance) -> bytes:
    """'Balance de comprobación y saldos' at a date; says plainly whether debits equal
    credits (and debit balances equal credit balances)."""
    heading = trial_balance_title(t)
    verdict = _balance_verdict(t)
    meta = ReportMeta(
        parish_name=t.parish_name,
        title=heading,
        generated_at=t.generated_at,
        timezone=t.timezone,
        ledger_tip=t.ledger_tip,
        lang=_lang(),
    )
    story: list[Flowable] = [
        title(heading),
        info_table(
            [(_("Generado el"), format_datetime(t.generated_at, t.timezone))], meta.content_width
        ),
        spacer(5),
        ReportTable(trial_balance_table(t), meta.content_width),
        spacer(4),
        paragraph(verdict, strong=True),
    ]
    return build_pdf(meta, story)
