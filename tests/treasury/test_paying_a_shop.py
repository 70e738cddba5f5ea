"""Paying a shop with its bank details in view: the pay screen, the remittance and the
statement show them; a transfer or cheque needs its number (cash does not); the number
can be added or corrected later, audited, without touching the books; the treasurer
reads (not edits) the shop's data."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pypdf
import sqlalchemy as sa

from tests.treasury.conftest import at, count
from voucher.audit.models import AuditEvent
from voucher.dates import local_today
from voucher.ledger.models import Entry
from voucher.treasury.models import Settlement

BANK = "BancoEstado · Cuenta RUT 76086428 · titular 76.086.428-5"


def pdf_text(data: bytes) -> str:
    """The PDF's words with single spaces (a label and its value read as one phrase)."""
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def owed_lines(t):
    day = date.today() - timedelta(days=3)
    t.bulk([(12_000, at(day, 12, 0)), (8_000, at(day, 12, 1))])
    t.shop.payment_details = BANK
    t.session.commit()


def pay_form(t, method: str, reference: str = "", key: str = "k-1") -> dict:
    return {
        "pay-shop_id": str(t.shop.id),
        "pay-through": local_today().isoformat(),
        "pay-expected_amount": "20000",
        "pay-expected_count": "2",
        "pay-idempotency_key": key,
        "pay-method": method,
        "pay-reference": reference,
    }


def test_a_transfer_without_its_number_is_refused_on_the_web(t, login_as):
    owed_lines(t)
    client = login_as("treasurer")
    screen = client.get(
        f"/treasury/settlements/new?shop_id={t.shop.id}&through={local_today().isoformat()}"
    ).get_data(as_text=True)
    assert BANK in screen and "Obligatoria para transferencias y cheques." in screen

    refused = client.post("/treasury/settlements/new", data=pay_form(t, "transfer"))
    assert refused.status_code == 422
    assert "Escriba el número de la transferencia o del cheque." in refused.get_data(as_text=True)
    t.session.rollback()
    assert count(t.session, Settlement) == 0
    cheque = client.post("/treasury/settlements/new", data=pay_form(t, "cheque", key="k-2"))
    assert cheque.status_code == 422

    paid = client.post("/treasury/settlements/new", data=pay_form(t, "transfer", "12345", "k-3"))
    assert paid.status_code == 302
    settlement = t.session.scalars(sa.select(Settlement)).one()
    page = client.get(paid.headers["Location"]).get_data(as_text=True)
    assert BANK in page and "12345" in page
    assert "Propuesto por" not in page  # no two-person rule here: nobody proposed anything
    remittance = pdf_text(client.get(f"/treasury/settlements/{settlement.id}/comprobante.pdf").data)
    assert f"Datos bancarios {BANK}" in remittance and "Referencia 12345" in remittance
    statement = client.get(
        f"/treasury/shops/{t.shop.id}/statement",
        query_string={"date_from": "2020-01-01", "date_to": local_today().isoformat()},
    ).get_data(as_text=True)
    assert BANK in statement
    month = {"date_from": (local_today() - timedelta(days=30)).isoformat()}
    statement_pdf = client.get(
        f"/treasury/shops/{t.shop.id}/statement.pdf",
        query_string={**month, "date_to": local_today().isoformat()},
    )
    assert statement_pdf.status_code == 200, statement_pdf.get_data(as_text=True)[:300]
    assert f"Datos bancarios {BANK}" in pdf_text(statement_pdf.data)


def test_cash_needs_no_number(t, login_as):
    owed_lines(t)
    paid = login_as("treasurer").post("/treasury/settlements/new", data=pay_form(t, "cash"))
    assert paid.status_code == 302
    assert t.session.scalars(sa.select(Settlement)).one().reference == ""


def test_the_number_is_added_later_audited_and_the_books_stay(t, login_as, api):
    owed_lines(t)
    made = api("treasurer").post(
        "/api/v1/settlements",
        json={"shop_id": t.shop.id, "through": local_today().isoformat(), "method": "cash"},
        headers={"Idempotency-Key": "later-1"},
    )
    assert made.status_code == 201, made.get_json()
    settlement_id = made.get_json()["id"]
    entries = count(t.session, Entry)
    client = login_as("treasurer")
    saved = client.post(
        f"/treasury/settlements/{settlement_id}/reference", data={"reference": "Recibo 88"}
    )
    assert saved.status_code == 302
    t.session.expire_all()
    assert t.session.get(Settlement, settlement_id).reference == "Recibo 88"
    assert count(t.session, Entry) == entries
    event = t.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "settlement_reference_changed")
    ).one()
    assert "Recibo 88" in event.detail
    pdf = pdf_text(client.get(f"/treasury/settlements/{settlement_id}/comprobante.pdf").data)
    assert "Referencia Recibo 88" in pdf
    too_long = client.post(
        f"/treasury/settlements/{settlement_id}/reference", data={"reference": "x" * 200}
    )
    assert too_long.status_code == 422


def test_the_treasurer_reads_but_does_not_edit_a_shop(t, login_as):
    t.shop.payment_details = BANK
    t.session.commit()
    client = login_as("treasurer")
    page = client.get(f"/shops/{t.shop.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert BANK in html and "Editar datos" not in html and "Crear cuenta" not in html
    assert client.get("/shops/").status_code == 200
    assert client.get(f"/shops/{t.shop.id}/edit").status_code == 403


def test_the_account_recorded_field_by_field_is_what_the_papers_show(t, login_as):
    """A shop's bank, account type and number (as the bank file takes them) and the
    holder's RUT read on the pay screen and the remittance, before any other notes."""
    owed_lines(t)
    t.shop.bank_name, t.shop.account_type, t.shop.account_number = "BancoEstado", "vista", "555-1"
    t.session.commit()
    client = login_as("treasurer")
    screen = client.get(
        f"/treasury/settlements/new?shop_id={t.shop.id}&through={local_today().isoformat()}"
    ).get_data(as_text=True)
    assert "BancoEstado · Cuenta vista · 555-1 · RUT" in screen and BANK in screen
    paid = client.post("/treasury/settlements/new", data=pay_form(t, "transfer", "777", "k-9"))
    settlement = t.session.scalars(sa.select(Settlement)).one()
    assert paid.status_code == 302
    remittance = pdf_text(client.get(f"/treasury/settlements/{settlement.id}/comprobante.pdf").data)
    assert "BancoEstado · Cuenta vista · 555-1 · RUT" in remittance
