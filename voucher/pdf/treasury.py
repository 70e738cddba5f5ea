"""The treasurer's four documents: shop statement, remittance, program report, trial balance.

Pure functions from the frozen dataclasses below (filled by the service layer) to PDF bytes.
Each document is first turned into a :class:`~voucher.pdf.reports.TableModel`; the PDF and
its CSV twin (:mod:`voucher.treasury.csv_export`) are both drawn from that model, and every
total comes from one function here (``statement_totals`` …), so paper, spreadsheet and web page
cannot disagree.

Input is checked, not trusted: money must be ``int`` pesos (a float or a bool raises
``TypeError``), line amounts must not be negative and a statement line's charge or credit must
match its kind (``ValueError``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from reportlab.platypus import Flowable

from voucher.dates import format_date, format_datetime
from voucher.money import format_clp, format_number
from voucher.pdf.reports import (
    Column,
    ReportMeta,
    ReportTable,
    RowStyle,
    TableModel,
    amounts_table,
    build_pdf,
    format_period,
    info_table,
    paragraph,
    signature_block,
    spacer,
    title,
    verification_code,
)

CATEGORY_LABELS = {"food": "Alimentos", "hygiene": "Higiene"}
METHOD_LABELS = {"transfer": "Transferencia", "cash": "Efectivo", "cheque": "Cheque"}
ACCOUNT_TYPE_LABELS = {
    "asset": "Activo",
    "liability": "Pasivo",
    "equity": "Patrimonio",
    "income": "Ingreso",
    "expense": "Gasto",
}
CHARGE_KINDS = frozenset({"redemption", "payment_reversal"})
CREDIT_KINDS = frozenset({"void", "payment"})
VOIDED_MARK = "(anulado)"
TREASURER = "Tesorero(a)"
SHOPKEEPER = "Comerciante"


# --- the contract with the service layer ----------------------------------------------------
@dataclass(frozen=True)
class StatementLine:
    when: datetime  # UTC aware
    kind: str  # "redemption" | "void" | "payment" | "payment_reversal"
    description: str  # "Canje N° 000457 · vale JM-2026-000123" / "Pago transferencia ref 123"
    serial: str | None
    category: str | None  # "food" | "hygiene" | None
    charge: int  # increases what the parish owes (redemption, payment reversal), else 0
    credit: int  # decreases it (void, payment), else 0
    voided: bool = False  # a redemption that was later voided


@dataclass(frozen=True)
class ShopStatement:
    """A shop's account for a period; lines in the order to print (chronological)."""

    parish_name: str
    shop_name: str
    shop_rut: str
    period_from: date
    period_to: date
    opening_balance: int
    lines: Sequence[StatementLine]
    generated_at: datetime
    timezone: str = "America/Santiago"


@dataclass(frozen=True)
class RemittanceLine:
    redeemed_at: datetime
    receipt_no: str
    serial: str
    category: str
    amount: int


@dataclass(frozen=True)
class Remittance:
    parish_name: str
    shop_name: str
    shop_rut: str
    settlement_no: str
    through: date
    method: str  # "transfer" | "cash" | "cheque"
    reference: str | None
    paid_at: datetime
    lines: Sequence[RemittanceLine]
    generated_at: datetime
    timezone: str = "America/Santiago"


@dataclass(frozen=True)
class ProgramReportRow:
    name: str
    category: str
    funded: int
    issued_count: int
    issued: int
    redeemed_count: int
    redeemed: int
    expired_count: int
    expired: int
    cancelled_count: int
    cancelled: int
    outstanding: int


@dataclass(frozen=True)
class ProgramReport:
    parish_name: str
    period_from: date
    period_to: date
    rows: Sequence[ProgramReportRow]
    generated_at: datetime
    timezone: str = "America/Santiago"


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    type: str
    debit: int
    credit: int  # balance = debit - credit


@dataclass(frozen=True)
class TrialBalance:
    parish_name: str
    at: date
    rows: Sequence[TrialBalanceRow]
    generated_at: datetime
    timezone: str = "America/Santiago"


# --- totals: the one computation the PDF, the CSV and the web page share ---------------------
@dataclass(frozen=True)
class StatementTotals:
    """opening + charges - credits = closing; ``balances[i]`` is the balance after line i."""

    opening: int
    charges: int
    credits: int
    closing: int
    balances: tuple[int, ...]


@dataclass(frozen=True)
class TrialBalanceTotals:
    debit: int
    credit: int

    @property
    def balance(self) -> int:
        return self.debit - self.credit

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit


