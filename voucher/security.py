"""HTTP security headers and the per-request commit."""

from __future__ import annotations

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from voucher.errors import ControlCharacters
from voucher.extensions import db
from voucher.text_input import has_control_characters

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register_security(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if proxies:
        # Behind a reverse proxy every request comes from the proxy's address: trust the
        # forwarded headers of exactly that many proxies, so each client's brake and log
        # carry its own address (and nobody can fake one by sending the header directly).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    @app.before_request
    def fresh_identity() -> None:
        # Who is asking is decided per request, never carried over from an earlier one
        # that happened to share the application context (tests, CLI-driven requests).
        g.pop("_login_user", None)
        g.pop("api_user", None)

    @app.before_request
    def plain_text_only() -> None:
        # The API names the fields itself (422 problem); a web form or search with a
        # control character (NUL: PostgreSQL refuses it) gets a page saying so.
        if request.path.startswith("/api/"):
            return
        values = [*request.args.values(), *(request.form.values() if request.form else [])]
        if any(has_control_characters(value) for value in values):
            raise ControlCharacters()

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if not request.path.startswith("/static/"):
            # Pages and answers carry families' data and bearer codes: no cache keeps them.
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config.get("VOUCHER_ENV") == "production":
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=()")
        return response

    @app.teardown_request
    def finish(error: BaseException | None) -> None:
        # The request committed in voucher.transaction when it succeeded; anything
        # left open (an error raised past the handlers) is rolled back here.
        if error is not None:
            db.session.rollback()
