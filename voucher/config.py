"""Configuration from environment variables, with safe defaults for a laptop."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

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
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "VOUCHER_BASE_URL": os.environ.get("VOUCHER_BASE_URL", "http://127.0.0.1:5000"),
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
        "LOGIN_FAILURE_LIMIT": "5 per 15 minutes",
        "VOID_WINDOW_MINUTES": 15,
        "UNKNOWN_CODE_SLOW_AFTER": 5,
        "UNKNOWN_CODE_BLOCK_AFTER": 10,
        "UNKNOWN_CODE_WINDOW_MINUTES": 10,
        "JSON_SORT_KEYS": False,
    }
    config.update(overrides)
    return config
