from flask import Blueprint

from voucher.shops.services import bank_line
from voucher.uploads import apply_upload_limit

bp = Blueprint("shops", __name__, url_prefix="/shops")
bp.url_value_preprocessor(apply_upload_limit)  # the shops spreadsheet (imports.py)

# Where the parish pays a shop, one line: on the shop's pages and the treasurer's too.
bp.add_app_template_global(bank_line, "bank_line")
