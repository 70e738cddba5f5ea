"""The treasurer's documents as data: shop statement, remittance, program report, trial balance.

Frozen dataclasses filled by the treasury's readers (:mod:`voucher.treasury.statement`,
:mod:`~voucher.treasury.remittance`, :mod:`~voucher.treasury.program_report`,
:mod:`~voucher.treasury.trial_balance`), and every total computed once here
(``statement_totals`` …), so the PDF (:mod:`voucher.treasury.papers`), its CSV twin
(:mod:`voucher.treasury.csv_export`) and the web page cannot disagree.

Input is checked, not trusted: money must be ``int`` pesos (a float or a bool raises
``TypeError``), line amounts must not be negative and a statement line's charge or credit must
match its kind (``ValueError``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from voucher.dates import in_sane_range
from voucher.errors import ValidationFailed
from voucher.pdf.pages import verification_code

MAX_PERIOD_DAYS = 3 * 366
SANE_RANGE = _l("Escriba una fecha entre los años 2000 y 2099.")
CHARGE_KINDS = frozenset({"redemption", "payment_reversal"})
CREDIT_KINDS = frozenset({"void", "payment"})


# --- the contract between the readers and the renderers --------------------------------------
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
    ledger_tip: str | None = None  # the books' chain tip (SEQ:HASH) it was made from
    # When the shop's bank details were last changed (None: never since registered).
    payment_details_changed_at: datetime | None = None
    shop_bank: str = ""  # how the parish pays the shop (bank, account type and number)


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
    ledger_tip: str | None = None  # the books' chain tip (SEQ:HASH) it was made from
    shop_bank: str = ""  # where the money went (bank, account type and number)


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
    # Of the vouchers issued in the period: papers printed at least once, handed out.
    printed_count: int = 0
    delivered_count: int = 0


@dataclass(frozen=True)
class ProgramReport:
    parish_name: str
    period_from: date
    period_to: date
    rows: Sequence[ProgramReportRow]
    generated_at: datetime
    timezone: str = "America/Santiago"
    ledger_tip: str | None = None  # the books' chain tip (SEQ:HASH) it was made from


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    type: str
    debit: int
    credit: int  # balance = debit - credit

    @property
    def debit_balance(self) -> int:
        """Saldo deudor: what the debits exceed the credits by (0 otherwise)."""
        return max(self.debit - self.credit, 0)

    @property
    def credit_balance(self) -> int:
        """Saldo acreedor: what the credits exceed the debits by (0 otherwise)."""
        return max(self.credit - self.debit, 0)


@dataclass(frozen=True)
class TrialBalance:
    parish_name: str
    at: date
    rows: Sequence[TrialBalanceRow]
    generated_at: datetime
    timezone: str = "America/Santiago"
    ledger_tip: str | None = None  # the books' chain tip (SEQ:HASH) it was made from


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
    debit_balance: int = 0
    credit_balance: int = 0

    @property
    def balance(self) -> int:
        return self.debit - self.credit

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit and self.debit_balance == self.credit_balance


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
    "printed_count",
    "delivered_count",
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
    return TrialBalanceTotals(
        debit,
        credit,
        sum(row.debit_balance for row in t.rows),
        sum(row.credit_balance for row in t.rows),
    )


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


def check_period(date_from: Any, date_to: Any, *, fields: tuple[str, str] = ("from", "to")) -> None:
    """Refuses (422) a missing or non-date bound, one outside the years 2000 to 2099,
    ``from`` after ``to`` and periods longer than three years."""
    errors = []
    for value, name in ((date_from, fields[0]), (date_to, fields[1])):
        if not isinstance(value, date) or isinstance(value, datetime):
            errors.append((name, _l("Escriba una fecha válida.")))
        elif not in_sane_range(value):
            errors.append((name, SANE_RANGE))
    if not errors and date_from > date_to:
        errors.append(
            (fields[0], _l("La fecha de inicio debe ser anterior o igual a la de término."))
        )
    elif not errors and (date_to - date_from).days > MAX_PERIOD_DAYS:
        errors.append((fields[1], _l("El período no puede ser mayor a tres años.")))
    if errors:
        raise ValidationFailed(errors)
