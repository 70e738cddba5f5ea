from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from voucher.extensions import db
from voucher.ledger.integrity import (
    chain_tip,
    replication_role,
    tip_in_chain,
    triggers_present,
)
from voucher.money import format_clp
from voucher.oversight.verify import verify_parish
from voucher.parishes.models import Parish
from voucher.treasury.journal import write_hledger

ledger_cli = AppGroup("ledger", help="The books: verify, export.")


def _parishes(slug: str | None) -> list[Parish]:
    query = sa.select(Parish).order_by(Parish.slug)
    if slug:
        query = query.where(Parish.slug == slug)
    parishes = list(db.session.scalars(query))
    if slug and not parishes:
        raise click.ClickException(f"No parish with slug {slug!r}.")
    return parishes


@ledger_cli.command("tip")
@click.option("--parish", "slug", required=True, help="The parish's slug.")
def tip(slug: str) -> None:
    """Print the parish's chain tip as SEQ:HASH, to note or send away; `verify --tip`
    later proves the books still hold it."""
    parish = _parishes(slug)[0]
    click.echo(chain_tip(db.session, parish.id) or "0:")
    db.session.rollback()


@ledger_cli.command("verify")
@click.option("--parish", "slug", help="Only this parish.")
@click.option(
    "--tip", "noted", help="A chain tip noted earlier (SEQ:HASH) that must still be there."
)
def verify(slug: str | None, noted: str | None) -> None:
    """Recompute every ledger invariant; exits non-zero on any failure."""
    if noted and not slug:
        raise click.UsageError("--tip goes with --parish.")
    failed = False
    missing = triggers_present(db.session)
    if missing:
        failed = True
        click.echo(f"FAIL immutability triggers missing or not firing ALWAYS: {', '.join(missing)}")
    role = replication_role(db.session)
    if role is not None:
        click.echo(f"     session_replication_role = {role}")
    for parish in _parishes(slug):
        report = verify_parish(db.session, parish)
        s = report.summary
        if report.ok:
            click.echo(
                f"OK   {parish.slug}: {s['entries']} entries, {s['transfers']} transfers, "
                f"{s['vouchers']} vouchers; debits = credits = {format_clp(s['total_debits'])}; "
                f"outstanding {format_clp(s['outstanding'])}; bank {format_clp(s['bank'])}"
            )
        else:
            failed = True
            for failure in report.failures:
                click.echo(f"FAIL {parish.slug}: {failure}")
        if noted and not tip_in_chain(db.session, parish.id, noted):
            failed = True
            click.echo(f"FAIL {parish.slug}: the noted tip {noted} is not in the chain")
    db.session.rollback()
    if failed:
        sys.exit(1)
    click.echo("Ledger verified.")


@ledger_cli.command("export")
@click.option("--parish", "slug", required=True, help="The parish's slug.")
@click.option(
    "--format", "fmt", type=click.Choice(["hledger"]), default="hledger", show_default=True
)
@click.option(
    "--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD)."
)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="File to write (default: stdout).",
)
def export(slug: str, fmt: str, date_from, date_to, output: str | None) -> None:
    """Write the parish's books as an hledger journal (a period starts with opening balances)."""

    start = date_from.date() if date_from else None
    end = date_to.date() if date_to else None
    if start and end and start > end:
        raise click.BadParameter("--from is after --to.", param_hint="--from")
    parish = _parishes(slug)[0]
    if output:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            count = write_hledger(db.session, parish, handle, date_from=start, date_to=end)
        click.echo(f"{count} transactions written to {output}.", err=True)
    else:
        write_hledger(db.session, parish, sys.stdout, date_from=start, date_to=end)
    db.session.rollback()
