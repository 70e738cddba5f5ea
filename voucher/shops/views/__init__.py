"""Shops on the web: the admin's shop pages (admin.py), and the shopkeeper's phone
flow, scan → voucher → charge → receipt, today's list, void (phone.py); the shop's
paired phones (devices.py, blueprint "phone") and the scan page as an installable app
(pwa.py); bringing shops in from a spreadsheet (imports.py)."""

from voucher.shops.views import admin, devices, imports, phone, pwa
from voucher.shops.views.blueprint import bp

__all__ = ["admin", "bp", "devices", "imports", "phone", "pwa"]
