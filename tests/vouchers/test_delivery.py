"""Handing the papers out: the delivery list (acta de entrega) of a round and of one
voucher, in the order the sheets print them, parsed back from the PDF and the CSV; the
one-tap "entregado" on the web and its API call."""

from __future__ import annotations

import csv
import io
import re

import pypdf
import sqlalchemy as sa

from tests.api.conftest import assert_problem
from tests.vouchers.conftest import pdf_text
from voucher.dates import format_date
from voucher.families.services import display_document
from voucher.vouchers import services
from voucher.vouchers.models import Voucher

MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
SERIAL = re.compile(r"[A-Z]+-\d{4}-\d{6}")


def issue_round(db, s, keys):
    result = services.issue_round(
        db.session, parish=s.parish, program=s.program, user=s.staff, keys=keys
    )
    db.session.commit()
    return result


def layout_lines(pdf: bytes) -> list[str]:
    """The PDF's text as laid out on the page: one printed line per text line."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [
        " ".join(line.split())
        for page in reader.pages
        for line in page.extract_text(extraction_mode="layout").splitlines()
    ]


def csv_rows(response) -> list[list[str]]:
    body = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_round_delivery_list_follows_the_printed_sheets_line_by_line(db, scheme, keys, login_as):
    s = scheme(families=12, fund=400_000)
    result = issue_round(db, s, keys)
    services.cancel_voucher(
        db.session, db.session.get(Voucher, result.voucher_ids[3]), reason="Error", user=s.staff
    )
    db.session.commit()
    staff = login_as("staff")
    round_id = result.round.id

    page = staff.get(f"/vouchers/rounds/{round_id}").get_data(as_text=True)
    month = MONTHS[int(result.round.cycle_key[5:]) - 1]
    assert f"<dd>{month} {result.round.cycle_key[:4]}</dd>" in page  # "diciembre 2026"
    assert f"/vouchers/rounds/{round_id}/delivery.pdf" in page
    assert f"/vouchers/rounds/{round_id}/delivery.csv" in page

    sheets = staff.get(f"/vouchers/rounds/{round_id}/pdf")
    printed = SERIAL.findall(pdf_text(sheets.data))
    assert len(printed) == 11  # the cancelled one is neither printed nor listed

    response = staff.get(f"/vouchers/rounds/{round_id}/delivery.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Acta de entrega de vales" in text and "Recibí conforme" in text
    assert SERIAL.findall(text) == printed  # paper N is line N
    db.session.expire_all()
    by_serial = {v.serial: v for v in db.session.scalars(sa.select(Voucher))}
    lines = layout_lines(response.data)
    for serial in printed:
        voucher = by_serial[serial]
        line = next(line for line in lines if serial in line)
        assert voucher.family.head_name in line, line
        assert display_document(voucher.family) in line, line
        assert "$15.000" in line and format_date(voucher.expires_on) in line

    table = csv_rows(staff.get(f"/vouchers/rounds/{round_id}/delivery.csv?sep=;"))
    assert table[0] == [
        "N°",
        "Serie",
        "Familia",
        "Documento",
        "Programa",
        "Monto",
        "Vence",
        "Recibí conforme (firma)",
        "Fecha",
    ]
    assert [row[1] for row in table[1:]] == printed
    for number, row in enumerate(table[1:], start=1):
        voucher = by_serial[row[1]]
        assert row[0] == str(number)
        assert row[2] == voucher.family.head_name
        assert row[3] == display_document(voucher.family)
        assert row[4] == s.program.name and row[5] == "15000"
        assert row[6] == format_date(voucher.expires_on) and row[7] == "" and row[8] == ""


def test_one_voucher_has_its_own_delivery_list(db, scheme, keys, login_as):
    s = scheme(families=1)
    issued = services.issue_voucher(
        db.session,
        parish=s.parish,
        program=s.program,
        family=s.families[0],
        user=s.staff,
        keys=keys,
    )
    db.session.commit()
    staff = login_as("staff")
    page = staff.get(f"/vouchers/{issued.voucher.id}").get_data(as_text=True)
    assert page.count("Descargar PDF para imprimir") == 1  # one print button
    text = pdf_text(staff.get(f"/vouchers/{issued.voucher.id}/delivery.pdf").data)
    assert issued.voucher.serial in text and s.families[0].head_name in text


def test_one_tap_marks_the_paper_delivered_on_the_voucher_and_family_pages(
    db, scheme, keys, login_as
):
    s = scheme(families=3, fund=100_000)
    result = issue_round(db, s, keys)
    staff = login_as("staff")
    round_id = result.round.id
    first = db.session.get(Voucher, result.voucher_ids[0])
    page = staff.get(f"/vouchers/rounds/{round_id}").get_data(as_text=True)
    assert "Entregados: 0 de 3" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"next": f"/vouchers/rounds/{round_id}#paper-{first.id}"}
    if token:
        data["csrf_token"] = token.group(1)
    done = staff.post(f"/vouchers/{first.id}/delivered", data=data)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"#paper-{first.id}")
    page = staff.get(f"/vouchers/rounds/{round_id}").get_data(as_text=True)
    assert "Entregados: 1 de 3" in page and "Entregado el" in page
    assert "Entregado el" in staff.get(f"/vouchers/{first.id}").get_data(as_text=True)
    family_page = staff.get(f"/families/{first.family_id}").get_data(as_text=True)
    assert "Entregado el" in family_page

    # Who collected it, when not the family, is kept too.
    other = db.session.get(Voucher, result.voucher_ids[1])
    staff.post(f"/vouchers/{other.id}/delivered", data={**data, "note": "Su hija Ana"})
    assert "retiró: Su hija Ana" in staff.get(f"/vouchers/{other.id}").get_data(as_text=True)
    db.session.expire_all()
    day = format_date(db.session.get(Voucher, first.id).issued_on)
    text = pdf_text(staff.get(f"/vouchers/rounds/{round_id}/delivery.pdf").data)
    assert text.count(day) >= 2  # the delivery day on the two delivered lines


def test_api_marks_delivery_and_the_voucher_shows_it(db, scheme, keys, api):
    s = scheme(families=2, fund=100_000)
    result = issue_round(db, s, keys)
    api = api("staff")
    vid = result.voucher_ids[0]
    before = api.get(f"/api/v1/vouchers/{vid}").get_json()
    assert before["delivered_at"] is None and before["printed_count"] == 0

    done = api.post(f"/api/v1/vouchers/{vid}/delivery", json={"note": "Su hija"})
    assert done.status_code == 200, done.get_json()
    delivered_at = done.get_json()["delivered_at"]
    assert delivered_at
    again = api.post(f"/api/v1/vouchers/{vid}/delivery", json={})
    assert again.get_json()["delivered_at"] == delivered_at

    second = result.voucher_ids[1]
    future = api.post(f"/api/v1/vouchers/{second}/delivery", json={"delivered_on": "2999-01-01"})
    assert_problem(future, 422, fields=["delivered_on"])
    services.cancel_voucher(
        db.session, db.session.get(Voucher, result.voucher_ids[1]), reason="Error", user=s.staff
    )
    db.session.commit()
    refused = api.post(f"/api/v1/vouchers/{result.voucher_ids[1]}/delivery", json={})
    assert_problem(refused, 409, "not_active")

    listing = api.get(f"/api/v1/rounds/{result.round.id}/delivery.csv")
    assert listing.status_code == 200 and listing.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(listing.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][8]  # the one live voucher, delivered today
    pdf = api.get(f"/api/v1/rounds/{result.round.id}/delivery.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert api.get("/api/v1/rounds/999999/delivery.pdf").status_code == 404


def test_program_report_counts_papers_printed_and_handed_out(db, scheme, keys, login_as, api):
    s = scheme(families=3, fund=100_000)
    result = issue_round(db, s, keys)
    staff = login_as("staff")
    assert staff.get(f"/vouchers/rounds/{result.round.id}/pdf").status_code == 200
    staff_api = api("staff")
    staff_api.post(f"/api/v1/vouchers/{result.voucher_ids[0]}/delivery", json={})
    day = db.session.get(Voucher, result.voucher_ids[0]).issued_on.isoformat()
    report = api("treasurer").get(f"/api/v1/reports/programs?from={day}&to={day}").get_json()
    row = next(p for p in report["programs"] if p["id"] == s.program.id)
    assert (row["issued_count"], row["printed_count"], row["delivered_count"]) == (3, 3, 1)
    sheet = login_as("treasurer").get(
        "/treasury/reports/programs",
        query_string={"date_from": day, "date_to": day, "format": "csv", "sep": ";"},
    )
    assert sheet.status_code == 200, sheet.get_data(as_text=True)[:300]
    table = csv_rows(sheet)
    assert table[0][-2:] == ["Impresos N°", "Entregados N°"]
    line = next(r for r in table if r[0] == s.program.name)
    assert line[-2:] == ["3", "1"]
