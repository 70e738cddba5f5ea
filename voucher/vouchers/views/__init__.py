"""Vouchers on the web, one module per screen: the list and one voucher, issuing one
voucher, rounds, printing, the public page a printed QR opens, and the household's own
page (which shows its programs and vouchers, so it is composed here)."""

from __future__ import annotations

from voucher.vouchers.views import (  # noqa: F401  (each registers its routes)
    delivery,
    family_page,
    issue,
    listing,
    printing,
    public_page,
    rounds,
)
from voucher.vouchers.views.common import bp, public

__all__ = ["bp", "public"]
