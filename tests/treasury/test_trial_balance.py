"""The trial balance a Chilean treasurer expects, from real books: accounts by name,
Débitos, Créditos, Saldo deudor and Saldo acreedor, no negative figure, equal totals;
the same in the CSV and the API (parsed back)."""

from __future__ import annotations

import csv
import io
import re

import pypdf

from tests.factories import settle_all
from voucher.dates import local_today

CODES = re.compile(r"\b(bank|vouchers|fund:\d+|payable:\d+)\b")


def books(t):
    t.real_redemption(12_000)
    t.real_redemption(5_500, program=t.hygiene)
    settle_all(t.session, t.parish, t.shop.id, t.treasurer)
    t.real_redemption(3_000)


def test_trial_balance_pdf_and_csv_have_names_and_two_balance_columns(t, login_as):
    books(t)
    client = login_as("treasurer")
    at = local_today().isoformat()
    pdf = client.get(f"/treasury/reports/trial-balance?at={at}&format=pdf&sep=%3B")
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Balance de comprobación y saldos" in text
    assert not CODES.search(text), CODES.search(text)
    assert "-$" not in text
    assert "Por pagar a" in text and "Fondo" in text and "Banco" in text

    sheet = client.get(f"/treasury/reports/trial-balance?at={at}&format=csv&sep=%3B")
    rows = list(csv.reader(io.StringIO(sheet.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Cuenta", "Tipo", "Débitos", "Créditos", "Saldo deudor", "Saldo acreedor"]
    body, total = rows[1:-1], rows[-1]
    assert total[0] == "Totales"
    for row in body:
        assert not CODES.search(row[0]), row
        debit, credit, owes, owed = map(int, row[2:])
        assert min(debit, credit, owes, owed) >= 0, row
        assert owes == max(debit - credit, 0) and owed == max(credit - debit, 0), row
    sums = [sum(int(row[i]) for row in body) for i in range(2, 6)]
    assert [int(x) for x in total[2:]] == sums
    assert sums[0] == sums[1] and sums[2] == sums[3] > 0


def test_api_trial_balance_gives_each_side_and_the_name(t, api):
    books(t)
    answer = api("treasurer").get("/api/v1/reports/trial-balance").get_json()
    accounts = answer["accounts"]
    assert accounts
    for account in accounts:
        assert account["debit_balance"] >= 0 and account["credit_balance"] >= 0
        assert 0 in (account["debit_balance"], account["credit_balance"])
        assert account["debit_balance"] - account["credit_balance"] == account["balance"]
        assert not CODES.fullmatch(account["name"])
    assert sum(a["debit_balance"] for a in accounts) == sum(a["credit_balance"] for a in accounts)
    assert answer["total_debit"] == answer["total_credit"]
