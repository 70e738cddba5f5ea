"""Accounts people can manage: change one's own password, an admin's one-time link (24 h,
once, shown once and as a QR), roles within the parish, and the command line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image, ImageDraw

from tests import factories
from voucher.audit.models import AuditEvent
from voucher.auth.models import PasswordReset, Role, User

NEW = "tres-palabras-sueltas-7"


def _sign_in(app, email, password=factories.PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    return client if response.status_code == 302 else None


def _change(client, current, new, confirm=None):
    return client.post(
        "/profile/password",
        data={"current": current, "new": new, "confirm": new if confirm is None else confirm},
    )


def _actions(db) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


# --- one's own password ---------------------------------------------------------------------


def test_a_password_change_needs_the_current_password(app, world, db):
    staff = world.users[("a", "staff")]
    client = _sign_in(app, staff.email)
    response = _change(client, "not-my-password", NEW)
    assert response.status_code == 422
    assert "La contraseña actual no es correcta." in response.get_data(as_text=True)
    assert _sign_in(app, staff.email) is not None  # nothing changed
    assert _sign_in(app, staff.email, NEW) is None


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("password12", "de las más usadas"),
        ("1234567890", "de las más usadas"),
        ("aaaaaaaaaa", "de las más usadas"),
        ("qwertyuiop", "de las más usadas"),
        ("dragon2026!", "de las más usadas"),
        ("corta", "al menos 10 caracteres"),
        ("SanEsteban-2026", None),  # another parish's name is fine
        ("jesusmaestro2026", "nombre de la parroquia"),
        ("Jesús Maestro 1", "nombre de la parroquia"),
    ],
)
def test_weak_passwords_are_refused_next_to_the_field(app, world, db, new, message):
    staff = world.users[("a", "staff")]
    client = _sign_in(app, staff.email)
    response = _change(client, factories.PASSWORD, new)
    if message is None:
        assert response.status_code == 302
        return
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="new-error"' in page
    assert _sign_in(app, staff.email) is not None


def test_the_email_is_not_a_password_and_both_new_ones_must_match(app, world, db):
    staff = world.users[("a", "staff")]
    client = _sign_in(app, staff.email)
    response = _change(client, factories.PASSWORD, staff.email)
    assert "La contraseña no puede ser su correo." in response.get_data(as_text=True)
    response = _change(client, factories.PASSWORD, NEW, NEW + "x")
    assert response.status_code == 422
    assert "Las dos contraseñas nuevas no coinciden." in response.get_data(as_text=True)


def test_a_password_change_is_kept_and_audited(app, world, db):
    staff = world.users[("a", "staff")]
    client = _sign_in(app, staff.email)
    assert _change(client, factories.PASSWORD, NEW).status_code == 302
    assert _sign_in(app, staff.email) is None
    assert _sign_in(app, staff.email, NEW) is not None
    assert "password_changed" in _actions(db)


def test_the_page_reads_in_english_too(app, world):
    client = _sign_in(app, world.users[("a", "staff")].email)
    page = client.get("/profile/password?lang=en").get_data(as_text=True)
    assert "Current password" in page and "Repeat the new password" in page


# --- a one-time link from the admin ---------------------------------------------------------


def _issue(app, world, target_key=("a", "staff")) -> tuple[str, str]:
    admin = _sign_in(app, world.users[("a", "admin")].email)
    target = world.users[target_key]
    response = admin.post(f"/users/{target.id}/reset")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    link = re.search(r'<code id="reset-link">([^<]+)</code>', page).group(1)
    return link, page


def _qr_text(page: str) -> str:
    """Draw the page's SVG QR as pixels and read it back, as a phone camera would."""
    svg = re.search(r'<svg class="qr".*?</svg>', page, re.S).group(0)
    side = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    scale = 8
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        x, y, width = int(x), int(y), int(width)
        draw.rectangle([x * scale, y * scale, (x + width) * scale - 1, (y + 1) * scale - 1], fill=0)
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR read from the page"
    return found[0].text


def _path(link: str) -> str:
    return link.removeprefix("http://vales.test")


