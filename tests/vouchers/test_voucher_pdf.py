"""Voucher sheets parsed back: page size, text, and every QR decoded from the rendering."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pypdf
import pypdfium2
import pytest
import zxingcpp

from voucher.pdf import layout
from voucher.pdf.vouchers import PrintableVoucher, encode_qr, render_voucher_sheets
from voucher.vouchers.codes import format_code, generate_code, redeem_url

A4_POINTS = (595.28, 841.89)
RENDER_SCALE = 3  # pixels per PDF point
MM_PER_POINT = 25.4 / 72


def make_voucher(number: int, **changes) -> PrintableVoucher:
    code = generate_code()
    voucher = PrintableVoucher(
        parish_name="Parroquia Jesús Maestro",
        program_name="Canasta familiar",
        title="VALE DE ALIMENTOS" if number % 2 else "VALE DE HIGIENE",
        amount=15000,
        expires_on=date(2026, 12, 31),
        serial=f"JM-2026-{number:06d}",
        code=format_code(code),
        redeem_url=redeem_url("http://vales.test", code),
    )
    return dataclasses.replace(voucher, **changes)


@pytest.fixture(scope="module")
def vouchers() -> list[PrintableVoucher]:
    return [make_voucher(number) for number in range(1, 6)]


@pytest.fixture(scope="module")
def pdf(vouchers) -> bytes:
    return render_voucher_sheets(vouchers)


@pytest.fixture(scope="module")
def page_texts(pdf) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def decoded_pages(pdf) -> list[list[zxingcpp.Barcode]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [_decode(document[index]) for index in range(len(document))]
    finally:
        document.close()


def _decode(page: pypdfium2.PdfPage) -> list[zxingcpp.Barcode]:
    image = page.render(scale=RENDER_SCALE, grayscale=True).to_pil()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return sorted(found, key=lambda barcode: barcode.position.top_left.y)


def test_five_vouchers_make_two_a4_pages(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(A4_POINTS[0], abs=0.5)
        assert float(box.height) == pytest.approx(A4_POINTS[1], abs=0.5)


def test_each_page_shows_its_vouchers_in_order(vouchers, page_texts):
    pages = [vouchers[:4], vouchers[4:]]
    for text, on_page in zip(page_texts, pages, strict=True):
        serials = [voucher.serial for voucher in on_page]
        assert [serial for serial in serials if serial in text] == serials
        assert [text.index(serial) for serial in serials] == sorted(
            text.index(serial) for serial in serials
        )
        for voucher in on_page:
            assert voucher.code in text
    assert vouchers[4].serial not in page_texts[0]
    assert not any(voucher.serial in page_texts[1] for voucher in vouchers[:4])


def test_the_coupon_words_round_trip_with_their_accents(page_texts):
    text = page_texts[0]
    for words in (
        "PARROQUIA JESÚS MAESTRO",
        "Canasta familiar",
        "VALE DE ALIMENTOS",
        "VALE DE HIGIENE",
        "$15.000",
        "Válido hasta:",
        "31-12-2026",
        "Serie:",
        "Código:",
        "Canjee este vale en un comercio adherido.",
        "Puede usarlo en varias compras hasta su saldo.",
    ):
        assert words in text
    assert text.count("$15.000") == 4


def test_no_holder_is_named_on_the_paper(page_texts):
    """A bearer voucher has no slot for a name or RUT, and the paper says nothing of one."""
    assert {field.name for field in dataclasses.fields(PrintableVoucher)} == {
        "parish_name",
        "program_name",
        "title",
        "amount",
        "expires_on",
        "serial",
        "code",
        "redeem_url",
        "remaining",  # a reprint's balance
        "balance_on",
    }
    for text in page_texts:
        lowered = text.lower()
        for word in ("rut", "beneficiari", "nombre", "pérez"):
            assert word not in lowered


def test_every_qr_decodes_to_its_exact_redeem_url_in_order(vouchers, decoded_pages):
    pages = [vouchers[:4], vouchers[4:]]
    for decoded, on_page in zip(decoded_pages, pages, strict=True):
        assert [barcode.text for barcode in decoded] == [v.redeem_url for v in on_page]
        assert {barcode.ec_level for barcode in decoded} == {"Q"}


def test_qr_is_about_30_mm_wide_with_modules_of_at_least_0_7_mm(vouchers, decoded_pages):
    for barcode, voucher in zip(decoded_pages[0], vouchers, strict=False):
        modules = encode_qr(voucher.redeem_url).size
        corners = barcode.position
        # zxing reports the centres of the corner modules: one module short of the edge.
        span_px = corners.top_right.x - corners.top_left.x
        module_mm = span_px / (modules - 1) / RENDER_SCALE * MM_PER_POINT
        with_quiet_zone = module_mm * (modules + 2 * layout.QR_QUIET_MODULES)
        assert with_quiet_zone == pytest.approx(30, rel=0.15)
        assert module_mm >= 0.7 * 0.97


def test_a_longer_base_url_keeps_modules_at_0_7_mm_and_still_decodes():
    code = generate_code()
    url = redeem_url("https://vales.parroquiajesusmaestrodelaflorida.cl", code)
    voucher = make_voucher(1, code=format_code(code), redeem_url=url)
    assert encode_qr(url).size > 33  # a version the 30 mm box cannot hold at 0.7 mm
    document = pypdfium2.PdfDocument(render_voucher_sheets([voucher]))
    try:
        assert [barcode.text for barcode in _decode(document[0])] == [url]
    finally:
        document.close()


def test_a_long_parish_name_is_shrunk_or_cut_not_spilled():
    name = "Parroquia Nuestra Señora del Perpetuo Socorro y San Alfonso María de Ligorio " * 2
    pdf = render_voucher_sheets([make_voucher(1, parish_name=name)])
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "PARROQUIA NUESTRA SEÑORA" in text
    assert "\u2026" in text


def test_the_pdf_stays_small(pdf):
    assert len(pdf) < 20_000


@pytest.mark.parametrize(
    "changes",
    [
        {"title": " "},
        {"code": ""},
        {"amount": 0},
        {"amount": -5000},
        {"amount": 15000.0},
        {"amount": True},
        {"expires_on": None},
        {"serial": " "},
        {"code": "7KQ2-M9XD-4RTA-P"},
        {"redeem_url": "http://vales.test/r/OTHER"},
        {"redeem_url": "http://vales.test/" + "x" * 200 + "/r/{shown}"},
    ],
)
def test_refuses_vouchers_it_cannot_print_honestly(changes):
    voucher = make_voucher(1)
    if "{shown}" in changes.get("redeem_url", ""):
        changes["redeem_url"] = changes["redeem_url"].format(shown=voucher.code)
    with pytest.raises(ValueError):
        render_voucher_sheets([dataclasses.replace(voucher, **changes)])


def test_refuses_an_empty_print_run():
    with pytest.raises(ValueError):
        render_voucher_sheets([])
