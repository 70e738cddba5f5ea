"""Configuration from environment variables, with safe defaults for a laptop."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app, has_request_context, request

WEAK_KEYS = {"", "dev", "secret", "changeme", "change-me"}


class ConfigError(RuntimeError):
    pass


def _instance_file_secret(path: Path, make: callable) -> str:
    """Read a secret kept in the instance folder, creating it (mode 600) once."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'voucher.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _count(text: str) -> int:
    value = int(text) if text.strip().isdigit() else -1
    if value < 0:
        raise ConfigError("VOUCHER_TRUSTED_PROXIES must be a whole number (0 without a proxy)")
    return value


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    env = os.environ.get("VOUCHER_ENV", "development")
    production = env == "production"
    secret = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY", "")
    if production and (secret in WEAK_KEYS or len(secret) < 32):
        raise ConfigError("SECRET_KEY must be set to at least 32 random characters in production")
    if not secret:
        secret = _instance_file_secret(
            instance_path / "secret_key", lambda: secrets.token_urlsafe(48)
        )
    config = {
        "VOUCHER_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": overrides.get("SQLALCHEMY_DATABASE_URI")
        or database_url(instance_path),
        # A database error's text never carries the values it was given (names, RUTs,
        # code hashes), should it reach a log.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "VOUCHER_BASE_URL": os.environ.get("VOUCHER_BASE_URL", "http://127.0.0.1:5000"),
        # In development with no VOUCHER_BASE_URL, printed codes open the address the page
        # was served from (`make run PORT=5101` prints codes for port 5101).
        "VOUCHER_BASE_URL_FOLLOWS_REQUEST": env == "development"
        and not os.environ.get("VOUCHER_BASE_URL"),
        "VOUCHER_KEY_FILE": os.environ.get("VOUCHER_KEY_FILE", str(instance_path / "voucher_key")),
        "VOUCHER_BACKUP_DIR": os.environ.get("VOUCHER_BACKUP_DIR", ""),
        # "este documento también está inscrito en otra parroquia": 0 turns it off.
        "CROSS_PARISH_CHECK": os.environ.get("VOUCHER_CROSS_PARISH_CHECK", "1") != "0",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 60,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "es_CL",
        "BABEL_DEFAULT_TIMEZONE": "America/Santiago",
        "LANGUAGES": ["es_CL", "en"],
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # The sign-in brake (voucher/auth/throttle.py), counted in the database.
        "LOGIN_FAILURE_LIMIT_PER_ACCOUNT": 5,
        "LOGIN_FAILURE_ACCOUNT_CEILING": 20,
        "LOGIN_FAILURE_SLOW_AFTER": 10,
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,
        "LOGIN_SESSION_HOURS": 24,  # a sign-in without "keep me signed in"
        "VOID_WINDOW_MINUTES": 15,
        "UNKNOWN_CODE_SLOW_AFTER": 5,
        "UNKNOWN_CODE_BLOCK_AFTER": 10,
        "UNKNOWN_CODE_WINDOW_MINUTES": 10,
        "JSON_SORT_KEYS": False,
        # How many reverse proxies (nginx, Caddy) stand in front of the app and set
        # X-Forwarded-For/-Proto/-Host: only then is a client's own address known.
        "TRUSTED_PROXIES": _count(os.environ.get("VOUCHER_TRUSTED_PROXIES", "0")),
    }
    config.update(overrides)
    if "VOUCHER_BASE_URL" in overrides and "VOUCHER_BASE_URL_FOLLOWS_REQUEST" not in overrides:
        config["VOUCHER_BASE_URL_FOLLOWS_REQUEST"] = False
    return config


def site_base_url() -> str:
    """Where printed QR codes and the API's links point: VOUCHER_BASE_URL, or in
    development without it, the scheme, host and port this request came to."""
    settings = current_app.config
    if settings.get("VOUCHER_BASE_URL_FOLLOWS_REQUEST") and has_request_context():
        return request.host_url.rstrip("/")
    return settings["VOUCHER_BASE_URL"]