def test_a_reset_link_works_once_and_its_qr_carries_it(app, world, db):
    staff = world.users[("a", "staff")]
    link, page = _issue(app, world)
    assert link.startswith("http://vales.test/password/reset/")
    assert _qr_text(page) == link
    secret = link.rsplit("/", 1)[1]
    db.session.rollback()
    stored = db.session.scalars(sa.select(PasswordReset)).one()
    assert secret not in (stored.secret_hash,)  # only its hash is kept
    assert stored.expires_at - stored.created_at == timedelta(hours=24)

    phone = app.test_client()
    opened = phone.get(_path(link))
    assert opened.status_code == 302 and secret not in opened.headers["Location"]
    form = phone.get(opened.headers["Location"])
    assert form.status_code == 200 and staff.email in form.get_data(as_text=True)
    done = phone.post("/password/new", data={"new": NEW, "confirm": NEW})
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    assert _sign_in(app, staff.email, NEW) is not None
    assert _sign_in(app, staff.email) is None

    again = app.test_client()
    again.get(_path(link))
    gone = again.get("/password/new")
    assert gone.status_code == 410
    assert "ya se usó o venció" in gone.get_data(as_text=True)
    assert (
        again.post("/password/new", data={"new": "x" * 12, "confirm": "x" * 12}).status_code == 410
    )
    assert _actions(db)[-3:][0] in {"password_reset_used", "login_failed", "login"}
    assert "password_reset_issued" in _actions(db) and "password_reset_used" in _actions(db)


def test_a_reset_link_expires_after_24_hours(app, world, db, monkeypatch):
    link, _page = _issue(app, world)
    from voucher.auth import services
    from voucher.db import utcnow

    later = utcnow() + timedelta(hours=24, minutes=1)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    phone = app.test_client()
    phone.get(_path(link))
    assert phone.get("/password/new").status_code == 410
    assert phone.post("/password/new", data={"new": NEW, "confirm": NEW}).status_code == 410
    assert _sign_in(app, world.users[("a", "staff")].email) is not None


def test_a_reset_link_refuses_a_weak_password_and_stays_usable(app, world):
    link, _page = _issue(app, world)
    phone = app.test_client()
    phone.get(_path(link))
    weak = phone.post("/password/new", data={"new": "password12", "confirm": "password12"})
    assert weak.status_code == 422
    assert phone.post("/password/new", data={"new": NEW, "confirm": NEW}).status_code == 302


def test_a_new_link_retires_the_one_before(app, world):
    first, _ = _issue(app, world)
    second, _ = _issue(app, world)
    phone = app.test_client()
    phone.get(_path(first))
    assert phone.get("/password/new").status_code == 410
    phone.get(_path(second))
    assert phone.get("/password/new").status_code == 200


def test_a_reset_ends_the_sessions_the_user_had(app, world):
    staff = world.users[("a", "staff")]
    old = _sign_in(app, staff.email)
    link, _ = _issue(app, world)
    phone = app.test_client()
    phone.get(_path(link))
    phone.post("/password/new", data={"new": NEW, "confirm": NEW})
    assert old.get("/profile").status_code == 302


def test_the_admin_gives_a_link_to_the_parish_shopkeeper(app, world):
    keeper = world.users[("a", "shopkeeper")]
    link, _ = _issue(app, world, ("a", "shopkeeper"))
    phone = app.test_client()
    phone.get(_path(link))
    assert phone.post("/password/new", data={"new": NEW, "confirm": NEW}).status_code == 302
    assert _sign_in(app, keeper.email, NEW) is not None


def test_an_admin_of_another_parish_cannot_reach_the_account(app, world, db):
    from voucher.shops.services import link_shop

    link_shop(db.session, world.shops["a"], world.parishes["b"].id)  # b joined a's shop
    db.session.commit()
    admin_b = _sign_in(app, world.users[("b", "admin")].email)
    for key in (("a", "staff"), ("a", "shopkeeper")):
        target = world.users[key]
        assert admin_b.get(f"/users/{target.id}").status_code == 404
        assert admin_b.post(f"/users/{target.id}/reset").status_code == 404
        assert admin_b.post(f"/users/{target.id}/deactivate").status_code == 404
    listing = admin_b.get("/users").get_data(as_text=True)
    assert world.users[("a", "shopkeeper")].email not in listing
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordReset)) == 0


