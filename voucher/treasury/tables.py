"""The treasurer's documents as tables: the columns, labels and rows their PDF and CSV share.

Each document is turned into a :class:`~voucher.pdf.tables.TableModel` here, in the reader's
language; the PDF (:mod:`voucher.treasury.papers`) draws it and the CSV
(:mod:`voucher.treasury.csv_export`) writes it, so paper and spreadsheet cannot disagree.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from voucher.dates import format_date, format_datetime
from voucher.pdf.tables import Column, RowStyle, TableModel
from voucher.programs.models import category_label
from voucher.treasury.documents import (
    ProgramReport,
    ProgramReportRow,
    Remittance,
    ShopStatement,
    StatementTotals,
    TrialBalance,
    program_report_totals,
    remittance_total,
    statement_totals,
    trial_balance_totals,
)

METHOD_LABELS = {"transfer": _l("Transferencia"), "cash": _l("Efectivo"), "cheque": _l("Cheque")}
OPENING_LABEL = _l("Saldo inicial adeudado")
CLOSING_LABEL = _l("Saldo final adeudado")
PERIOD_TOTALS_LABEL = _l("Totales del período")
VOIDED_MARK = _l("(anulado)")


def method_label(method: str) -> str:
    return str(METHOD_LABELS.get(method, method))


def account_type_label(kind: str) -> str:
    """'asset' -> 'Activo'; "Activo" alone is also a program's state, hence the context."""
    labels = {
        "asset": pgettext("tipo de cuenta", "Activo"),
        "liability": pgettext("tipo de cuenta", "Pasivo"),
        "equity": pgettext("tipo de cuenta", "Patrimonio"),
        "income": pgettext("tipo de cuenta", "Ingreso"),
        "expense": pgettext("tipo de cuenta", "Gasto"),
    }
    return labels.get(kind, kind)


def format_period(start: date, end: date) -> str:
    """'01-11-2026 al 30-11-2026'."""
    return _("%(start)s al %(end)s", start=format_date(start), end=format_date(end))


def statement_columns() -> tuple[Column, ...]:
    return (
        Column(_("Fecha y hora"), weight=25),
        Column(_("Detalle"), weight=57, wrap=True),
        Column(_("Serie"), weight=24),
        Column(_("Categoría"), weight=15),
        Column(_("Cargo"), "money", weight=19),
        Column(_("Abono"), "money", weight=19),
        Column(_("Saldo"), "money", weight=21),
    )


def statement_table(
    s: ShopStatement, totals: StatementTotals | None = None, *, closing_row: bool = False
) -> TableModel:
    """Opening row, one row per line with its running balance, the period totals row.

    ``closing_row`` adds a last "Saldo final adeudado" row (the CSV has it; the PDF states
    the closing balance under the table instead).
    """
    totals = totals or statement_totals(s)
    rows: list[tuple[str | int | None, ...]] = [
        (format_date(s.period_from), str(OPENING_LABEL), None, None, None, None, totals.opening)
    ]
    styles: list[RowStyle] = ["strong"]
    voided_mark = str(VOIDED_MARK)
    for line, balance in zip(s.lines, totals.balances, strict=True):
        detail = f"{line.description} {voided_mark}" if line.voided else line.description
        rows.append(
            (
                format_datetime(line.when, s.timezone),
                detail,
                line.serial or "",
                category_label(line.category),
                line.charge or None,
                line.credit or None,
                balance,
            )
        )
        styles.append("muted" if line.voided else "normal")
    rows.append(
        ("", str(PERIOD_TOTALS_LABEL), None, None, totals.charges, totals.credits, totals.closing)
    )
    styles.append("total")
    if closing_row:
        rows.append(
            (format_date(s.period_to), str(CLOSING_LABEL), None, None, None, None, totals.closing)
        )
        styles.append("strong")
    return TableModel(statement_columns(), rows, styles)


def remittance_columns() -> tuple[Column, ...]:
    return (
        Column(_("Fecha y hora"), weight=25),
        Column(_("N° canje"), weight=20),
        Column(_("Serie"), weight=30),
        Column(_("Categoría"), weight=20),
        Column(_("Monto"), "money", weight=22),
    )


