"""Treasury pages: what is owed to each shop, funds, paying shops, statements, reports and
settings.

The treasurer works here; an administrator may look (and approve a payment proposed by
someone else, and switch the two-person rule); a shopkeeper sees only their own statement.
One blueprint, one module per screen."""

from voucher.treasury.views import (  # noqa: F401  (routes register on import)
    home,
    impact,
    report_downloads,
    settings,
    settlements,
    statements,
)
from voucher.treasury.views.common import bp
from voucher.treasury.views.impact import diocese_bp

__all__ = ["bp", "diocese_bp"]
