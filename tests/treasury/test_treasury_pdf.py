"""Treasurer PDFs parsed back with pypdf: figures, pagination, accents, and their CSV twins.

The expected figures are recomputed here from the raw amounts the test itself chose, never
taken from ``statement_totals``: a wrong sum in the renderer cannot hide behind itself.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from voucher.treasury.csv_export import (
    program_report_csv,
    remittance_csv,
    statement_csv,
    trial_balance_csv,
)
from voucher.treasury.documents import (
    ProgramReport,
    ProgramReportRow,
    Remittance,
    RemittanceLine,
    ShopStatement,
    StatementLine,
    TrialBalance,
    TrialBalanceRow,
    statement_totals,
    statement_verification,
)
from voucher.treasury.papers import (
    render_program_report,
    render_remittance,
    render_statement,
    render_trial_balance,
)

PARISH = "Parroquia Jesús Maestro"
SHOP = "Almacén Ñuñoa"
RUT = "76.123.456-7"
GENERATED = datetime(2026, 11, 28, 17, 5, tzinfo=UTC)  # 14:05 in Santiago (UTC-3 in summer)
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
MONEY = r"-?\$\d{1,3}(?:\.\d{3})*"
TABLE_HEADER = "Fecha y hora Detalle Serie Categoría Cargo Abono Saldo"


def pesos(text: str) -> int:
    """'-$1.234.000' -> -1234000, parsed here independently of voucher.money."""
    negative = text.startswith("-")
    value = int(text.lstrip("-").lstrip("$").replace(".", ""))
    return -value if negative else value


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def one(pattern: str, text: str) -> re.Match[str]:
    matches = list(re.finditer(pattern, text))
    assert len(matches) == 1, f"{pattern!r} found {len(matches)} times"
    return matches[0]


# --- statement data, with the raw movements kept aside for the expected figures -------------
def movements(count: int) -> list[tuple[str, int]]:
    """A realistic mix: redemptions, a void, payments and a payment reversal."""
    cycle = ["redemption", "redemption", "redemption", "void", "redemption", "payment"]
    result = []
    for index in range(count):
        kind = "payment_reversal" if index % 97 == 96 else cycle[index % len(cycle)]
        amount = 15_000 if kind.startswith("payment") else 5_000 + 250 * (index % 9)
        result.append((kind, amount))
    return result


def build_statement(moves: list[tuple[str, int]], opening: int = 120_000) -> ShopStatement:
    lines = []
    for index, (kind, amount) in enumerate(moves):
        when = START + timedelta(minutes=7 * index)
        serial = f"JM-2026-{index:06d}"
        category = "food" if index % 2 else "hygiene"
        if kind == "redemption":
            voided = index + 1 < len(moves) and moves[index + 1][0] == "void"
            line = StatementLine(
                when,
                kind,
                f"Canje N° {index:06d} · vale {serial}",
                serial,
                category,
                amount,
                0,
                voided=voided,
            )
        elif kind == "void":
            line = StatementLine(
                when, kind, f"Anulación canje N° {index:06d}", serial, category, 0, amount
            )
        elif kind == "payment":
            line = StatementLine(
                when, kind, f"Pago transferencia ref P{index:06d}", None, None, 0, amount
            )
        else:
            line = StatementLine(
                when, kind, f"Reversa de pago ref R{index:06d}", None, None, amount, 0
            )
        lines.append(line)
    return ShopStatement(
        parish_name=PARISH,
        shop_name=SHOP,
        shop_rut=RUT,
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        opening_balance=opening,
        lines=lines,
        generated_at=GENERATED,
    )


def expected(moves: list[tuple[str, int]], opening: int) -> tuple[int, int, int, list[int]]:
    charges = sum(a for kind, a in moves if kind in ("redemption", "payment_reversal"))
    credits = sum(a for kind, a in moves if kind in ("void", "payment"))
    running, balance = [], opening
    for kind, amount in moves:
        balance += amount if kind in ("redemption", "payment_reversal") else -amount
        running.append(balance)
    return charges, credits, opening + charges - credits, running


def pdf_statement_figures(text: str) -> dict[str, int]:
    """Opening, totals and closing as printed (summary box, totals row, closing line)."""
    figures = {
        "opening_box": rf"Saldo inicial adeudado al 01-11-2026\s+({MONEY})",
        "opening_row": rf"01-11-2026 Saldo inicial adeudado ({MONEY})",
        "charges_box": rf"\(\+\) Canjes y reversas de pago\s+({MONEY})",
        "credits_box": rf"\(-\) Anulaciones y pagos\s+({MONEY})",
        "closing_box": rf"Saldo final adeudado al 30-11-2026\s+({MONEY})",
        "closing": rf"Saldo final adeudado al 30-11-2026: ({MONEY})",
    }
    found = {name: pesos(one(pattern, text)[1]) for name, pattern in figures.items()}
    totals = one(rf"Totales del período ({MONEY}) ({MONEY}) ({MONEY})", text).groups()
    found["charges"], found["credits"], found["closing_row"] = map(pesos, totals)
    return found


def check_figures(figures: dict[str, int], opening: int, charges: int, credits: int) -> None:
    closing = opening + charges - credits
    assert figures["opening_box"] == figures["opening_row"] == opening
    assert figures["charges"] == figures["charges_box"] == charges
    assert figures["credits"] == figures["credits_box"] == credits
    assert figures["closing"] == figures["closing_row"] == figures["closing_box"] == closing


# --- shop statement ---------------------------------------------------------------------------
def test_statement_opening_totals_and_closing_match_the_lines():
    moves = movements(40)
    statement = build_statement(moves, opening=120_000)
    text = "\n".join(page_texts(render_statement(statement)))
    charges, credits, closing, _ = expected(moves, 120_000)
    assert charges and credits  # the data exercises both columns
    check_figures(pdf_statement_figures(text), 120_000, charges, credits)
    assert closing == pdf_statement_figures(text)["closing"]


def test_statement_csv_figures_equal_the_pdf_and_running_balances():
    moves = movements(120)
    statement = build_statement(moves, opening=-5_000)  # the parish had paid in advance
    pages = page_texts(render_statement(statement))
    charges, credits, closing, running = expected(moves, -5_000)
    rows = list(csv.reader(io.StringIO(statement_csv(statement, sep=";")), delimiter=";"))

    header, opening_row, *line_rows, totals_row, closing_row = rows
    assert header == ["Fecha y hora", "Detalle", "Serie", "Categoría", "Cargo", "Abono", "Saldo"]
    assert opening_row[:2] == ["01-11-2026", "Saldo inicial adeudado"]
    assert int(opening_row[6]) == -5_000
    assert [int(row[6]) for row in line_rows] == running
    assert totals_row[1] == "Totales del período"
    assert [int(totals_row[4]), int(totals_row[5]), int(totals_row[6])] == [
        charges,
        credits,
        closing,
    ]
    assert closing_row[:2] == ["30-11-2026", "Saldo final adeudado"]
    assert int(closing_row[6]) == closing

    # Every amount printed in the table, in order, equals the CSV's (blank = no amount).
    text = "\n".join(pages)
    table_text = text[text.index(TABLE_HEADER) :]
    table_text = re.sub(r"Generado el .*|Verificación: .*|Página \d+ de \d+", "", table_text)
    pdf_amounts = [pesos(token) for token in re.findall(MONEY, table_text)]
    csv_amounts = [int(cell) for row in rows[1:] for cell in row[4:] if cell]
    assert pdf_amounts == csv_amounts
    assert "-$5.000" in text


def test_statement_of_two_thousand_lines_paginates_with_header_and_page_numbers():
    moves = movements(2_000)
    statement = build_statement(moves)
    pages = page_texts(render_statement(statement))
    total = len(pages)
    assert total > 1
    code = statement_verification(statement)
    assert re.fullmatch(r"[0-9a-f]{12}", code)
    seen: list[str] = []
    for number, text in enumerate(pages, start=1):
        # Every page has the column header, except a last page holding only the closing
        # balance and the signatures.
        has_lines = re.search(r"Canje N°|Anulación canje|ref [PR]\d|Totales del", text) is not None
        assert text.count(TABLE_HEADER) == (1 if has_lines or number < total else 0), number
        assert re.findall(r"Página (\d+) de (\d+)", text) == [(str(number), str(total))]
        assert PARISH in text and "Estado de cuenta" in text
        assert f"Verificación: {code}" in text
        assert "Generado el 28-11-2026 14:05" in text
        seen += re.findall(r"(?:Canje N°|Anulación canje N°|ref [PR])\s?(\d{6})", text)
    # No line lost or printed twice at a page break.
    assert sorted(seen) == [f"{index:06d}" for index in range(2_000)]
    charges, credits, _, _ = expected(moves, 120_000)
    check_figures(pdf_statement_figures("\n".join(pages)), 120_000, charges, credits)


def test_spanish_accents_survive_text_extraction():
    statement = build_statement(movements(8))
    statement = replace(statement, shop_name="Almacén Ñuñoa «Doña Güera» – Peñalolén")
    text = "\n".join(page_texts(render_statement(statement)))
    for word in (
        "Parroquia Jesús Maestro",
        "Almacén Ñuñoa «Doña Güera» – Peñalolén",
        "Categoría",
        "Período",
        "Página 1 de 1",
        "Verificación",
        "Anulación canje N°",
        "Higiene",
        "Alimentos",
        "Tesorero(a)",
        "Comerciante",
        "(anulado)",
    ):
        assert word in text, word


def test_voided_redemption_is_marked_and_still_counted_once():
    moves = [("redemption", 10_000), ("void", 10_000), ("redemption", 3_000)]
    text = "\n".join(page_texts(render_statement(build_statement(moves, opening=0))))
    assert "Canje N° 000000 · vale JM-2026-000000 (anulado)" in text.replace("\n", " ")
    check_figures(pdf_statement_figures(text), 0, 13_000, 10_000)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    opening=st.integers(-2_000_000, 20_000_000),
    moves=st.lists(
        st.tuples(
            st.sampled_from(["redemption", "void", "payment", "payment_reversal"]),
            st.integers(1, 100_000_000),
        ),
        max_size=30,
    ),
)
def test_any_statement_prints_figures_recomputed_from_its_lines(opening, moves):
    statement = build_statement(moves, opening=opening)
    text = "\n".join(page_texts(render_statement(statement)))
    charges, credits, _, running = expected(moves, opening)
    check_figures(pdf_statement_figures(text), opening, charges, credits)
    assert list(statement_totals(statement).balances) == running


def test_verification_code_depends_on_the_lines_not_on_when_printed():
    statement = build_statement(movements(10))
    code = statement_verification(statement)
    later = replace(statement, generated_at=GENERATED + timedelta(days=3))
    assert statement_verification(later) == code
    changed = list(statement.lines)
    changed[4] = replace(changed[4], charge=changed[4].charge + 1)
    assert statement_verification(replace(statement, lines=changed)) != code
    assert f"Verificación: {code}" in page_texts(render_statement(statement))[0]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (StatementLine(START, "redemption", "x", None, None, 1000.0, 0), TypeError),  # type: ignore[arg-type]
        (StatementLine(START, "redemption", "x", None, None, True, 0), TypeError),  # type: ignore[arg-type]
        (StatementLine(START, "redemption", "x", None, None, -1, 0), ValueError),
        (StatementLine(START, "redemption", "x", None, None, 100, 100), ValueError),
        (StatementLine(START, "payment", "x", None, None, 100, 0), ValueError),
        (StatementLine(START, "refund", "x", None, None, 100, 0), ValueError),
    ],
)
def test_statement_refuses_bad_amounts(line, error):
    statement = replace(build_statement([]), lines=[line])
    with pytest.raises(error):
        render_statement(statement)
    with pytest.raises(error):
        statement_csv(statement)


# --- remittance -------------------------------------------------------------------------------
def build_remittance(amounts: list[int]) -> Remittance:
    return Remittance(
        parish_name=PARISH,
        shop_name=SHOP,
        shop_rut=RUT,
        settlement_no="L-2026-0042",
        through=date(2026, 11, 30),
        method="transfer",
        reference="Transferencia 998877",
        paid_at=datetime(2026, 12, 1, 15, 30, tzinfo=UTC),
        lines=[
            RemittanceLine(
                START + timedelta(hours=index),
                f"{index:06d}",
                f"JM-2026-{index:06d}",
                "food" if index % 3 else "hygiene",
                amount,
            )
            for index, amount in enumerate(amounts)
        ],
        generated_at=GENERATED,
    )


def test_remittance_total_method_and_csv():
    amounts = [12_000, 3_500, 7_250, 100_000, 1]
    remittance = build_remittance(amounts)
    text = "\n".join(page_texts(render_remittance(remittance)))
    total = sum(amounts)
    assert pesos(one(rf"Total pagado\s+({MONEY})", text)[1]) == total
    assert pesos(one(rf"\nTotal ({MONEY})", text)[1]) == total
    for expected_text in (
        "Comprobante de pago",
        "L-2026-0042",
        "Transferencia",
        "30-11-2026",
        "01-12-2026 12:30",
        "Transferencia 998877",
        "Tesorero(a)",
        "Comerciante",
        "Se pagan 5 canjes",
        "Verificación: ",
    ):
        assert expected_text in text, expected_text
    rows = list(csv.reader(io.StringIO(remittance_csv(remittance))))
    assert rows[0] == ["Fecha y hora", "N° canje", "Serie", "Categoría", "Monto"]
    assert [int(row[4]) for row in rows[1:-1]] == amounts
    assert rows[-1][3:] == ["Total", str(total)]
    assert rows[1][0] == "01-11-2026 09:00" and rows[1][3] == "Higiene"


@pytest.mark.parametrize(("method", "label"), [("cash", "Efectivo"), ("cheque", "Cheque")])
def test_remittance_method_in_spanish(method, label):
    remittance = replace(build_remittance([5_000]), method=method, reference=None)
    text = page_texts(render_remittance(remittance))[0]
    assert f"Medio de pago\n{label}" in text
    assert "Se pagan 1 canje por un total de $5.000" in text


# --- program report ---------------------------------------------------------------------------
def test_program_report_rows_and_totals():
    data = [
        (
            "Canasta de Navidad",
            "food",
            5_000_000,
            300,
            4_500_000,
            250,
            3_600_000,
            10,
            150_000,
            5,
            75_000,
            675_000,
        ),
        (
            "Útiles de aseo",
            "hygiene",
            1_000_000,
            100,
            800_000,
            80,
            600_000,
            2,
            16_000,
            0,
            0,
            184_000,
        ),
    ]
    report = ProgramReport(
        PARISH,
        date(2026, 11, 1),
        date(2026, 11, 30),
        [ProgramReportRow(*row) for row in data],
        GENERATED,
    )
    pdf = render_program_report(report)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape A4
    text = page.extract_text()
    sums = [sum(row[i] for row in data) for i in range(2, 12)] + [0, 0]  # printed, delivered
    totals = one(r"\nTotal (.*)", text)[1].split()
    assert [pesos(t) if "$" in t else int(t.replace(".", "")) for t in totals] == sums
    assert "Útiles de aseo Higiene $1.000.000 100 $800.000" in text
    assert "Informe de programas" in text and "01-11-2026 al 30-11-2026" in text
    rows = list(csv.reader(io.StringIO(program_report_csv(report, sep=";")), delimiter=";"))
    assert rows[0][:4] == ["Programa", "Categoría", "Financiado $", "Emitidos N°"]
    assert rows[-1] == ["Total", "", *map(str, sums)]
    assert rows[1] == ["Canasta de Navidad", "Alimentos", *map(str, data[0][2:]), "0", "0"]


# --- trial balance ----------------------------------------------------------------------------
TRIAL_ROWS = [
    TrialBalanceRow("bank", "Banco", "asset", 6_000_000, 3_000_000),
    TrialBalanceRow("fund:canasta", "Fondo Canasta de Navidad", "equity", 4_500_000, 6_000_000),
    TrialBalanceRow("vouchers", "Vales vigentes", "liability", 4_100_000, 4_500_000),
    TrialBalanceRow(
        "payable:rosita", "Por pagar Almacén Rosita", "liability", 3_000_000, 3_600_000
    ),
    TrialBalanceRow("fund:aseo", "Fondo útiles de aseo", "equity", 0, 500_000),
]


def test_trial_balance_has_names_two_balance_columns_and_no_negatives():
    debit = sum(row.debit for row in TRIAL_ROWS)
    credit = sum(row.credit for row in TRIAL_ROWS)
    assert debit == credit  # the test's own books balance
    trial = TrialBalance(PARISH, date(2026, 11, 30), TRIAL_ROWS, GENERATED)
    text = page_texts(render_trial_balance(trial))[0]
    assert "Balance de comprobación y saldos al 30-11-2026" in text
    for header in ("Débitos", "Créditos", "Saldo deudor", "Saldo acreedor"):
        assert header in text
    totals = [pesos(t) for t in one(rf"Totales {' '.join([f'({MONEY})'] * 4)}", text).groups()]
    assert totals[0] == totals[1] == debit  # débitos = créditos
    assert totals[2] == totals[3] == 3_000_000  # saldo deudor = saldo acreedor
    assert "-$" not in text  # no negative figure anywhere
    for code in ("bank", "fund:canasta", "payable:rosita", "vouchers "):
        assert code not in text  # accounts by their names only
    assert "Banco Activo $6.000.000 $3.000.000 $3.000.000 $0" in text
    assert "Vales vigentes Pasivo $4.100.000 $4.500.000 $0 $400.000" in text
    assert (
        "Cuadra: Débitos = Créditos = $17.600.000; Saldo deudor = Saldo acreedor = $3.000.000"
        in text
    )
    rows = list(csv.reader(io.StringIO(trial_balance_csv(trial))))
    assert rows[0] == ["Cuenta", "Tipo", "Débitos", "Créditos", "Saldo deudor", "Saldo acreedor"]
    assert rows[-1] == ["Totales", "", str(debit), str(credit), "3000000", "3000000"]
    assert rows[3] == ["Vales vigentes", "Pasivo", "4100000", "4500000", "0", "400000"]
    assert not any(cell.startswith("-") for row in rows for cell in row)


def test_unbalanced_trial_balance_says_so():
    rows = [*TRIAL_ROWS, TrialBalanceRow("bank2", "Caja", "asset", 1_000, 0)]
    trial = TrialBalance(PARISH, date(2026, 11, 30), rows, GENERATED)
    text = page_texts(render_trial_balance(trial))[0]
    assert "ATENCIÓN: el balance no cuadra" in text
    assert "diferencia $1.000" in text


def test_csv_neutralises_spreadsheet_formulas():
    rows = [TrialBalanceRow("x", '=HYPERLINK("http://evil")', "asset", 0, 5_000)]
    text = trial_balance_csv(TrialBalance(PARISH, date(2026, 11, 30), rows, GENERATED))
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[1] == ['\'=HYPERLINK("http://evil")', "Activo", "0", "5000", "0", "5000"]
