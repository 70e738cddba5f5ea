"""The scan page as an installable app: its manifest, its service worker, and the
offline shell the worker shows when there is no connection.

The worker keeps only the page shell (the offline scan page, its scripts, styles,
icons and the vendored scanner): never a voucher, a balance, a list or anything
personal, which are always asked of the server. Its cache is named after a hash of
everything it keeps, so a deployment that changes any of it installs a new worker,
which fills a new cache and deletes the old one."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import gettext as _

from voucher.shops.views.devices import bp

THEME_COLOUR = "#12355b"
SCOPE = "/shops/"
STATIC_SHELL = (
    "css/app.css",
    "js/forms.js",
    "js/scan.js",
    "js/pwa.js",
    "js/charge.js",
    "vendor/qr-scanner/qr-scanner.umd.min.js",
    "vendor/qr-scanner/qr-scanner-worker.min.js",
    "favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
)
TEMPLATES = ("devices/offline.html", "devices/service-worker.js")


def shell_urls() -> list[str]:
    """What the worker keeps: the offline page, the manifest, and the static shell."""
    return [
        url_for("phone.offline"),
        url_for("phone.manifest"),
        *(url_for("static", filename=name) for name in STATIC_SHELL),
    ]


def shell_version() -> str:
    """A hash of every file the worker keeps and of the worker itself (once a process)."""
    cached = current_app.extensions.get("vales_shell_version")
    if cached:
        return cached
    digest = hashlib.sha256()
    static = Path(current_app.static_folder)
    templates = Path(current_app.root_path) / "templates"
    for path in [*(static / n for n in STATIC_SHELL), *(templates / n for n in TEMPLATES)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    version = digest.hexdigest()[:12]
    current_app.extensions["vales_shell_version"] = version
    return version


@bp.route("/shops/sw.js")
def service_worker():
    body = render_template(
        "devices/service-worker.js",
        version=shell_version(),
        shell=json.dumps(shell_urls()),
        offline=json.dumps(url_for("phone.offline")),
    )
    response = current_app.make_response(body)
    response.mimetype = "text/javascript"
    # Checked on every visit: a new deployment reaches the phones at once.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/shops/manifest.webmanifest")
def manifest():
    icon = "icons/{}.png"
    document = {
        "name": _("Vales · Cobrar vales"),
        "short_name": _("Vales"),
        "description": _("Escanee y cobre los vales de la parroquia en su comercio."),
        "lang": "es-CL",
        "start_url": url_for("shops.scan"),
        "scope": SCOPE,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f4f6f8",
        "theme_color": THEME_COLOUR,
        "icons": [
            {
                "src": url_for("static", filename=icon.format("icon-192")),
                "sizes": "192x192",
                "type": "image/png",
            },
            {
                "src": url_for("static", filename=icon.format("icon-512")),
                "sizes": "512x512",
                "type": "image/png",
            },
            {
                "src": url_for("static", filename=icon.format("icon-maskable-512")),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = current_app.make_response(json.dumps(document, ensure_ascii=False))
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/shops/offline")
def offline():
    """The scan page's shell with no connection: nothing personal, the same for all."""
    response = current_app.make_response(render_template("devices/offline.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response
