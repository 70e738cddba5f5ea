from __future__ import annotations

import pytest


def test_parish_user_token_and_me(app, client, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["parish", "create", "santa-ana", "Parroquia Santa Ana"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Ana@Example.cl",
            "--role",
            "admin",
            "--parish",
            "santa-ana",
            "--name",
            "Ana",
        ],
        input="una-clave-larga-123\n",
    )
    assert result.exit_code == 0, result.output
    assert "una-clave-larga-123" not in result.output
    result = runner.invoke(args=["tokens", "create", "ana@example.cl"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["parish"]["slug"] == "santa-ana"
    assert me.get_json()["email"] == "ana@example.cl"
    wrong = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}x"})
    assert wrong.status_code == 401
    from voucher.auth.models import ApiToken

    stored = db.session.query(ApiToken).one()
    assert token not in (stored.token_hash, stored.prefix)
    assert stored.last_used_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "x@example.cl", "--role", "staff"], "parroquia"),
        (["users", "create", "x@example.cl", "--role", "staff", "--parish", "nope"], "No parish"),
        (["users", "create", "x@example.cl", "--role", "shopkeeper", "--shop", "999"], "No shop"),
        (["tokens", "create", "ghost@example.cl"], "No user"),
        (["parish", "create", "X", "Sin nombre"], "minúsculas"),
    ],
)
def test_cli_refuses_bad_input_clearly(app, db, args, message):
    result = app.test_cli_runner().invoke(args=args, input="una-clave-larga-123\n")
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_short_password_is_refused(app, world):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "y@example.cl", "--role", "staff", "--parish", "jesus-maestro"],
        input="corta\n",
    )
    assert result.exit_code != 0
    assert "10 caracteres" in result.output
