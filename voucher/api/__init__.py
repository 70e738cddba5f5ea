"""The JSON API under /api/v1 (contract: shared/design/api.md)."""

from voucher.api import core, docs, me  # noqa: F401  (routes register on import)
from voucher.api import families, shops, treasury, vouchers  # noqa: F401
from voucher.api.core import bp, spec

__all__ = ["bp", "spec"]
