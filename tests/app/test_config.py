from __future__ import annotations

import stat

import pytest

from voucher.config import ConfigError, load_config


def test_secret_key_is_generated_once_with_mode_600(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("VOUCHER_ENV", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


@pytest.mark.parametrize("secret", ["", "dev", "short-key"])
def test_production_refuses_weak_secret(tmp_path, monkeypatch, secret):
    monkeypatch.setenv("VOUCHER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError):
        load_config(tmp_path)


def test_production_sets_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("VOUCHER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


def test_database_url_defaults_to_sqlite_and_accepts_postgres(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("VOUCHER_ENV", raising=False)
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"].endswith("voucher.sqlite3")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_in_development_printed_codes_follow_the_served_address(tmp_path, monkeypatch):
    monkeypatch.delenv("VOUCHER_ENV", raising=False)
    monkeypatch.delenv("VOUCHER_BASE_URL", raising=False)
    assert load_config(tmp_path)["VOUCHER_BASE_URL_FOLLOWS_REQUEST"] is True
    monkeypatch.setenv("VOUCHER_BASE_URL", "https://vales.parroquia.cl")
    config = load_config(tmp_path)
    assert config["VOUCHER_BASE_URL_FOLLOWS_REQUEST"] is False
    assert config["VOUCHER_BASE_URL"] == "https://vales.parroquia.cl"
    monkeypatch.delenv("VOUCHER_BASE_URL")
    monkeypatch.setenv("VOUCHER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert load_config(tmp_path)["VOUCHER_BASE_URL_FOLLOWS_REQUEST"] is False


def test_a_fresh_clone_has_the_instance_folder():
    """`.gitignore` keeps the folder's contents out but its .gitkeep in, so a clone has
    the folder the app writes its database and keys to."""
    import shutil
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    git = shutil.which("git")
    if git is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")

    def ignored(path: str) -> bool:
        found = subprocess.run([git, "check-ignore", "-q", path], cwd=root, check=False)
        return found.returncode == 0

    assert (root / "instance" / ".gitkeep").exists()
    assert not ignored("instance/.gitkeep")
    assert ignored("instance/voucher.sqlite3") and ignored("instance/voucher_key")
