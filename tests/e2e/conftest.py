"""Real-browser journeys: the real app on a loopback port, driven by Debian's Chromium.

One server and one browser per session; every journey gets a fresh browser context (its own
cookies), so journeys do not depend on each other or on their order. The database is built
by the migrations (SQLite, or PostgreSQL when TEST_DATABASE_URL is set) and seeded through
the services: the demo parish plus a few vouchers set aside for each journey.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import _config, _with_database

CHROMIUM = Path("/usr/bin/chromium")
E2E_DIR = Path(__file__).resolve().parent
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS") or E2E_DIR / "screenshots")
# Without these flags a machine with no network leaves Chromium waiting on connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(
        reason=f"browser journeys need Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    for item in items:
        if E2E_DIR not in Path(str(item.path)).resolve().parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if not CHROMIUM.exists():
            item.add_marker(skip)


# --- the seeded site ---------------------------------------------------------------------


@dataclass
class Site:
    """What the journeys know about the running app: its address, who can log in, and the
    vouchers and records set aside for each journey (plain values, no ORM objects)."""

    base_url: str
    password: str
    emails: dict[str, str]
    codes: dict[str, str] = field(default_factory=dict)
    voucher_ids: dict[str, int] = field(default_factory=dict)
    serials: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="session")
def e2e_database_url(database_template, tmp_path_factory) -> Iterator[str]:
    """One migrated database for the whole browser session (a copy of the template)."""
    kind, admin_url, template, engine = database_template
    if kind == "sqlite":
        target = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    name = f"vales_e2e_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _with_database(admin_url, name)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def site(e2e_database_url, tmp_path_factory) -> Iterator[Site]:
    """The real app, CSRF on, served by werkzeug on a free loopback port in a thread."""
    from werkzeug.serving import make_server

    from voucher import create_app
    from voucher.extensions import db

    key_file = tmp_path_factory.mktemp("e2e-key") / "voucher_key"
    config = dict(
        _config(e2e_database_url),
        TESTING=False,  # error pages as people see them, not exceptions
        WTF_CSRF_ENABLED=True,
        VOUCHER_KEY_FILE=str(key_file),
    )
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    # Printed QR codes point at this very server.
    app.config["VOUCHER_BASE_URL"] = base_url
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with app.app_context():
        from tests.e2e.seed import seed

        data = seed(db.session)
        db.session.commit()
        db.session.remove()
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield Site(base_url=base_url, **data)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


# --- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Problems:
    """JavaScript errors and Content-Security-Policy refusals seen by a page: the app
    must run with no inline script or style and no script error."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.messages.append(f"script error: {error}"))
        page.on("console", self._console)
        # data-confirm buttons ask window.confirm(): a person says yes.
        page.on("dialog", lambda dialog: dialog.accept())

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.messages.append(f"CSP: {message.text}")


@pytest.fixture(scope="session")
def signed_in() -> dict[str, dict]:
    """Cookies of a role's session, kept after its first login through the form, so
    pages that only need "someone logged in" do not type the password every time."""
    return {}


@pytest.fixture
def open_page(browser, site, signed_in) -> Iterator[Callable[..., object]]:
    """``open_page("phone")`` / ``open_page("desktop", as_role="staff")`` -> a page in a
    fresh context, Spanish of Chile, Santiago time; with ``as_role`` already logged in
    and on that role's home page. Checked for script errors and CSP refusals at the end."""
    from tests.e2e.helpers import login

    contexts = []
    problems = Problems()

    def _open(size: str = "desktop", as_role: str | None = None):
        phone = size == "phone"
        context = browser.new_context(
            base_url=site.base_url,
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=1,
            locale="es-CL",
            timezone_id="America/Santiago",
            accept_downloads=True,
            storage_state=signed_in.get(as_role) if as_role else None,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        if as_role in signed_in:
            page.goto("/")
        elif as_role is not None:
            login(page, site.emails[as_role], site.password)
            signed_in[as_role] = context.storage_state()
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not problems.messages, "\n".join(problems.messages)


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
