"""The public page a printed QR opens: the voucher's state, to anyone, and nothing
personal. Shopkeepers go straight on to their redeem screen."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for

from voucher.auth.access import actor
from voucher.auth.models import Role
from voucher.extensions import db, limiter
from voucher.sqlite import writes_database
from voucher.vouchers import queries
from voucher.vouchers.brake import limits_from_config
from voucher.vouchers.keys import code_keys
from voucher.vouchers.views.common import READERS, public

PUBLIC_STATUS_LIMIT = "30 per minute"


@public.route("/r/<code>")
@limiter.limit(PUBLIC_STATUS_LIMIT)
@writes_database
def redeem(code: str):
    """Shopkeepers see their redeem screen right here; anyone else sees the voucher's
    state (no personal data). Unknown codes are kept in the scan log and count against
    the visitor's unknown-code brake; the rate limit keeps anyone from asking quickly."""
    user = actor()
    shop_screen = current_app.view_functions.get("shops.voucher")
    if user is not None and user.role == Role.SHOPKEEPER and shop_screen is not None:
        return shop_screen(code=code)  # no redirect: the code stays out of a second URL
    status = queries.public_status(
        db.session,
        code[:100],
        keys=code_keys(),
        user_id=getattr(user, "id", None),
        ip=request.remote_addr,
        limits=limits_from_config(current_app.config),
    )
    staff_link = None
    if (
        user is not None
        and status.voucher is not None
        and user.role in READERS
        and user.parish_id == status.voucher.parish_id
    ):
        staff_link = url_for("vouchers.detail", voucher_id=status.voucher.id)
    return render_template(
        "vouchers/public_status.html",
        status=status,
        voucher=status.voucher,
        parish=status.parish,
        staff_link=staff_link,
        login_url=url_for("auth.login", next=request.path),
        logged_in=user is not None,
    )
