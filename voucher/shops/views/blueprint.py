from flask import Blueprint

from voucher.shops.services import bank_line

bp = Blueprint("shops", __name__, url_prefix="/shops")

# Where the parish pays a shop, one line: on the shop's pages and the treasurer's too.
bp.add_app_template_global(bank_line, "bank_line")
