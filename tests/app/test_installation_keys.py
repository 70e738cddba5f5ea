"""A voucher key that does not belong to the database is refused at start, before any
printed voucher can be answered as unknown, and no new key is written in its place."""

from __future__ import annotations

import pytest

from voucher import create_app
from voucher.demo import seed
from voucher.extensions import db
from voucher.installation import KeyMismatch


@pytest.fixture
def file_config(app_config, monkeypatch):
    monkeypatch.delenv("VOUCHER_KEY", raising=False)
    config = dict(app_config)
    config.pop("VOUCHER_KEY")
    return config


def _start(config: dict, key_file) -> None:
    app = create_app(dict(config, VOUCHER_KEY_FILE=str(key_file)))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _start_and_seed(config: dict, key_file) -> None:
    app = create_app(dict(config, VOUCHER_KEY_FILE=str(key_file)))
    with app.app_context():
        seed(db.session)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_a_new_database_takes_a_new_key_and_keeps_accepting_it(file_config, tmp_path):
    key = tmp_path / "keys" / "voucher_key"
    _start_and_seed(file_config, key)
    assert key.exists()
    _start(file_config, key)  # the same key: starts


def test_a_missing_key_file_for_a_database_with_vouchers_stops_the_start(file_config, tmp_path):
    key = tmp_path / "keys" / "voucher_key"
    _start_and_seed(file_config, key)
    elsewhere = tmp_path / "restored" / "voucher_key"
    with pytest.raises(KeyMismatch, match="Falta la clave de los vales") as refused:
        _start(file_config, elsewhere)
    assert str(elsewhere) in str(refused.value)
    assert not elsewhere.exists()  # no new key was made in its place


def test_another_key_for_the_database_stops_the_start(file_config, tmp_path):
    key = tmp_path / "keys" / "voucher_key"
    _start_and_seed(file_config, key)
    other = tmp_path / "other" / "voucher_key"
    _start(dict(file_config, SQLALCHEMY_DATABASE_URI="sqlite://"), other)  # makes a key
    before = other.read_bytes()
    with pytest.raises(KeyMismatch, match="no es la de esta base de datos"):
        _start(file_config, other)
    assert other.read_bytes() == before


def test_a_database_from_before_check_values_is_still_guarded_by_its_vouchers(
    file_config, tmp_path
):
    key = tmp_path / "keys" / "voucher_key"
    _start_and_seed(file_config, key)
    app = create_app(dict(file_config, VOUCHER_KEY_FILE=str(key)))
    with app.app_context():
        db.session.execute(db.text("DELETE FROM installation_key"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    with pytest.raises(KeyMismatch, match="Falta la clave"):
        _start(file_config, tmp_path / "missing" / "voucher_key")


def test_a_new_sqlite_database_and_its_journal_are_readable_by_their_owner_only(
    file_config, tmp_path
):
    path = tmp_path / "fresh" / "voucher.sqlite3"
    path.parent.mkdir()
    app = create_app(
        dict(
            file_config,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
            VOUCHER_KEY_FILE=str(tmp_path / "k"),
        )
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed(db.session)
        db.session.commit()
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        modes = {f.name: oct(f.stat().st_mode & 0o777) for f in files if f.exists()}
        db.session.remove()
        db.engine.dispose()
    assert modes[path.name] == "0o600"
    assert set(modes.values()) == {"0o600"}, modes
