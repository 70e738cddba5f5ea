"""The README's curl script runs end to end against a real server."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader
from werkzeug.serving import make_server

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "api-cycle.sh"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_cycle(app, db, world, tmp_path):
    from voucher.auth.services import create_token

    tokens = {
        role: create_token(db.session, world.users[("a", role)], "script")[1]
        for role in ("admin", "staff", "treasurer", "shopkeeper")
    }
    db.session.commit()
    db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = dict(
            os.environ,
            VALES=f"http://127.0.0.1:{server.server_port}",
            ADMIN=tokens["admin"],
            STAFF=tokens["staff"],
            TREASURER=tokens["treasurer"],
            SHOP=tokens["shopkeeper"],
            OUT=str(tmp_path),
        )
        result = subprocess.run(
            ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "paid 12000 for 1 redemption(s)" in result.stdout
    assert PdfReader(tmp_path / "voucher.pdf").pages
    statement = tmp_path / "statement.csv"
    assert "12000" in statement.read_text(encoding="utf-8-sig")