def _pesos(value: object, what: str, *, negative: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be integer pesos, got {value!r}")
    if value < 0 and not negative:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def statement_totals(s: ShopStatement) -> StatementTotals:
    """Opening, period charges and credits, closing balance and the running balance per line.

    Refuses (ValueError/TypeError) non-integer or negative amounts, an unknown kind, and a
    line whose charge/credit does not match its kind.
    """
    balance = _pesos(s.opening_balance, "opening_balance", negative=True)
    charges = credits = 0
    balances: list[int] = []
    for number, line in enumerate(s.lines, start=1):
        charge = _pesos(line.charge, f"line {number} charge")
        credit = _pesos(line.credit, f"line {number} credit")
        if line.kind in CHARGE_KINDS:
            if credit:
                raise ValueError(f"line {number}: a {line.kind} has no credit")
        elif line.kind in CREDIT_KINDS:
            if charge:
                raise ValueError(f"line {number}: a {line.kind} has no charge")
        else:
            raise ValueError(f"line {number}: unknown kind {line.kind!r}")
        charges += charge
        credits += credit
        balance += charge - credit
        balances.append(balance)
    return StatementTotals(s.opening_balance, charges, credits, balance, tuple(balances))


def remittance_total(r: Remittance) -> int:
    """Sum of the redemptions a remittance pays (each must be a positive integer)."""
    total = 0
    for number, line in enumerate(r.lines, start=1):
        if _pesos(line.amount, f"line {number} amount") == 0:
            raise ValueError(f"line {number}: a redemption of $0")
        total += line.amount
    return total


_PROGRAM_FIELDS = (
    "funded",
    "issued_count",
    "issued",
    "redeemed_count",
    "redeemed",
    "expired_count",
    "expired",
    "cancelled_count",
    "cancelled",
    "outstanding",
)


def program_report_totals(p: ProgramReport) -> ProgramReportRow:
    """Column sums of a program report, as a row named 'Total'."""
    sums = dict.fromkeys(_PROGRAM_FIELDS, 0)
    for row in p.rows:
        for field in _PROGRAM_FIELDS:
            sums[field] += _pesos(getattr(row, field), f"{row.name} {field}")
    return ProgramReportRow(name="Total", category="", **sums)


def trial_balance_totals(t: TrialBalance) -> TrialBalanceTotals:
    """Total debits and credits; a sound ledger has them equal."""
    debit = sum(_pesos(row.debit, f"{row.code} debit") for row in t.rows)
    credit = sum(_pesos(row.credit, f"{row.code} credit") for row in t.rows)
    return TrialBalanceTotals(debit, credit)


# --- verification codes -----------------------------------------------------------------
def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def statement_records(
    s: ShopStatement, totals: StatementTotals | None = None
) -> Iterator[list[object]]:
    """The canonical line data of a statement (what its verification code hashes)."""
    totals = totals or statement_totals(s)
    yield ["vales/estado-de-cuenta", 1]
    yield [
        s.parish_name,
        s.shop_name,
        s.shop_rut,
        s.period_from.isoformat(),
        s.period_to.isoformat(),
        s.opening_balance,
    ]
    for line in s.lines:
        yield [
            _utc(line.when),
            line.kind,
            line.description,
            line.serial,
            line.category,
            line.charge,
            line.credit,
            line.voided,
        ]
    yield ["totales", totals.charges, totals.credits, totals.closing]


def statement_verification(s: ShopStatement, totals: StatementTotals | None = None) -> str:
    """Short code printed in the statement's footer (12 hex digits); same data, same code.

    It hashes the lines, the shop and the period, not the generation time, so a statement
    printed again later carries the same code.
    """
    return verification_code(statement_records(s, totals))


def remittance_records(r: Remittance) -> Iterator[list[object]]:
    """The canonical line data of a remittance (what its verification code hashes)."""
    total = remittance_total(r)
    yield ["vales/comprobante-de-pago", 1]
    yield [
        r.parish_name,
        r.shop_name,
        r.shop_rut,
        r.settlement_no,
        r.through.isoformat(),
        r.method,
        r.reference,
        _utc(r.paid_at),
    ]
    for line in r.lines:
        yield [_utc(line.redeemed_at), line.receipt_no, line.serial, line.category, line.amount]
    yield ["total", total]


def remittance_verification(r: Remittance) -> str:
    """Short code printed in the remittance's footer (12 hex digits)."""
    return verification_code(remittance_records(r))


# --- table models (shared with the CSV twins) -----------------------------------------------
def category_label(category: str | None) -> str:
    """'food' -> 'Alimentos'; an unknown category is shown as given."""
    return CATEGORY_LABELS.get(category, category) if category else ""


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


def account_type_label(kind: str) -> str:
    return ACCOUNT_TYPE_LABELS.get(kind, kind)


STATEMENT_COLUMNS = (
    Column("Fecha y hora", weight=25),
    Column("Detalle", weight=57, wrap=True),
    Column("Serie", weight=24),
    Column("Categoría", weight=15),
    Column("Cargo", "money", weight=19),
    Column("Abono", "money", weight=19),
    Column("Saldo", "money", weight=21),
)
OPENING_LABEL = "Saldo inicial adeudado"
CLOSING_LABEL = "Saldo final adeudado"
PERIOD_TOTALS_LABEL = "Totales del período"


def statement_table(
    s: ShopStatement, totals: StatementTotals | None = None, *, closing_row: bool = False
) -> TableModel:
    """Opening row, one row per line with its running balance, the period totals row.

    ``closing_row`` adds a last "Saldo final adeudado" row (the CSV has it; the PDF states
    the closing balance under the table instead).
    """
    totals = totals or statement_totals(s)
    rows: list[tuple[str | int | None, ...]] = [
        (format_date(s.period_from), OPENING_LABEL, None, None, None, None, totals.opening)
    ]
    styles: list[RowStyle] = ["strong"]
    for line, balance in zip(s.lines, totals.balances, strict=True):
        detail = f"{line.description} {VOIDED_MARK}" if line.voided else line.description
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
        ("", PERIOD_TOTALS_LABEL, None, None, totals.charges, totals.credits, totals.closing)
    )
    styles.append("total")
    if closing_row:
        rows.append(
            (format_date(s.period_to), CLOSING_LABEL, None, None, None, None, totals.closing)
        )
        styles.append("strong")
    return TableModel(STATEMENT_COLUMNS, rows, styles)