# --- who has access, roles ------------------------------------------------------------------


def test_the_admin_sees_who_has_access(app, world):
    admin = _sign_in(app, world.users[("a", "admin")].email)
    _sign_in(app, world.users[("a", "treasurer")].email)
    page = admin.get("/users").get_data(as_text=True)
    for key in (("a", "staff"), ("a", "treasurer"), ("a", "shopkeeper")):
        assert world.users[key].email in page
    assert world.users[("b", "staff")].email not in page
    assert "1 sesión abierta" in page


def test_the_admin_changes_a_role_within_the_parish(app, world, db):
    staff = world.users[("a", "staff")]
    admin = _sign_in(app, world.users[("a", "admin")].email)
    assert admin.post(f"/users/{staff.id}/role", data={"role-role": "treasurer"}).status_code == 302
    db.session.rollback()
    assert db.session.get(User, staff.id).role == Role.TREASURER
    assert _actions(db)[-1] == "role_changed"
    keeper = world.users[("a", "shopkeeper")]
    refused = admin.post(f"/users/{keeper.id}/role", data={"role-role": "staff"})
    assert refused.status_code == 422
    assert "no cambian a perfiles de la parroquia" in refused.get_data(as_text=True)
    bogus = admin.post(f"/users/{staff.id}/role", data={"role-role": "shopkeeper"})
    assert bogus.status_code == 422
    me = world.users[("a", "admin")]
    own = admin.post(f"/users/{me.id}/role", data={"role-role": "staff"})
    assert own.status_code == 422
    db.session.rollback()
    assert db.session.get(User, me.id).role == Role.ADMIN


def test_the_admin_cannot_deactivate_their_own_account(app, world, db):
    me = world.users[("a", "admin")]
    admin = _sign_in(app, me.email)
    response = admin.post(f"/users/{me.id}/deactivate", follow_redirects=True)
    assert "No puede desactivar su propia cuenta." in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(User, me.id).active


def test_deactivation_and_reactivation_are_audited(app, world, db):
    staff = world.users[("a", "staff")]
    admin = _sign_in(app, world.users[("a", "admin")].email)
    admin.post(f"/users/{staff.id}/deactivate")
    admin.post(f"/users/{staff.id}/reactivate")
    assert _actions(db)[-2:] == ["user_deactivated", "user_reactivated"]


# --- the command line -----------------------------------------------------------------------


def test_users_list_deactivate_and_reset_on_the_command_line(app, world, db):
    runner = app.test_cli_runner()
    staff = world.users[("a", "staff")]
    listed = runner.invoke(args=["users", "list"])
    assert listed.exit_code == 0, listed.output
    assert staff.email in listed.output and "jesus-maestro" in listed.output
    only_b = runner.invoke(args=["users", "list", "--parish", "san-esteban"])
    assert staff.email not in only_b.output
    browser = _sign_in(app, staff.email)
    out = runner.invoke(args=["users", "deactivate", staff.email.upper()])
    assert out.exit_code == 0, out.output
    assert browser.get("/profile").status_code == 302
    assert "inactive" in runner.invoke(args=["users", "list"]).output
    refused = runner.invoke(args=["users", "reset", staff.email])
    assert refused.exit_code != 0
    assert runner.invoke(args=["users", "reactivate", staff.email]).exit_code == 0
    reset = runner.invoke(args=["users", "reset", staff.email])
    assert reset.exit_code == 0, reset.output
    link = reset.output.strip().splitlines()[-1]
    assert link.startswith("http://vales.test/password/reset/")
    phone = app.test_client()
    phone.get(_path(link))
    assert phone.post("/password/new", data={"new": NEW, "confirm": NEW}).status_code == 302
    unknown = runner.invoke(args=["users", "reset", "nadie@example.org"])
    assert unknown.exit_code != 0 and "nadie@example.org" in unknown.output
    assert {"user_deactivated", "user_reactivated", "password_reset_issued"} <= set(_actions(db))
