"""Voucher fixtures: a parish with a funded program and enrolled households."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field

import pypdf
import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp

from tests.factories import rut_for
from voucher.dates import local_today
from voucher.families.services import FamilyInput, create_family
from voucher.programs.services import ProgramInput, create_program, enrol_family
from voucher.treasury.services import FundInput, record_fund
from voucher.vouchers.keys import code_keys

_rut_numbers = itertools.count(7000)
BASE_URL = "http://vales.test"


@dataclass
class Scheme:
    """One parish's program with its enrolled households."""

    parish: object
    program: object
    families: list = field(default_factory=list)
    staff: object = None


@pytest.fixture
def scheme(db, world):
    """``scheme(families=3, fund=100_000, amount=15_000, parish="a", ...)`` -> Scheme."""

    def build(
        families: int = 3,
        fund: int = 100_000,
        amount: int = 15_000,
        parish: str = "a",
        name: str = "Canasta familiar",
        cycle: str = "monthly",
        per_cycle_limit: int = 1,
        validity_days: int = 30,
        category: str = "food",
    ) -> Scheme:
        s = db.session
        where = world.parishes[parish]
        staff = world.users[(parish, "staff")]
        program = create_program(
            s,
            where.id,
            ProgramInput(name, category, amount, validity_days, cycle, per_cycle_limit),
            world.users[(parish, "admin")],
        )
        result = Scheme(where, program, [], staff)
        for n in range(families):
            family = create_family(
                s,
                where.id,
                FamilyInput(f"María Nuñez {n}", "rut", rut_for(next(_rut_numbers)), consent=True),
                staff,
            )
            enrol_family(s, program, family, staff)
            result.families.append(family)
        if fund:
            record_fund(
                s,
                where,
                FundInput(program.id, fund, local_today(where.timezone), "Colecta"),
                world.users[(parish, "treasurer")],
            )
        s.commit()
        return result

    return build


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
