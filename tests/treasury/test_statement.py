"""Shop statements from the database: the PDF's figures (read back with pypdf) equal the
ones recomputed here from the redemptions, voids and payments this test made; the CSV says
the same; consecutive periods chain; a long statement paginates."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests import factories
from tests.treasury.conftest import at
from voucher.dates import day_start_utc
from voucher.errors import ValidationFailed
from voucher.shops.redemption import void_redemption
from voucher.treasury.csv_export import statement_csv
from voucher.treasury.documents import statement_totals
from voucher.treasury.models import Settlement
from voucher.treasury.papers import render_statement
from voucher.treasury.services import reverse, shop_balance
from voucher.treasury.statement import shop_statement
from voucher.vouchers.models import Redemption

MONEY = r"-?\$\d{1,3}(?:\.\d{3})*"
TABLE_HEADER = "Fecha y hora Detalle Serie Categoría Cargo Abono Saldo"


def pesos(text: str) -> int:
    negative = text.startswith("-")
    value = int(text.lstrip("-").lstrip("$").replace(".", ""))
    return -value if negative else value


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def figure(pattern: str, text: str) -> int:
    found = re.findall(pattern, text)
    assert len(found) == 1, (pattern, found)
    return pesos(found[0])


def dmy(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def pdf_figures(text: str, start: date, end: date) -> dict[str, int]:
    totals = re.findall(rf"Totales del período ({MONEY}) ({MONEY}) ({MONEY})", text)
    assert len(totals) == 1
    return {
        "opening": figure(rf"Saldo inicial adeudado al {dmy(start)}\s+({MONEY})", text),
        "charges": figure(rf"\(\+\) Canjes y reversas de pago\s+({MONEY})", text),
        "credits": figure(rf"\(-\) Anulaciones y pagos\s+({MONEY})", text),
        "closing": figure(rf"Saldo final adeudado al {dmy(end)}: ({MONEY})", text),
        "row_charges": pesos(totals[0][0]),
        "row_credits": pesos(totals[0][1]),
        "row_closing": pesos(totals[0][2]),
    }


def make_history(t):
    """Redemptions, voids, payments and a reversal around a ten-day period, with the
    movements listed here as (moment, +charge / -credit) for the expected figures."""
    base = date.today() - timedelta(days=60)
    start, end = base, base + timedelta(days=9)
    moves: list[tuple[object, int]] = []

    def redeem(amounts_and_days):
        wanted = [
            (amount, at(base + timedelta(days=d), 13, 5 + i))
            for i, (amount, d) in enumerate(amounts_and_days)
        ]
        ids = t.bulk(wanted)
        moves.extend((when, amount) for amount, when in wanted)
        return ids

    early = redeem([(12_000, -5), (8_000, -4), (3_000, -3)])
    # Paid before the period: the first two.
    factories.past_payments(
        t.session,
        t.parish,
        [(t.shop.id, at(base - timedelta(days=3), 0), at(base - timedelta(days=2)))],
    )
    moves.append((at(base - timedelta(days=2)), -20_000))
    t.session.commit()
    # A redemption voided before the period (both movements before it).
    before_void = redeem([(4_000, -2)])[0]
    void_redemption(
        t.session,
        t.session.get(Redemption, before_void),
        user=t.treasurer,
        now=at(base - timedelta(days=1)),
    )
    moves.append((at(base - timedelta(days=1)), -4_000))
    # In the period: redemptions, the early unpaid one voided, a payment and its reversal.
    inside = redeem([(15_000, 1), (7_500, 2), (9_990, 4), (20_000, 6)])
    void_redemption(
        t.session,
        t.session.get(Redemption, early[2]),
        user=t.treasurer,
        now=at(base + timedelta(days=3)),
    )
    moves.append((at(base + timedelta(days=3)), -3_000))
    paid_ids = factories.past_payments(
        t.session,
        t.parish,
        [(t.shop.id, at(base + timedelta(days=3)), at(base + timedelta(days=5)))],
    )
    moves.append((at(base + timedelta(days=5)), -(15_000 + 7_500)))
    t.session.commit()
    settlement = t.session.get(Settlement, paid_ids[0])
    reverse(t.session, settlement, reason="transferencia rechazada", user=t.treasurer)
    t.session.execute(
        sa.update(Settlement)
        .where(Settlement.id == settlement.id)
        .values(reversed_at=at(base + timedelta(days=7)))
    )
    moves.append((at(base + timedelta(days=7)), 15_000 + 7_500))
    # A redemption in the period voided after it: not marked voided in this period.
    late_void = inside[3]
    void_redemption(
        t.session,
        t.session.get(Redemption, late_void),
        user=t.treasurer,
        now=at(base + timedelta(days=12)),
    )
    moves.append((at(base + timedelta(days=12)), -20_000))
    # After the period.
    redeem([(5_000, 11)])
    t.session.commit()
    t.assert_books()
    return start, end, moves


def expected(moves, start_moment, end_moment):
    opening = sum(amount for when, amount in moves if when < start_moment)
    inside = [amount for when, amount in moves if start_moment <= when < end_moment]
    charges = sum(a for a in inside if a > 0)
    credits = -sum(a for a in inside if a < 0)
    return opening, charges, credits, opening + charges - credits


def test_pdf_figures_equal_the_movements_and_the_csv_equals_the_pdf(t):
    start, end, moves = make_history(t)
    result = shop_statement(t.session, t.parish, t.shop, start, end)
    statement = result.statement
    opening, charges, credits, closing = expected(
        moves,
        day_start_utc(start, t.parish.timezone),
        day_start_utc(end + timedelta(days=1), t.parish.timezone),
    )
    assert charges and credits and opening
    text = "\n".join(pages_of(render_statement(statement)))
    figures = pdf_figures(text, start, end)
    assert figures == {
        "opening": opening,
        "charges": charges,
        "credits": credits,
        "closing": closing,
        "row_charges": charges,
        "row_credits": credits,
        "row_closing": closing,
    }
    # Every kind of line is there, the redemption voided after the period is not marked.
    flat = text.replace("\n", " ")
    for words in ("Anulación canje N°", "Pago N°", "Reverso pago N°", "transferencia rechazada"):
        assert words in flat
    assert "(anulado)" not in flat

    rows = list(csv.reader(io.StringIO(statement_csv(statement, sep=";")), delimiter=";"))
    header, opening_row, *lines, totals_row, closing_row = rows
    assert header == ["Fecha y hora", "Detalle", "Serie", "Categoría", "Cargo", "Abono", "Saldo"]
    assert int(opening_row[6]) == opening
    assert [int(x) for x in totals_row[4:7]] == [charges, credits, closing]
    assert int(closing_row[6]) == closing
    # The PDF's table amounts, in order, are the CSV's.
    table = text[text.index(TABLE_HEADER) :]
    table = re.sub(r"Generado el .*|Verificación: .*|Página \d+ de \d+", "", table)
    table = table[: table.index("Saldo final adeudado al")]
    pdf_amounts = [pesos(x) for x in re.findall(MONEY, table)]
    csv_amounts = [int(cell) for row in rows[1:-1] for cell in row[4:] if cell]
    assert pdf_amounts == csv_amounts
    assert len(lines) == len(statement.lines)


def test_opening_of_a_period_is_the_closing_of_the_one_before(t):
    start, end, _moves = make_history(t)
    s, p, shop = t.session, t.parish, t.shop
    days = [
        start - timedelta(days=10),
        start - timedelta(days=3),
        start,
        start + timedelta(days=4),
        end,
        end + timedelta(days=5),
        date.today(),
    ]
    closings = []
    for first, last in itertools.pairwise(days):
        result = shop_statement(s, p, shop, first + timedelta(days=1) if closings else first, last)
        totals = statement_totals(result.statement)
        if closings:
            assert totals.opening == closings[-1]
        closings.append(totals.closing)
    # Today's closing is what the parish owes now.
    assert closings[-1] == shop_balance(s, p.id, shop).owed


def test_a_voided_redemption_is_marked_when_voided_within_the_period(t):
    day = date.today() - timedelta(days=20)
    ids = t.bulk([(6_000, at(day, 14))])
    void_redemption(t.session, t.session.get(Redemption, ids[0]), user=t.treasurer, now=at(day, 15))
    t.session.commit()
    statement = shop_statement(t.session, t.parish, t.shop, day, day).statement
    assert [(line.kind, line.voided) for line in statement.lines] == [
        ("redemption", True),
        ("void", False),
    ]
    text = " ".join(pages_of(render_statement(statement))).replace("\n", " ")
    assert f"Canje N° {ids[0]:06d} (anulado)" in text
    assert statement_totals(statement).closing == 0


def test_two_thousand_redemptions_paginate_with_headers_on_every_page(t):
    day = date.today() - timedelta(days=30)
    amounts = [1_000 + 37 * (i % 50) for i in range(2_000)]
    moments = [at(day, 11) + timedelta(seconds=17 * i) for i in range(2_000)]
    ids = t.bulk(list(zip(amounts, moments, strict=True)))
    t.assert_books()
    statement = shop_statement(t.session, t.parish, t.shop, day, day).statement
    pages = pages_of(render_statement(statement))
    assert len(pages) > 20
    for number, text in enumerate(pages, start=1):
        has_lines = "Canje N°" in text or "Totales del" in text
        assert text.count(TABLE_HEADER) == (1 if has_lines or number < len(pages) else 0), number
        assert f"Página {number} de {len(pages)}" in text
        assert "Verificación: " in text
    printed = re.findall(r"Canje N° (\d{6})", "\n".join(pages))
    assert printed == [f"{i:06d}" for i in ids]
    figures = pdf_figures("\n".join(pages), day, day)
    assert figures["charges"] == figures["closing"] == sum(amounts)


def test_statement_refuses_a_bad_period(t):
    today = date.today()
    with pytest.raises(ValidationFailed) as caught:
        shop_statement(t.session, t.parish, t.shop, today, today - timedelta(days=1))
    assert caught.value.errors[0][0] == "from"
    with pytest.raises(ValidationFailed):
        shop_statement(t.session, t.parish, t.shop, None, today)
