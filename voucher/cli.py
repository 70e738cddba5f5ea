"""Command-line administration: ``flask --app wsgi <group> <command>``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from voucher.auth import services as auth_services
from voucher.auth.models import Role, User
from voucher.backup.cli import backup_cli
from voucher.demo import demo_command
from voucher.doctor import doctor_command
from voucher.errors import DomainError
from voucher.extensions import db
from voucher.oversight.cli import ledger_cli
from voucher.parishes import services as parish_services
from voucher.parishes.models import Parish
from voucher.shops.models import Shop
from voucher.vouchers.cli import vouchers_cli

parish_cli = AppGroup("parish", help="Parishes (tenants).")
users_cli = AppGroup("users", help="User accounts.")
tokens_cli = AppGroup("tokens", help="API tokens.")


def _fail(error: DomainError) -> None:
    detail = error.detail
    if hasattr(error, "errors"):
        detail += " " + " ".join(str(m) for _f, m in error.errors)
    raise click.ClickException(detail)


@parish_cli.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--prefix", help="Serial prefix printed on vouchers (default: from the name).")
def parish_create(slug: str, name: str, prefix: str | None) -> None:
    """Create a parish with its books."""
    try:
        parish = parish_services.create_parish(db.session, slug=slug, name=name, prefix=prefix)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Parish {parish.slug} created (serial prefix {parish.serial_prefix}).")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--parish", "parish_slug", help="For admin, staff and treasurer (diocese: none).")
@click.option("--shop", "shop_id", type=int, help="For shopkeepers: the shop's id.")
@click.option("--name", default="")
@click.password_option(prompt="Password", confirmation_prompt=False)
def users_create(
    email: str, role: str, parish_slug: str | None, shop_id: int | None, name: str, password: str
) -> None:
    """Create a user; the password is asked at a hidden prompt (or read from stdin)."""
    parish = None
    if parish_slug:
        parish = db.session.scalar(sa.select(Parish).where(Parish.slug == parish_slug))
        if parish is None:
            raise click.ClickException(f"No parish with slug {parish_slug!r}.")
    if shop_id is not None and db.session.get(Shop, shop_id) is None:
        raise click.ClickException(f"No shop with id {shop_id}.")
    try:
        user = auth_services.create_user(
            db.session,
            email=email,
            password=password,
            role=Role(role),
            name=name,
            parish=parish,
            shop_id=shop_id,
        )
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"User {user.email} created with role {user.role.value}.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli")
def tokens_create(email: str, name: str) -> None:
    """Print a new API token for EMAIL (shown once; only its hash is kept)."""
    user = db.session.scalar(
        sa.select(User).where(User.email == auth_services.normalise_email(email))
    )
    if user is None:
        raise click.ClickException(f"No user {email!r}.")
    _row, clear = auth_services.create_token(db.session, user, name)
    db.session.commit()
    click.echo(clear)


def register_cli(app: Flask) -> None:
    for group in (parish_cli, users_cli, tokens_cli, ledger_cli, vouchers_cli, backup_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo_command)
    app.cli.add_command(doctor_command)
