"""Backups: created while the app serves, encrypted, checked, restored into an empty
database of either engine with the voucher key, and compared with their manifest; every
damaged, foreign or misplaced copy refused with nothing written."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from voucher import create_app
from voucher.auth.models import User
from voucher.auth.services import create_token
from voucher.backup import snapshot
from voucher.backup.restore import RestoreRefused, read_whole
from voucher.demo import SHOPKEEPER, seed
from voucher.extensions import db
from voucher.oversight.verify import verify_parish
from voucher.parishes.models import Parish
from voucher.vouchers.keys import code_keys
from voucher.vouchers.models import Voucher, VoucherStatus

PASSPHRASE = "una frase larga de prueba"


@pytest.fixture
def file_config(app_config, monkeypatch):
    """The test's database with a key file instead of VOUCHER_KEY, as a parish runs it."""
    monkeypatch.delenv("VOUCHER_KEY", raising=False)
    monkeypatch.setenv("VOUCHER_BACKUP_PASSPHRASE", PASSPHRASE)
    config = dict(app_config)
    config.pop("VOUCHER_KEY")
    return config


def _app(config: dict, key_file: Path, url: str | None = None):
    overrides = {"VOUCHER_KEY_FILE": str(key_file)}
    if url:
        overrides["SQLALCHEMY_DATABASE_URI"] = url
    return create_app(dict(config, **overrides))


def _close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["backup", *args])


def _seeded_source(config: dict, folder: Path):
    """A SQLite parish with vouchers, charges and a payment, and one unused code."""
    folder.mkdir(parents=True, exist_ok=True)
    app = _app(config, folder / "voucher_key", f"sqlite:///{folder / 'source.sqlite3'}")
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        seed(db.session)
        db.session.commit()
        unused = db.session.scalar(
            sa.select(Voucher)
            .where(Voucher.status == VoucherStatus.ACTIVE, Voucher.remaining == Voucher.amount)
            .order_by(Voucher.id)
            .limit(1)
        )
        code = code_keys().decrypt(unused.code_encrypted)
    return app, code


def _fingerprint(app) -> dict:
    with app.app_context(), db.engine.connect() as connection:
        return {
            "counts": snapshot.table_counts(connection),
            **snapshot.books_summary(connection),
        }


def _redeem(app, code: str, amount: int):
    with app.app_context():
        keeper = db.session.scalar(sa.select(User).where(User.email == SHOPKEEPER))
        _row, token = create_token(db.session, keeper, "test")
        db.session.commit()
    return app.test_client().post(
        "/api/v1/redemptions",
        json={"code": code, "amount": amount},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"after-{code}"},
    )


def test_backup_check_and_restore_into_an_empty_database(file_config, tmp_path):
    source, code = _seeded_source(file_config, tmp_path / "old")
    archive = tmp_path / "copia.backup"
    made = _cli(source, "create", str(archive))
    assert made.exit_code == 0, made.output
    assert archive.stat().st_mode & 0o777 == 0o600
    assert b"Parroquia" not in archive.read_bytes()  # encrypted: no personal data in clear
    checked = _cli(source, "check", str(archive))
    assert checked.exit_code == 0, checked.output
    assert "Copia en buen estado" in checked.output

    key_file = tmp_path / "new" / "voucher_key"
    target = _app(file_config, key_file)  # the test's own engine: SQLite or PostgreSQL
    restored = _cli(target, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert key_file.read_bytes() == (tmp_path / "old" / "voucher_key").read_bytes()
    assert _fingerprint(target) == _fingerprint(source)
    _close(target)

    served = _app(file_config, key_file)  # a fresh start accepts the installed key
    with served.app_context():
        for parish in db.session.scalars(sa.select(Parish)):
            assert verify_parish(db.session, parish).ok
    answer = _redeem(served, code, 1000)  # a paper printed before the move still works
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.get_json()["voucher"]["remaining"] > 0
    for app in (source, served):
        _close(app)


def test_a_backup_taken_while_shops_charge_is_one_consistent_moment(file_config, tmp_path):
    """Charges run in another thread during the backup: the copy still checks whole
    (ledger verify on the restored copy, manifest equal to what was restored)."""
    app = _app(file_config, tmp_path / "voucher_key")
    with app.app_context():
        seed(db.session)
        db.session.commit()
        codes = [
            code_keys().decrypt(v.code_encrypted)
            for v in db.session.scalars(
                sa.select(Voucher).where(Voucher.remaining == Voucher.amount).limit(6)
            )
        ]
    stop = threading.Event()
    answers = []

    def charge() -> None:
        for code in codes:
            if stop.is_set():
                return
            answers.append(_redeem(app, code, 500).status_code)

    worker = threading.Thread(target=charge)
    worker.start()
    archive = tmp_path / "durante.backup"
    made = _cli(app, "create", str(archive))
    stop.set()
    worker.join()
    assert made.exit_code == 0, made.output
    assert set(answers) <= {201}
    checked = _cli(app, "check", str(archive))
    assert checked.exit_code == 0, checked.output
    _close(app)


def _damaged(archive: Path, tmp_path: Path) -> dict[str, Path]:
    data = archive.read_bytes()
    cut = tmp_path / "cortada.backup"
    cut.write_bytes(data[: len(data) - 40])
    flipped = tmp_path / "alterada.backup"
    middle = len(data) // 2
    flipped.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :])
    return {"cut": cut, "flipped": flipped}


