"""Real PDFs parsed back: every QR decoded from the rendering opens exactly its
voucher's redeem URL; the paper shows serial, value and expiry and nothing personal."""

from __future__ import annotations

import io
import json

import pypdf
import sqlalchemy as sa

from tests import factories
from tests.vouchers.conftest import BASE_URL, decode_qrs, pdf_text
from voucher.audit.models import AuditEvent
from voucher.dates import format_date, local_today
from voucher.vouchers import services
from voucher.vouchers.codes import redeem_url
from voucher.vouchers.models import Voucher


def issue_round(db, s, keys):
    result = services.issue_round(
        db.session, parish=s.parish, program=s.program, user=s.staff, keys=keys
    )
    db.session.commit()
    return result


def urls_of(db, keys, voucher_ids):
    db.session.expire_all()
    vouchers = [db.session.get(Voucher, vid) for vid in voucher_ids]
    return [redeem_url(BASE_URL, keys.decrypt(v.code_encrypted)) for v in vouchers]


def prints_of(db) -> list[dict]:
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "vouchers_printed").order_by(AuditEvent.id)
    )
    return [json.loads(event.detail) for event in events]


def test_round_pdf_carries_exactly_the_issued_codes(db, scheme, keys, login_as):
    s = scheme(families=5, fund=100_000)
    result = issue_round(db, s, keys)
    staff = login_as("staff")
    response = staff.get(f"/vouchers/rounds/{result.round.id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    pdf = response.data
    expected = urls_of(db, keys, result.voucher_ids)
    assert decode_qrs(pdf) == expected  # five vouchers, two pages, in serial order
    assert all(url.startswith("http://vales.test/r/") for url in expected)

    text = pdf_text(pdf)
    vouchers = [db.session.get(Voucher, vid) for vid in result.voucher_ids]
    for voucher in vouchers:
        assert voucher.serial in text
    assert "$15.000" in text
    assert format_date(vouchers[0].expires_on) in text
    for family in s.families:
        assert family.head_name not in text
        assert family.document_number not in text
        assert family.document_number.replace("-", "") not in text


def test_reprint_gives_the_same_codes_and_is_counted(db, scheme, keys, login_as):
    s = scheme(families=2, fund=100_000)
    result = issue_round(db, s, keys)
    staff = login_as("staff")
    first = decode_qrs(staff.get(f"/vouchers/rounds/{result.round.id}/pdf").data)
    again = decode_qrs(staff.get(f"/vouchers/{result.voucher_ids[1]}/pdf").data)
    assert again == [first[1]]
    db.session.expire_all()
    counts = [db.session.get(Voucher, vid).print_count for vid in result.voucher_ids]
    assert counts == [1, 2]
    audit = prints_of(db)
    assert [(a["count"], a["reprint"]) for a in audit] == [(2, False), (1, True)]


def test_print_selected_keeps_the_given_order(db, scheme, keys, api):
    s = scheme(families=3, fund=100_000)
    result = issue_round(db, s, keys)
    wanted = [result.voucher_ids[2], result.voucher_ids[0]]
    response = api("staff").post("/api/v1/vouchers/print", json={"ids": wanted})
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    assert decode_qrs(response.data) == urls_of(db, keys, wanted)


def test_print_from_the_web_list(db, scheme, keys, login_as):
    s = scheme(families=3, fund=100_000)
    result = issue_round(db, s, keys)
    staff = login_as("staff")
    page = staff.get("/vouchers/").get_data(as_text=True)
    assert 'name="ids"' in page
    wanted = result.voucher_ids[:2]
    response = staff.post("/vouchers/print", data={"ids": [str(i) for i in wanted]})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert decode_qrs(response.data) == urls_of(db, keys, wanted)
    nothing = staff.post("/vouchers/print", data={}, follow_redirects=True)
    assert "Marque los vales que quiere imprimir." in nothing.get_data(as_text=True)


def test_print_refusals(db, scheme, keys, api):
    s = scheme(families=1, fund=100_000)
    other = scheme(families=1, parish="b", name="Otro")
    mine = issue_round(db, s, keys).voucher_ids
    theirs = issue_round(db, other, keys).voucher_ids
    client = api("staff")
    assert client.post("/api/v1/vouchers/print", json={"ids": mine + theirs}).status_code == 404
    assert client.post("/api/v1/vouchers/print", json={"ids": []}).status_code == 422
    too_many = client.post("/api/v1/vouchers/print", json={"ids": list(range(1, 5_002))})
    assert too_many.status_code == 422
    assert client.post("/api/v1/vouchers/print", json={"ids": ["1"]}).status_code == 422
    assert client.get(f"/api/v1/vouchers/{theirs[0]}/pdf").status_code == 404
    their_round = db.session.get(Voucher, theirs[0]).round_id
    assert client.get(f"/api/v1/rounds/{their_round}/pdf").status_code == 404
    cancelled = client.post(f"/api/v1/vouchers/{mine[0]}/cancel", json={"reason": "error"})
    assert cancelled.status_code == 200
    refused = client.get(f"/api/v1/vouchers/{mine[0]}/pdf")
    assert refused.status_code == 409 and refused.get_json()["reason"] == "not_active"


def sized_texts(pdf: bytes) -> list[tuple[str, float]]:
    """Every text run of the first page with the size it is drawn at (points)."""
    found: list[tuple[str, float]] = []

    def visit(text, _cm, tm, _font, size):
        if text.strip():
            found.append((text.strip(), abs(size * tm[3])))

    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    page.extract_text(visitor_text=visit)
    return found


def test_a_reprint_of_a_part_used_voucher_shows_its_balance_large(
    db, scheme, keys, login_as, world
):
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
    first = staff.get(f"/vouchers/{issued.voucher.id}/pdf").data
    sizes = dict(sized_texts(first))
    assert sizes["$15.000"] >= 30  # a new voucher: its value is the big figure

    keeper = world.users[("a", "shopkeeper")]
    factories.charge(db.session, keeper, world.shops["a"], issued.code, 12_000)
    db.session.commit()
    again = staff.get(f"/vouchers/{issued.voucher.id}/pdf").data
    text = pdf_text(again)
    today = format_date(local_today())
    assert f"Saldo al {today}" in text
    sizes = dict(sized_texts(again))
    assert sizes["$3.000"] >= 30  # the balance is the big figure
    assert sizes["Valor original $15.000"] <= 10  # the face value small
    assert "$15.000" not in sizes
    assert issued.voucher.serial in text  # same paper: same serial and code
    assert decode_qrs(again) == decode_qrs(first)


def test_in_development_the_qr_opens_the_port_the_app_is_served_on(app, db, scheme, keys, world):
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
    app.config["VOUCHER_BASE_URL_FOLLOWS_REQUEST"] = True  # development, no VOUCHER_BASE_URL
    served = "http://127.0.0.1:5101"
    staff = app.test_client()
    login = {"email": world.users[("a", "staff")].email, "password": factories.PASSWORD}
    assert staff.post("/login", data=login, base_url=served).status_code == 302
    pdf = staff.get(f"/vouchers/{issued.voucher.id}/pdf", base_url=served).data
    assert decode_qrs(pdf) == [redeem_url(served, issued.code)]


def test_printed_papers_name_their_parish_in_their_properties(db, scheme, keys, login_as):
    s = scheme(families=2)
    result = issue_round(db, s, keys)
    staff = login_as("staff")
    for path in (
        f"/vouchers/rounds/{result.round.id}/pdf",
        f"/vouchers/rounds/{result.round.id}/delivery.pdf",
    ):
        info = pypdf.PdfReader(io.BytesIO(staff.get(path).data)).metadata
        assert info.author == s.parish.name, path
        assert info.title and s.parish.name in info.title, path
        assert info.subject and "unspecified" not in info.subject.lower(), path
