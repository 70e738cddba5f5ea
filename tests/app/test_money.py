"""Amounts as a person types them: ASCII digits, Chilean thousands dots, an optional $."""

from __future__ import annotations

import pytest

from voucher.money import parse_clp


@pytest.mark.parametrize(
    ("typed", "pesos"),
    [("12000", 12000), ("12.000", 12000), ("$12.000", 12000), (" $ 1.234.567 ", 1234567)],
)
def test_what_people_type_is_read(typed, pesos):
    assert parse_clp(typed) == pesos


@pytest.mark.parametrize(
    "typed",
    ["١٢٠٠٠", "１２０００", "12,5", "-500", "12.00", "doce mil", ""],
)
def test_anything_but_ascii_whole_pesos_is_refused(typed):
    assert parse_clp(typed) is None
