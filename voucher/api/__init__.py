"""The JSON API under /api/v1 (contract: shared/design/api.md)."""

from voucher.api import (  # noqa: F401  (routes register on import)
    core,
    devices,
    docs,
    families,
    impact,
    imports,
    me,
    reference,
    settlements,
    shops,
    treasury,
    vouchers,
)
from voucher.api.core import bp, spec

__all__ = ["bp", "spec"]
