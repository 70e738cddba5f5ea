"""`flask doctor` on a good installation and on a broken one."""

from __future__ import annotations

import os

import pytest

from voucher import create_app
from voucher.extensions import db


@pytest.fixture
def installation(app_config, tmp_path, monkeypatch):
    """A file-keyed installation with a fresh backup."""
    monkeypatch.delenv("VOUCHER_KEY", raising=False)
    config = dict(app_config)
    config.pop("VOUCHER_KEY")
    folder = tmp_path / "copias"
    folder.mkdir()
    (folder / "vales-20261204-030000.backup").write_bytes(b"x")
    config |= {"VOUCHER_KEY_FILE": str(tmp_path / "voucher_key"), "VOUCHER_BACKUP_DIR": str(folder)}

    def start(**changes):
        app = create_app(dict(config, **changes))
        yield_app.append(app)
        return app

    yield_app: list = []
    yield start
    for app in yield_app:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_good_installation_is_all_ok(installation):
    result = installation().test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "AVISO" not in result.output
    assert "Todo en orden." in result.output


def test_a_broken_installation_says_what_to_fix(installation, tmp_path):
    app = installation(SECRET_KEY="dev", VOUCHER_BASE_URL="vales.example", VOUCHER_BACKUP_DIR="")
    os.chmod(tmp_path / "voucher_key", 0o644)
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code != 0
    assert "La clave secreta (SECRET_KEY) es débil" in result.output
    assert "la pueden leer otros" in result.output
    assert "VOUCHER_BASE_URL no es una dirección web" in result.output
    assert "No hay carpeta de copias" in result.output
    assert "Base de datos al día." in result.output  # what is fine is still said so
