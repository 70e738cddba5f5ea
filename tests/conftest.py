"""Fixtures: a fresh database per test, built by the migrations (never create_all),
on SQLite by default or on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import base64
import itertools
import os
import re
import shutil
import uuid

import pytest
import sqlalchemy as sa
from flask import g, request_started

from tests import factories

TEST_VOUCHER_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
_counter = itertools.count()


def _pg_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _with_database(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from voucher import create_app

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        from voucher.extensions import db

        db.engine.dispose()


def _config(url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "VOUCHER_KEY": TEST_VOUCHER_KEY,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "VOUCHER_BASE_URL": "http://vales.test",
        "RATELIMIT_ENABLED": True,
        # Real scrypt, lower cost: the suite creates hundreds of users.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Migrate once; every test gets a copy of the migrated database."""
    if PG_URL:
        admin_url = _pg_url(PG_URL)
        name = f"vales_tpl_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        _migrate(_with_database(admin_url, name))
        yield ("postgresql", admin_url, name, engine)
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        _migrate(f"sqlite:///{path}")
        yield ("sqlite", None, path, None)


@pytest.fixture
def database_url(database_template, tmp_path):
    kind, admin_url, template, engine = database_template
    if kind == "sqlite":
        target = tmp_path / "test.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    name = f"vales_t_{os.getpid()}_{next(_counter)}"
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _with_database(admin_url, name)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def app_config(database_url):
    """Override in a test module to change settings."""
    return _config(database_url)


def _forget_the_last_request(_sender, **_extra) -> None:
    """The test keeps one app context pushed and each request reuses it, so ``flask.g``
    (where Flask-Login caches the user) would outlive a request: forget the user at
    each request start, as a real server does, so two test clients are two people."""
    for name in ("_login_user", "api_user", "idempotency", "idempotency_restore"):
        g.pop(name, None)


@pytest.fixture
def app(app_config, tmp_path, monkeypatch):
    monkeypatch.delenv("VOUCHER_KEY", raising=False)
    from voucher import create_app
    from voucher.extensions import db

    application = create_app(dict(app_config, VOUCHER_KEY_FILE=str(tmp_path / "voucher_key")))
    ctx = application.app_context()
    ctx.push()
    request_started.connect(_forget_the_last_request, application)
    yield application
    request_started.disconnect(_forget_the_last_request, application)
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


@pytest.fixture
def db(app):
    from voucher.extensions import db as database

    return database


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(db):
    """Two parishes with one user per role each, a shop enrolled in the first."""
    w = factories.build_world(db.session)
    db.session.commit()
    return w


@pytest.fixture
def login_as(app, world):
    """``login_as("staff")`` -> a test client logged in as that role (parish A)."""

    def _login(role: str, parish: str = "a"):
        user = world.users[(parish, role)]
        c = app.test_client()
        response = c.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return _login


@pytest.fixture
def api(app, world, db):
    """``api("staff")`` -> a client whose requests carry that role's bearer token."""
    from voucher.auth.services import create_token

    def _api(role: str, parish: str = "a"):
        user = world.users[(parish, role)]
        _row, token = create_token(db.session, user, "test")
        db.session.commit()
        return factories.ApiClient(app.test_client(), token)

    return _api


def extract_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


def pytest_report_header(config):
    return f"database: {'PostgreSQL' if PG_URL else 'SQLite'}"
