"""Sessions that end: a cookie captured before a logout, a password change, a
deactivation or "cerrar todas las sesiones" opens nothing afterwards, replayed from
another browser; API tokens of that user stop at the same moment."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from voucher.auth.models import User

REMEMBER = "remember_token"
SESSION = "session"


def _sign_in(app, email: str, password: str = factories.PASSWORD, remember: bool = False):
    client = app.test_client()
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _cookies(client, *names: str) -> dict[str, str]:
    found = {name: client.get_cookie(name) for name in names}
    return {name: cookie.value for name, cookie in found.items() if cookie is not None}


def _replay(app, cookies: dict[str, str]):
    """A fresh browser that only has the captured cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value, domain="localhost")
    return thief


def _is_in(client) -> bool:
    response = client.get("/profile")
    return response.status_code == 200


def _token_works(client, token: str) -> bool:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_session_cookie_captured_before_logout_opens_nothing_after(app, world):
    staff = world.users[("a", "staff")]
    browser = _sign_in(app, staff.email)
    captured = _cookies(browser, SESSION)
    assert _is_in(_replay(app, captured))
    assert browser.post("/logout").status_code == 302
    assert not _is_in(browser)
    replayed = _replay(app, captured)
    page = replayed.get("/profile")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_a_remember_cookie_captured_before_logout_opens_nothing_after(app, world):
    staff = world.users[("a", "staff")]
    browser = _sign_in(app, staff.email, remember=True)
    captured = _cookies(browser, REMEMBER)
    assert REMEMBER in captured
    assert _is_in(_replay(app, captured))  # the 60-day cookie alone opens the account
    browser.post("/logout")
    assert not _is_in(_replay(app, captured))


def test_logging_out_on_one_phone_keeps_the_other_signed_in(app, world):
    staff = world.users[("a", "staff")]
    phone = _sign_in(app, staff.email)
    desk = _sign_in(app, staff.email, remember=True)
    phone.post("/logout")
    assert _is_in(desk)


def test_a_password_change_ends_every_other_session_and_token(app, world, db, api):
    staff = world.users[("a", "staff")]
    other = _sign_in(app, staff.email, remember=True)
    captured = _cookies(other, SESSION, REMEMBER)
    token = api("staff").token
    me = _sign_in(app, staff.email)
    response = me.post(
        "/profile/password",
        data={
            "current": factories.PASSWORD,
            "new": "otra-clave-muy-distinta-42",
            "confirm": "otra-clave-muy-distinta-42",
        },
    )
    assert response.status_code == 302
    assert _is_in(me)  # whoever changed it stays in
    assert not _is_in(other)
    assert not _is_in(_replay(app, captured))
    assert not _token_works(app.test_client(), token)
    assert _sign_in(app, staff.email, "otra-clave-muy-distinta-42")


def test_a_deactivated_user_is_out_at_the_next_request_on_web_and_api(app, world, db, api):
    staff = world.users[("a", "staff")]
    browser = _sign_in(app, staff.email, remember=True)
    captured = _cookies(browser, REMEMBER)
    token = api("staff").token
    assert _token_works(app.test_client(), token)
    admin = _sign_in(app, world.users[("a", "admin")].email)
    assert admin.post(f"/users/{staff.id}/deactivate").status_code == 302
    page = browser.get("/families/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert not _is_in(_replay(app, captured))
    answer = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    # and the password no longer opens it
    refused = app.test_client().post(
        "/login", data={"email": staff.email, "password": factories.PASSWORD}
    )
    assert refused.status_code == 200


def test_a_reactivated_user_signs_in_again_but_old_cookies_stay_dead(app, world, db):
    staff = world.users[("a", "staff")]
    browser = _sign_in(app, staff.email, remember=True)
    captured = _cookies(browser, SESSION, REMEMBER)
    admin = _sign_in(app, world.users[("a", "admin")].email)
    admin.post(f"/users/{staff.id}/deactivate")
    admin.post(f"/users/{staff.id}/reactivate")
    db.session.rollback()
    assert db.session.get(User, staff.id).active
    assert not _is_in(_replay(app, captured))
    assert _is_in(_sign_in(app, staff.email))


def test_the_admin_closes_every_session_of_a_user(app, world, db, api):
    treasurer = world.users[("a", "treasurer")]
    one = _sign_in(app, treasurer.email)
    two = _sign_in(app, treasurer.email, remember=True)
    token = api("treasurer").token
    admin = _sign_in(app, world.users[("a", "admin")].email)
    assert admin.post(f"/users/{treasurer.id}/sessions/end").status_code == 302
    assert not _is_in(one)
    assert not _is_in(two)
    assert not _token_works(app.test_client(), token)
    db.session.rollback()
    assert db.session.get(User, treasurer.id).active  # still an account, just signed out
    assert _is_in(_sign_in(app, treasurer.email))


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "sessions/end"])
def test_an_admin_of_another_parish_cannot_touch_the_account(app, world, action):
    staff = world.users[("a", "staff")]
    admin_b = _sign_in(app, world.users[("b", "admin")].email)
    assert admin_b.post(f"/users/{staff.id}/{action}").status_code == 404


def test_cookies_of_a_user_id_without_its_session_secret_open_nothing(app, world):
    staff = world.users[("a", "staff")]
    browser = app.test_client()
    with browser.session_transaction() as sess:
        sess["_user_id"] = str(staff.id)
        sess["_fresh"] = True
    assert not _is_in(browser)


def test_sign_in_keeps_no_clear_secret_in_the_database(app, world, db):
    staff = world.users[("a", "staff")]
    browser = _sign_in(app, staff.email, remember=True)
    assert browser.get_cookie(SESSION) is not None
    from voucher.auth.models import LoginSession

    db.session.rollback()
    rows = db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == staff.id)).all()
    assert len(rows) == 1
    remember = browser.get_cookie(REMEMBER).value
    assert rows[0].secret_hash not in remember
    assert rows[0].expires_at is not None


def test_a_sign_in_without_remember_me_lasts_a_day_and_one_with_it_sixty(app, world, monkeypatch):
    from datetime import timedelta

    from voucher.auth import sessions
    from voucher.db import utcnow

    staff = world.users[("a", "staff")]
    short = _cookies(_sign_in(app, staff.email), SESSION)
    long = _cookies(_sign_in(app, staff.email, remember=True), REMEMBER)
    now = utcnow()
    monkeypatch.setattr(sessions, "utcnow", lambda: now + timedelta(hours=24, minutes=1))
    assert not _is_in(_replay(app, short))
    assert _is_in(_replay(app, long))
    monkeypatch.setattr(sessions, "utcnow", lambda: now + timedelta(days=60, minutes=1))
    assert not _is_in(_replay(app, long))
