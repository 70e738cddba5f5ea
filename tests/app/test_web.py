"""Login, sessions, CSRF, errors and headers as a person (or an attacker) meets them."""

from __future__ import annotations

import pytest

from tests.conftest import extract_csrf
from tests.factories import PASSWORD


def test_login_page_is_spanish(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Ingresar a Vales" in page and "Contraseña" in page
    assert 'lang="es"' in page


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("staff", "/families/"),
        ("admin", "/programs/"),
        ("treasurer", "/treasury/"),
        ("shopkeeper", "/shops/scan"),
    ],
)
def test_each_role_lands_on_its_home(client, world, role, home):
    user = world.users[("a", role)]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(home.rstrip("/"))


def test_wrong_password_and_unknown_email_get_the_same_message(client, world):
    user = world.users[("a", "staff")]
    for email, password in ((user.email, "wrong-password"), ("nobody@example.cl", PASSWORD)):
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 200
        assert "Correo o contraseña incorrectos." in response.get_data(as_text=True)


def test_login_is_throttled_after_five_failures(client, world):
    user = world.users[("a", "staff")]
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong-password"})
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Demasiados intentos" in response.get_data(as_text=True)
    other = world.users[("a", "admin")]
    assert (
        client.post("/login", data={"email": other.email, "password": PASSWORD}).status_code == 302
    )


def test_next_only_follows_local_paths(client, world):
    user = world.users[("a", "staff")]
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(
            f"/login?next={target}", data={"email": user.email, "password": PASSWORD}
        )
        assert "evil" not in response.headers["Location"]
        client.post("/logout")
        client.get("/logout")


def test_pages_need_login(client):
    response = client.get("/families/")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_wrong_role_gets_a_spanish_403(login_as):
    response = login_as("shopkeeper").get("/families/")
    assert response.status_code == 403
    assert "Sin permiso" in response.get_data(as_text=True)


def test_unknown_page_is_a_spanish_404(client):
    response = client.get("/no-existe")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "No encontrado" in page and "Volver al inicio" in page


def test_oversized_request_is_refused_clearly(client):
    response = client.post("/login", data={"email": "a" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "demasiado grande" in response.get_data(as_text=True)


def test_unexpected_error_shows_no_stack_trace(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Traceback" not in page and "secret internals" not in page
    assert "Nada fue modificado" in page


def test_security_headers_and_cookie_flags(client, world):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "worker-src 'self' blob:" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    user = world.users[("a", "staff")]
    login = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = login.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.fixture
def app_config(app_config):
    return app_config


class TestCsrf:
    @pytest.fixture
    def app_config(self, database_url):
        from tests.conftest import _config

        return dict(_config(database_url), WTF_CSRF_ENABLED=True)

    def test_login_without_token_is_refused_in_spanish(self, client, world):
        user = world.users[("a", "staff")]
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        assert "El formulario expiró" in response.get_data(as_text=True)

    def test_login_with_token_works_and_logout_needs_it(self, client, world):
        user = world.users[("a", "staff")]
        token = extract_csrf(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        assert client.post("/logout").status_code == 400  # no token: still logged in
        assert client.get("/families/").status_code == 200

    def test_api_is_exempt_but_needs_a_token(self, client, world):
        response = client.post("/api/v1/families", json={})
        assert response.status_code == 401