def remittance_table(r: Remittance) -> TableModel:
    """One row per redemption paid, then the total."""
    total = remittance_total(r)
    rows: list[tuple[str | int | None, ...]] = [
        (
            format_datetime(line.redeemed_at, r.timezone),
            line.receipt_no,
            line.serial,
            category_label(line.category),
            line.amount,
        )
        for line in r.lines
    ]
    rows.append(("", "", "", _("Total"), total))
    return TableModel(remittance_columns(), rows, ["normal"] * len(r.lines) + ["total"])


def program_columns() -> tuple[Column, ...]:
    pesos, count = "$", _("N°")
    funded, issued, redeemed = _("Financiado"), _("Emitidos"), _("Canjeados")
    expired, cancelled, outstanding = _("Vencidos"), _("Anulados"), _("Pendiente")
    printed, delivered = _("Impresos"), _("Entregados")
    return (
        Column(_("Programa"), weight=34, wrap=True),
        Column(_("Categoría"), weight=15),
        Column(f"{funded}\n{pesos}", "money", weight=19),
        Column(f"{issued}\n{count}", "count", weight=11),
        Column(f"{issued}\n{pesos}", "money", weight=19),
        Column(f"{redeemed}\n{count}", "count", weight=12),
        Column(f"{redeemed}\n{pesos}", "money", weight=19),
        Column(f"{expired}\n{count}", "count", weight=11),
        Column(f"{expired}\n{pesos}", "money", weight=18),
        Column(f"{cancelled}\n{count}", "count", weight=11),
        Column(f"{cancelled}\n{pesos}", "money", weight=18),
        Column(f"{outstanding}\n{pesos}", "money", weight=19),
        Column(f"{printed}\n{count}", "count", weight=11),
        Column(f"{delivered}\n{count}", "count", weight=12),
    )


def _program_cells(row: ProgramReportRow, name: str, category: str) -> tuple[str | int, ...]:
    return (
        name,
        category,
        row.funded,
        row.issued_count,
        row.issued,
        row.redeemed_count,
        row.redeemed,
        row.expired_count,
        row.expired,
        row.cancelled_count,
        row.cancelled,
        row.outstanding,
        row.printed_count,
        row.delivered_count,
    )


def program_report_table(p: ProgramReport) -> TableModel:
    """One row per program, then the totals."""
    totals = program_report_totals(p)
    rows = [_program_cells(row, row.name, category_label(row.category)) for row in p.rows]
    rows.append(_program_cells(totals, _("Total"), ""))
    return TableModel(program_columns(), rows, ["normal"] * len(p.rows) + ["total"])


def trial_balance_columns() -> tuple[Column, ...]:
    """The "Balance de comprobación y saldos" a Chilean treasurer expects: every figure
    positive, each balance on its own side."""
    return (
        Column(_("Cuenta"), weight=70, wrap=True),
        Column(_("Tipo"), weight=18),
        Column(_("Débitos"), "money", weight=24),
        Column(_("Créditos"), "money", weight=24),
        Column(_("Saldo deudor"), "money", weight=24),
        Column(_("Saldo acreedor"), "money", weight=24),
    )


def trial_balance_table(t: TrialBalance) -> TableModel:
    """One row per account by its name (no internal code), then the totals: débitos equal
    créditos, and saldo deudor equals saldo acreedor, in balanced books."""
    totals = trial_balance_totals(t)
    rows: list[tuple[str | int | None, ...]] = [
        (
            row.name,
            account_type_label(row.type),
            row.debit,
            row.credit,
            row.debit_balance,
            row.credit_balance,
        )
        for row in t.rows
    ]
    rows.append(
        (
            _("Totales"),
            "",
            totals.debit,
            totals.credit,
            totals.debit_balance,
            totals.credit_balance,
        )
    )
    return TableModel(trial_balance_columns(), rows, ["normal"] * len(t.rows) + ["total"])


def trial_balance_title(t: TrialBalance) -> str:
    return _("Balance de comprobación y saldos al %(date)s", date=format_date(t.at))
