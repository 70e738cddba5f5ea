"""Command-line administration: ``flask --app wsgi <group> <command>``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from voucher.auth import queries as auth_queries
from voucher.auth import services as auth_services
from voucher.auth.models import Role, User
from voucher.auth.views import reset_link
from voucher.backup.cli import backup_cli
from voucher.demo import demo_command
from voucher.doctor import doctor_command
from voucher.errors import DomainError
from voucher.extensions import db
from voucher.imports.cli import families_cli
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


def _user_by_email(email: str) -> User:
    user = db.session.scalar(
        sa.select(User).where(User.email == auth_services.normalise_email(email))
    )
    if user is None:
        raise click.ClickException(f"No user {email!r}.")
    return user


@users_cli.command("list")
@click.option("--parish", "parish_slug", help="Only this parish's accounts and its shops'.")
def users_list(parish_slug: str | None) -> None:
    """Who has access: e-mail, role, parish or shop, active or not, open sessions."""
    parishes = {p.id: p for p in db.session.scalars(sa.select(Parish))}
    shops = {s.id: s for s in db.session.scalars(sa.select(Shop))}
    wanted = None
    if parish_slug:
        wanted = next((p for p in parishes.values() if p.slug == parish_slug), None)
        if wanted is None:
            raise click.ClickException(f"No parish with slug {parish_slug!r}.")
    scope = auth_queries.shops_managed(db.session, wanted.id) if wanted else {}
    users = list(
        db.session.scalars(sa.select(User).order_by(User.parish_id, User.shop_id, User.email))
    )
    live = auth_queries.live_sessions(db.session, [u.id for u in users])
    for user in users:
        if wanted is not None and user.parish_id != wanted.id and user.shop_id not in scope:
            continue
        if user.parish_id:
            where = parishes[user.parish_id].slug
        elif user.shop_id:
            where = f"shop {user.shop_id} {shops[user.shop_id].name}"
        else:
            where = "all parishes (read-only figures)"  # the diocese
        state = "active" if user.active else "inactive"
        sessions = live.get(user.id, (0, None))[0]
        click.echo(f"{user.email}\t{user.role.value}\t{where}\t{state}\t{sessions} sessions")


@users_cli.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Deactivate EMAIL: its sessions, remember cookies and API tokens stop at once."""
    user = _user_by_email(email)
    auth_services.deactivate_user(db.session, None, user)
    db.session.commit()
    click.echo(f"User {user.email} deactivated; its sessions and tokens were ended.")


@users_cli.command("reactivate")
@click.argument("email")
def users_reactivate(email: str) -> None:
    """Let EMAIL sign in again with its password (old cookies and tokens stay dead)."""
    user = _user_by_email(email)
    auth_services.reactivate_user(db.session, None, user)
    db.session.commit()
    click.echo(f"User {user.email} reactivated.")


@users_cli.command("reset")
@click.argument("email")
def users_reset(email: str) -> None:
    """Print a one-time link (24 h, single use) for EMAIL to choose a new password.
    Shown once; hand it over in person. Earlier links of EMAIL stop working."""
    user = _user_by_email(email)
    try:
        secret = auth_services.issue_reset(db.session, user, None)
    except DomainError as error:
        _fail(error)
    with current_app.test_request_context():
        link = reset_link(secret)
    db.session.commit()
    click.echo(f"One-time link for {user.email}, valid {auth_services.RESET_HOURS} h:")
    click.echo(link)


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli")
def tokens_create(email: str, name: str) -> None:
    """Print a new API token for EMAIL (shown once; only its hash is kept)."""
    user = _user_by_email(email)
    _row, clear = auth_services.create_token(db.session, user, name)
    db.session.commit()
    click.echo(clear)


def register_cli(app: Flask) -> None:
    for group in (
        parish_cli,
        users_cli,
        tokens_cli,
        ledger_cli,
        vouchers_cli,
        backup_cli,
        families_cli,
    ):
        app.cli.add_command(group)
    app.cli.add_command(demo_command)
    app.cli.add_command(doctor_command)
