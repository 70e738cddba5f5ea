"""``flask --app wsgi vouchers expire``: the daily job that closes overdue vouchers."""

from __future__ import annotations

from datetime import datetime

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from voucher.extensions import db
from voucher.parishes.models import Parish
from voucher.vouchers.services import expire_overdue

vouchers_cli = AppGroup("vouchers", help="Vouchers: daily expiry.")


@vouchers_cli.command("expire")
@click.option("--parish", "slug", help="Only this parish (default: every parish).")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Treat this day (YYYY-MM-DD) as today; default: each parish's own date.",
)
def expire(slug: str | None, today: datetime | None) -> None:
    """Expire every active voucher past its valid-until day and return its remaining
    value to the program fund. Safe to run any number of times (e.g. a daily cron)."""
    parish_id = None
    if slug:
        parish_id = db.session.scalar(sa.select(Parish.id).where(Parish.slug == slug))
        if parish_id is None:
            raise click.ClickException(f"No parish with slug {slug!r}.")
    day = today.date() if today is not None else None
    count = expire_overdue(db.session, today=day, parish_id=parish_id)
    db.session.commit()
    click.echo(f"{count} voucher(s) expired.")
