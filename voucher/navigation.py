"""Role-aware navigation: each role sees only what it can do."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from voucher.auth.models import Role
from voucher.extensions import db
from voucher.families.rules import display_rut
from voucher.shops.device_auth import DEVICE_ENDPOINTS, current_device
from voucher.shops.models import Shop

NAV = {
    Role.ADMIN: [
        ("programs.index", _l("Programas")),
        ("families.index", _l("Familias")),
        ("vouchers.index", _l("Vales")),
        ("shops.index", _l("Comercios")),
        ("treasury.index", _l("Tesorería")),
        ("treasury.impact", _l("Impacto")),
        ("auth.users", _l("Usuarios")),
        ("audit.index", _l("Auditoría")),
    ],
    Role.STAFF: [
        ("families.index", _l("Familias")),
        ("vouchers.index", _l("Vales")),
        ("vouchers.rounds", _l("Rondas")),
    ],
    Role.TREASURER: [
        ("treasury.index", _l("Tesorería")),
        ("treasury.funds", _l("Fondos")),
        ("treasury.settlements", _l("Pagos")),
        ("treasury.reports", _l("Informes")),
        ("treasury.impact", _l("Impacto")),
    ],
    Role.DIOCESE: [("diocese.index", _l("Impacto de las parroquias"))],
    Role.SHOPKEEPER: [
        ("shops.scan", _l("Escanear")),
        ("shops.today", _l("Hoy")),
        ("treasury.my_statement", _l("Estado de cuenta")),
        ("phone.my_devices", _l("Teléfonos")),
    ],
}


def register_navigation(app: Flask) -> None:
    # RUTs print one way everywhere (12.345.678-5), a shop's as a family's.
    app.jinja_env.filters["rut"] = display_rut

    @app.context_processor
    def navigation() -> dict:
        items: list = []
        shop = None
        phone = False
        if current_user.is_authenticated:
            items = NAV.get(current_user.role, [])
            phone = current_device() is not None
            if phone:  # a paired phone sees only the till
                items = [item for item in items if item[0] in DEVICE_ENDPOINTS]
            if current_user.shop_id:
                shop = db.session.get(Shop, current_user.shop_id)
        return {
            "nav_items": items,
            "is_phone": phone,
            "current_shop": shop,
            "current_locale": lambda: str(get_locale() or "es_CL"),
        }
