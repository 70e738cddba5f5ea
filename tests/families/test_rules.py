"""RUT and search-key rules (pure: no database)."""

from __future__ import annotations

import pytest

from tests.factories import rut_for
from voucher.families.models import DocumentType
from voucher.families.rules import (
    format_rut,
    looks_like_rut,
    normalise_document,
    normalise_rut,
    search_key,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("12.345.678-5", "12345678-5"),
        ("12345678-5", "12345678-5"),
        ("123456785", "12345678-5"),
        (" 12 345 678 5 ", "12345678-5"),
        ("11.111.111-1", "11111111-1"),
        ("9.876.543-3", "9876543-3"),
        ("5.000.001-K", "5000001-K"),
        ("5000001k", "5000001-K"),
        ("5.000.006-0", "5000006-0"),
    ],
)
def test_valid_ruts_are_stored_in_one_form(typed, stored):
    assert normalise_rut(typed) == stored


@pytest.mark.parametrize(
    ("typed", "expected_digit"),
    [("12.345.678-4", "5"), ("123456780", "5"), ("5.000.001-1", "K"), ("5000006-K", "0")],
)
def test_wrong_check_digit_says_which_one_it_should_be(typed, expected_digit):
    with pytest.raises(ValueError, match="RUT inválido") as error:
        normalise_rut(typed)
    assert f"el dígito verificador debería ser {expected_digit}" in str(error.value)


@pytest.mark.parametrize("typed", ["", "abc", "12.3A5.678-5", "1-9", "1234567890123-4"])
def test_malformed_ruts_are_refused(typed):
    with pytest.raises(ValueError, match="RUT"):
        normalise_rut(typed)


def test_factory_ruts_are_valid_including_k():
    ruts = [rut_for(n) for n in range(40)]
    assert any(r.endswith("K") for r in ruts)
    for rut in ruts:
        assert normalise_rut(rut) == rut


def test_rut_is_shown_with_dots():
    assert format_rut("12345678-5") == "12.345.678-5"
    assert format_rut("5000001-K") == "5.000.001-K"


def test_other_documents_are_compacted_and_checked():
    assert normalise_document(DocumentType.PASSPORT, "ab-123.456") == "AB123456"
    with pytest.raises(ValueError, match="Documento inválido"):
        normalise_document(DocumentType.OTHER, "x!")


def test_search_key_ignores_accents_case_and_spaces():
    assert search_key("  NUÑEZ   Pérez ") == search_key("nuñez perez") == "nunez perez"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.345.678-5", "12345678-5"),
        ("123456785", "12345678-5"),
        ("Nuñez", None),
        ("12.345.678-4", None),
        ("2026", None),
    ],
)
def test_search_box_recognises_a_rut(text, expected):
    assert looks_like_rut(text) == expected
