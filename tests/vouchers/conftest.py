"""Voucher fixtures: a parish with a funded program and enrolled households (built by
``factories.scheme``), the code keys, and PDFs read back."""

from __future__ import annotations

import functools
import io

import pypdf
import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp

from tests import factories
from voucher.vouchers.keys import code_keys

BASE_URL = "http://vales.test"


@pytest.fixture
def scheme(db, world):
    """``scheme(families=3, fund=100_000, amount=15_000, parish="a", ...)`` -> Scheme."""
    return functools.partial(factories.scheme, db.session, world)


@pytest.fixture
def keys(app):
    return code_keys()


def decode_qrs(pdf: bytes, scale: float = 3) -> list[str]:
    """Every QR on every page, top to bottom, as decoded from a rasterised rendering."""
    document = pypdfium2.PdfDocument(pdf)
    texts = []
    try:
        for index in range(len(document)):
            image = document[index].render(scale=scale, grayscale=True).to_pil()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            found.sort(key=lambda barcode: barcode.position.top_left.y)
            texts.extend(barcode.text for barcode in found)
    finally:
        document.close()
    return texts


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def voucher_row(db, voucher_id: int) -> dict:
    """The voucher's row exactly as stored, every column."""
    db.session.expire_all()
    row = db.session.execute(
        sa.text("SELECT * FROM voucher WHERE id = :id"), {"id": voucher_id}
    ).mappings()
    return dict(row.one())
