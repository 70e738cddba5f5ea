"""A shop's phones on the web: pairing one by QR (no password typed on the phone),
the list of paired phones, unlinking one; the gate every request of a paired phone
goes through; and the charge check the scan page asks after a dropped connection."""

from __future__ import annotations

import base64

import zxingcpp
from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from voucher.auth import services as auth_services
from voucher.auth.access import require_actor, role_required, safe_next
from voucher.auth.models import Role
from voucher.errors import DomainError, Forbidden
from voucher.extensions import db
from voucher.forms import form_error
from voucher.i18n import parish_timezone
from voucher.shops import charge_checks, device_auth, pairing, where_to_use
from voucher.shops.device_forms import PairingForm, UnlinkForm
from voucher.sqlite import writes_database

bp = Blueprint("phone", __name__)


# --- the gate ------------------------------------------------------------------------------


@bp.before_app_request
def phone_gate():
    """A phone's cookie, with no person logged in: unlinked → the page saying so;
    linked → only the till's pages."""
    if request.path.startswith("/api/") or request.endpoint in device_auth.OPEN_ENDPOINTS:
        return None
    if device_auth.person_logged_in():
        return None
    device = device_auth.cookie_device()
    if device is None:
        return None
    if not device.active:
        return _unlinked_page(device)
    if request.endpoint not in device_auth.DEVICE_ENDPOINTS:
        raise Forbidden()
    if device_auth.writer_request():
        pairing.touch(db.session, device, request.remote_addr)
    return None


def _unlinked_page(device):
    page = render_template(
        "devices/unlinked.html",
        device=device,
        shop=device.shop,
        revoked_by=device.revoked_by,
        parishes=pairing.shop_parish_names(db.session, device.shop_id),
    )
    return current_app.make_response((page, 403))


# --- pairing: the link the phone opens -----------------------------------------------------


@bp.route("/p/<token>")
@writes_database
def pair(token: str):
    """The phone's camera opened the pairing QR: pair it and go to the scan page."""
    try:
        paired = pairing.complete_pairing(db.session, token[:100], ip=request.remote_addr)
    except DomainError as refusal:
        page = render_template("devices/pairing_refused.html", refusal=refusal)
        return current_app.make_response((page, refusal.status))
    if device_auth.person_logged_in():
        # This browser is the shop's phone now: the person's sign-in ends, on the server too.
        if current_user.is_authenticated:
            auth_services.sign_out(db.session, current_user)
        logout_user()
    response = redirect(url_for("shops.scan"))
    device_auth.set_cookie(response, paired.credential)
    flash(
        _(
            "Teléfono vinculado a %(shop)s como «%(name)s».",
            shop=paired.device.shop.name,
            name=paired.device.name,
        ),
        "success",
    )
    return response


# --- the shop's phones -----------------------------------------------------------------------


def _shop(shop_id: int):
    user = require_actor()
    return pairing.manageable_shop(
        db.session, user, shop_id, is_device=device_auth.current_device() is not None
    )


def _devices_page(shop, form: PairingForm | None = None, status: int = 200):
    return render_template(
        "devices/index.html",
        shop=shop,
        devices=pairing.shop_devices(db.session, shop.id),
        pair_form=form or PairingForm(),
        unlink_form=UnlinkForm(),
        tz=parish_timezone(),
    ), status


@bp.route("/shops/phones")
@role_required(Role.SHOPKEEPER)
def my_devices():
    user = require_actor()
    return _devices_page(_shop(user.shop_id))


@bp.route("/shops/<int:shop_id>/devices")
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def devices(shop_id: int):
    return _devices_page(_shop(shop_id))


@bp.route("/shops/<int:shop_id>/devices/pairings", methods=["POST"])
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def start_pairing(shop_id: int):
    shop = _shop(shop_id)
    form = PairingForm()
    if form.validate_on_submit():
        try:
            new = pairing.start_pairing(
                db.session,
                shop,
                form.device_name.data or "",
                require_actor(),
                ttl=pairing.pairing_ttl(current_app.config),
            )
        except DomainError as error:
            form_error(form, error, field="device_name")
        else:
            url = pairing_url(new.token)
            return render_template(
                "devices/pairing.html",
                shop=shop,
                pairing=new.pairing,
                url=url,
                qr=qr_data_uri(url),
                minutes=max(1, int(pairing.pairing_ttl(current_app.config).total_seconds() // 60)),
            ), 201
    return _devices_page(shop, form, 422)


@bp.route("/shops/<int:shop_id>/devices/<int:device_id>/unlink", methods=["POST"])
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def unlink(shop_id: int, device_id: int):
    user = require_actor()
    is_device = device_auth.current_device() is not None
    device = pairing.manageable_device(db.session, user, device_id, is_device=is_device)
    form = UnlinkForm()
    if form.validate_on_submit() and device.shop_id == shop_id:
        pairing.unlink(db.session, device, user)
        flash(_("Teléfono «%(name)s» desvinculado.", name=device.name), "success")
    back = url_for("phone.devices", shop_id=device.shop_id)
    return redirect(safe_next(form.next.data) or back)


def pairing_url(token: str) -> str:
    """The link in the QR: the public address when configured, else this host."""
    base = (current_app.config.get("VOUCHER_BASE_URL") or request.host_url).rstrip("/")
    return f"{base}{url_for('phone.pair', token=token)}"


def qr_data_uri(text: str) -> str:
    """The QR as an SVG image (error correction M: a screen is not a worn paper)."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="2")
    svg = barcode.to_svg(with_quiet_zones=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# --- where a voucher can be used (the public page the QR opens) ------------------------------


@bp.app_template_global("shops_accepting")
def shops_accepting(parish_id: int, category: str):
    """For the public voucher page (a lower layer that does not know shops)."""
    return where_to_use.shops_accepting(db.session, parish_id, category)


# --- after a dropped connection: did that charge go through? -------------------------------


@bp.route("/shops/charges/<key>")
@role_required(Role.SHOPKEEPER)
def charge_status(key: str):
    """The scan page's question after giving up on an answer: whether the charge with
    this operation key exists (the shop's own charges only)."""
    user = require_actor()
    done = charge_checks.charge_by_key(db.session, user, key[:100])
    if done is None:
        return jsonify(found=False)
    tz = parish_timezone()
    return jsonify(
        found=True,
        receipt_url=url_for("shops.receipt", redemption_id=done.id),
        at=charge_checks.local_time(done.created_at, tz),
        status=done.status.value,
    )
