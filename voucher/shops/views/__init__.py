"""Shops on the web: the admin's shop pages (admin.py), and the shopkeeper's phone
flow, scan → voucher → charge → receipt, today's list, void (phone.py)."""

from voucher.shops.views import admin, phone
from voucher.shops.views.blueprint import bp

__all__ = ["admin", "bp", "phone"]