REMITTANCE_COLUMNS = (
    Column("Fecha y hora", weight=25),
    Column("N° canje", weight=20),
    Column("Serie", weight=30),
    Column("Categoría", weight=20),
    Column("Monto", "money", weight=22),
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
    rows.append(("", "", "", "Total", total))
    return TableModel(REMITTANCE_COLUMNS, rows, ["normal"] * len(r.lines) + ["total"])


PROGRAM_COLUMNS = (
    Column("Programa", weight=34, wrap=True),
    Column("Categoría", weight=15),
    Column("Financiado\n$", "money", weight=19),
    Column("Emitidos\nN°", "count", weight=11),
    Column("Emitidos\n$", "money", weight=19),
    Column("Canjeados\nN°", "count", weight=12),
    Column("Canjeados\n$", "money", weight=19),
    Column("Vencidos\nN°", "count", weight=11),
    Column("Vencidos\n$", "money", weight=18),
    Column("Anulados\nN°", "count", weight=11),
    Column("Anulados\n$", "money", weight=18),
    Column("Pendiente\n$", "money", weight=19),
)


def _program_cells(row: ProgramReportRow, category: str) -> tuple[str | int | None, ...]:
    return (
        row.name,
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
    )


def program_report_table(p: ProgramReport) -> TableModel:
    """One row per program, then the totals."""
    totals = program_report_totals(p)
    rows = [_program_cells(row, category_label(row.category)) for row in p.rows]
    rows.append(_program_cells(totals, ""))
    return TableModel(PROGRAM_COLUMNS, rows, ["normal"] * len(p.rows) + ["total"])


TRIAL_BALANCE_COLUMNS = (
    Column("Código", weight=30),
    Column("Cuenta", weight=55, wrap=True),
    Column("Tipo", weight=18),
    Column("Debe", "money", weight=25),
    Column("Haber", "money", weight=25),
    Column("Saldo", "money", weight=25),
)


def trial_balance_table(t: TrialBalance) -> TableModel:
    """One row per account (saldo = debe - haber), then the totals."""
    totals = trial_balance_totals(t)
    rows: list[tuple[str | int | None, ...]] = [
        (
            row.code,
            row.name,
            account_type_label(row.type),
            row.debit,
            row.credit,
            row.debit - row.credit,
        )
        for row in t.rows
    ]
    rows.append(("", "Totales", "", totals.debit, totals.credit, totals.balance))
    return TableModel(TRIAL_BALANCE_COLUMNS, rows, ["normal"] * len(t.rows) + ["total"])


def trial_balance_title(t: TrialBalance) -> str:
    return f"Balance de comprobación al {format_date(t.at)}"


# --- the four documents ---------------------------------------------------------------------
def render_statement(s: ShopStatement) -> bytes:
    """'Estado de cuenta' of one shop for a period, to sign by treasurer and shopkeeper."""
    totals = statement_totals(s)
    period = format_period(s.period_from, s.period_to)
    meta = ReportMeta(
        parish_name=s.parish_name,
        title="Estado de cuenta",
        subtitle=f"{s.shop_name} · RUT {s.shop_rut} · {period}",
        generated_at=s.generated_at,
        timezone=s.timezone,
        verification=statement_verification(s, totals),
    )
    width = meta.content_width
    story: list[Flowable] = [
        title("Estado de cuenta"),
        info_table(
            [
                ("Comercio", s.shop_name),
                ("RUT", s.shop_rut),
                ("Período", period),
                ("Generado el", format_datetime(s.generated_at, s.timezone)),
            ],
            width,
        ),
        spacer(4),
        amounts_table(
            [
                (f"{OPENING_LABEL} al {format_date(s.period_from)}", totals.opening),
                ("(+) Canjes y reversas de pago", totals.charges),
                ("(-) Anulaciones y pagos", totals.credits),
                (f"{CLOSING_LABEL} al {format_date(s.period_to)}", totals.closing),
            ]
        ),
        spacer(5),
        ReportTable(statement_table(s, totals), width),
        spacer(4),
        signature_block(
            [(TREASURER, ""), (SHOPKEEPER, s.shop_name)],
            width,
            lead=[
                paragraph(
                    f"{CLOSING_LABEL} al {format_date(s.period_to)}: {format_clp(totals.closing)}",
                    strong=True,
                )
            ],
        ),
    ]
    return build_pdf(meta, story)


def render_remittance(r: Remittance) -> bytes:
    """'Comprobante de pago' of a settlement: what was paid, how, and for which redemptions."""
    total = remittance_total(r)
    meta = ReportMeta(
        parish_name=r.parish_name,
        title="Comprobante de pago",
        subtitle=f"Liquidación N° {r.settlement_no} · {r.shop_name} · RUT {r.shop_rut}",
        generated_at=r.generated_at,
        timezone=r.timezone,
        verification=remittance_verification(r),
    )
    width = meta.content_width
    count = len(r.lines)
    story: list[Flowable] = [
        title("Comprobante de pago"),
        info_table(
            [
                ("Liquidación N°", r.settlement_no),
                ("Comercio", r.shop_name),
                ("RUT", r.shop_rut),
                ("Canjes hasta el", format_date(r.through)),
                ("Fecha de pago", format_datetime(r.paid_at, r.timezone)),
                ("Medio de pago", method_label(r.method)),
                ("Referencia", r.reference or "—"),
            ],
            width,
        ),
        spacer(4),
        amounts_table([("Total pagado", total)]),
        spacer(5),
        ReportTable(remittance_table(r), width),
        spacer(4),
        signature_block(
            [(TREASURER, ""), (SHOPKEEPER, r.shop_name)],
            width,
            lead=[
                paragraph(
                    f"Se pagan {format_number(count)} canje{'s' if count != 1 else ''} "
                    f"por un total de {format_clp(total)}. El comerciante declara recibir "
                    "conforme este pago."
                )
            ],
        ),
    ]
    return build_pdf(meta, story)


def render_program_report(p: ProgramReport) -> bytes:
    """'Informe de programas': per program, vouchers and pesos by state (A4 landscape)."""
    period = format_period(p.period_from, p.period_to)
    meta = ReportMeta(
        parish_name=p.parish_name,
        title="Informe de programas",
        subtitle=f"Período {period}",
        generated_at=p.generated_at,
        timezone=p.timezone,
        landscape=True,
    )
    width = meta.content_width
    story: list[Flowable] = [
        title("Informe de programas"),
        info_table(
            [("Período", period), ("Generado el", format_datetime(p.generated_at, p.timezone))],
            width,
        ),
        spacer(5),
        ReportTable(program_report_table(p), width),
        spacer(3),
        paragraph(
            "N°: cantidad de vales. Pendiente: valor de vales vigentes aún no canjeado. "
            "Montos en pesos."
        ),
    ]
    return build_pdf(meta, story)


def render_trial_balance(t: TrialBalance) -> bytes:
    """'Balance de comprobación' at a date; says plainly whether debits equal credits."""
    totals = trial_balance_totals(t)
    heading = trial_balance_title(t)
    meta = ReportMeta(
        parish_name=t.parish_name,
        title=heading,
        generated_at=t.generated_at,
        timezone=t.timezone,
    )
    if totals.balanced:
        verdict = f"Cuadra: total Debe = total Haber = {format_clp(totals.debit)}."
    else:
        verdict = (
            f"ATENCIÓN: el balance no cuadra. Total Debe {format_clp(totals.debit)}, "
            f"total Haber {format_clp(totals.credit)}, diferencia {format_clp(totals.balance)}."
        )
    story: list[Flowable] = [
        title(heading),
        info_table(
            [("Generado el", format_datetime(t.generated_at, t.timezone))], meta.content_width
        ),
        spacer(5),
        ReportTable(trial_balance_table(t), meta.content_width),
        spacer(4),
        paragraph(verdict, strong=True),
    ]
    return build_pdf(meta, story)
