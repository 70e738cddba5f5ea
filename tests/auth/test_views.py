"""Signing in, tokens, language and the parish's accounts on the web: each action is
committed once by the request and leaves its audit row; a refused one leaves nothing."""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories
from voucher.audit.models import AuditEvent
from voucher.auth.models import ApiToken, User


def actions(db) -> list[str]:
    db.session.rollback()  # read what the requests committed
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_sign_in_and_a_failed_one_are_both_kept(client, world, db):
    user = world.users[("a", "staff")]
    wrong = client.post("/login", data={"email": user.email, "password": "not-it-at-all"})
    assert wrong.status_code == 200
    assert "Correo o contraseña incorrectos." in wrong.get_data(as_text=True)
    right = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert right.status_code == 302
    assert actions(db)[-2:] == ["login_failed", "login"]


def test_a_token_made_and_revoked_on_the_profile(login_as, world, db):
    client = login_as("treasurer")
    page = client.post("/profile", data={"action": "token", "token-name": "planilla"})
    assert page.status_code == 200
    user = world.users[("a", "treasurer")]
    db.session.rollback()
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert token is not None and token.name == "planilla"
    assert token.prefix in page.get_data(as_text=True)
    gone = client.post(f"/profile/tokens/{token.id}/revoke")
    assert gone.status_code == 302
    db.session.rollback()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert actions(db)[-2:] == ["token_created", "token_revoked"]


def test_the_language_chosen_is_kept(login_as, world, db):
    client = login_as("staff")
    response = client.post("/profile", data={"action": "language", "lang-locale": "en"})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(User, world.users[("a", "staff")].id).locale == "en"


def test_the_admin_makes_an_account_in_the_parish(login_as, world, db):
    client = login_as("admin")
    response = client.post(
        "/users",
        data={
            "name": "  Ana   Pérez ",
            "email": "ana@example.org",
            "role": "treasurer",
            "password": "una-clave-larga",
        },
    )
    assert response.status_code == 302
    db.session.rollback()
    made = db.session.scalar(sa.select(User).where(User.email == "ana@example.org"))
    assert (made.name, made.parish_id) == ("Ana Pérez", world.parishes["a"].id)
    assert actions(db)[-1] == "user_created"


def test_a_taken_email_is_refused_next_to_the_field_and_nothing_is_kept(login_as, world, db):
    client = login_as("admin")
    taken = world.users[("a", "staff")].email
    before = actions(db)
    response = client.post(
        "/users",
        data={"name": "Otra", "email": taken, "role": "staff", "password": "una-clave-larga"},
    )
    assert response.status_code == 422
    assert "Ya existe un usuario con ese correo." in response.get_data(as_text=True)
    assert actions(db) == before
    assert db.session.scalar(sa.select(sa.func.count()).where(User.email == taken)) == 1


def test_a_short_password_is_refused_next_to_the_field(login_as, db):
    client = login_as("admin")
    response = client.post(
        "/users",
        data={"name": "Otra", "email": "otra@example.org", "role": "staff", "password": "corta"},
    )
    assert response.status_code == 422
    assert "al menos 10 caracteres" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(User).where(User.email == "otra@example.org")) is None
