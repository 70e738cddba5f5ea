from __future__ import annotations

import click
from flask.cli import AppGroup

vouchers_cli = AppGroup("vouchers", help="Vouchers: daily expiry.")