def _is_empty(app) -> bool:
    with app.app_context():
        inspector = sa.inspect(db.engine)
        tables = [t for t in ("parish", "voucher", "ledger_entry") if inspector.has_table(t)]
        return all(
            not db.session.execute(sa.text(f"SELECT 1 FROM {t} LIMIT 1")).first() for t in tables
        )


def test_damaged_foreign_or_misplaced_copies_are_refused_and_nothing_is_written(
    file_config, tmp_path, monkeypatch
):
    source, _code = _seeded_source(file_config, tmp_path / "old")
    archive = tmp_path / "copia.backup"
    assert _cli(source, "create", str(archive)).exit_code == 0
    broken = _damaged(archive, tmp_path)
    key_file = tmp_path / "new" / "voucher_key"
    target = _app(file_config, key_file)
    key_before = key_file.read_bytes()

    for name, path in broken.items():
        refused = _cli(target, "restore", str(path))
        assert refused.exit_code != 0, name
        assert "La copia no se puede usar" in refused.output, (name, refused.output)
    monkeypatch.setenv("VOUCHER_BACKUP_PASSPHRASE", "otra frase equivocada")
    wrong = _cli(target, "restore", str(archive))
    assert wrong.exit_code != 0 and "contraseña incorrecta" in wrong.output
    assert _cli(target, "check", str(archive)).exit_code != 0
    assert _is_empty(target) and key_file.read_bytes() == key_before

    monkeypatch.setenv("VOUCHER_BACKUP_PASSPHRASE", PASSPHRASE)
    full = _cli(source, "restore", str(archive))  # the source holds data
    assert full.exit_code != 0 and "ya tiene datos" in full.output

    monkeypatch.setattr(snapshot, "schema_revision", lambda _connection: "9999")
    newer = tmp_path / "futura.backup"
    assert _cli(source, "create", str(newer)).exit_code == 0
    refused = _cli(target, "restore", str(newer))
    assert refused.exit_code != 0 and "más nueva" in refused.output
    assert _is_empty(target) and key_file.read_bytes() == key_before
    for app in (source, target):
        _close(app)


def test_the_manifest_states_what_the_copy_holds(file_config, tmp_path):
    source, _code = _seeded_source(file_config, tmp_path / "old")
    archive = tmp_path / "copia.backup"
    assert _cli(source, "create", str(archive)).exit_code == 0
    contents = read_whole(archive, PASSPHRASE)
    expected = _fingerprint(source)
    assert contents.manifest["counts"] == expected["counts"]
    assert contents.manifest["chain_tips"] == expected["chain_tips"]
    assert contents.manifest["trial_balances"] == expected["trial_balances"]
    assert set(contents.manifest["members"]) == {*expected["counts"], "voucher_key"}
    assert base64.b64encode(contents.voucher_key)
    with pytest.raises(RestoreRefused):
        read_whole(archive, "no es la frase")
    _close(source)


def test_rotation_keeps_the_newest_copies(file_config, tmp_path):
    app = _app(file_config, tmp_path / "voucher_key")
    folder = tmp_path / "copias"
    folder.mkdir()
    for n in range(3):
        (folder / f"vales-2026010{n + 1}-000000.backup").write_bytes(b"old")
    made = _cli(app, "create", "--dir", str(folder), "--keep", "2")
    assert made.exit_code == 0, made.output
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 2 and kept[0] == "vales-20260103-000000.backup"
    _close(app)
