"""The hledger journal: hledger itself reads it (``check``, strict) and its balances are the
app's trial balance, for the whole books and for a period (with opening balances)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest

from tests.treasury.conftest import at, settle_all
from voucher.ledger.balances import trial_balance_at
from voucher.shops.redemption import void_redemption
from voucher.treasury.journal import account_names, clean_name, hledger_journal
from voucher.treasury.services import reverse
from voucher.vouchers.models import Redemption

HLEDGER = shutil.which("hledger")
needs_hledger = pytest.mark.skipif(
    HLEDGER is None, reason="hledger is not installed (apt-get install hledger)"
)


def hledger(path, *args: str) -> str:
    done = subprocess.run(
        [HLEDGER, "-f", str(path), *args], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def hledger_balances(path, *args: str) -> dict[str, int]:
    """Account -> balance in pesos, as hledger computes it."""
    out = hledger(path, "balance", "--flat", "--empty", "-N", "-O", "csv", *args)
    balances = {}
    for row in list(csv.reader(io.StringIO(out)))[1:]:
        account, amount = row[0], row[1]
        balances[account] = int(amount.replace("$", "").replace(".", "") or 0)
    return balances


def app_balances(session, parish, day) -> dict[str, int]:
    names = account_names(session, parish.id)
    return {
        names[b.account_id][0]: b.balance
        for b in trial_balance_at(session, parish.id, day)
        if b.balance
    }


def history(t):
    """Funds, vouchers, redemptions over two months, a void, payments and a reversal."""
    base = date.today() - timedelta(days=50)
    t.bulk([(10_000 + 1_000 * i, at(base + timedelta(days=i), 13)) for i in range(20)])
    t.bulk([(4_000, at(base + timedelta(days=30), 14))], program=t.hygiene)
    ids = t.bulk([(2_500, at(base + timedelta(days=31), 15))])
    void_redemption(t.session, t.session.get(Redemption, ids[0]), user=t.treasurer)
    t.session.commit()
    first = settle_all(t.session, t.parish, t.shop.id, t.treasurer)
    reverse(t.session, first, reason="error de cuenta", user=t.treasurer)
    t.session.commit()
    t.real_redemption(7_000)
    settle_all(t.session, t.parish, t.shop.id, t.treasurer)
    t.assert_books()
    return base


@needs_hledger
def test_hledger_reads_the_journal_and_agrees_with_the_trial_balance(t, tmp_path):
    history(t)
    path = tmp_path / "books.journal"
    path.write_text(hledger_journal(t.session, t.parish), encoding="utf-8")
    hledger(path, "check")
    hledger(path, "check", "--strict")
    ours = app_balances(t.session, t.parish, date.today() + timedelta(days=1))
    theirs = {k: v for k, v in hledger_balances(path).items() if v}
    assert theirs == ours
    assert sum(ours.values()) == 0 and len(ours) >= 4
    # One transaction per ledger entry.
    from voucher.ledger.models import Entry

    entries = t.session.query(Entry).filter(Entry.parish_id == t.parish.id).count()
    assert re.search(r"Transactions\s*:\s*(\d+)", hledger(path, "stats"))[1] == str(entries)


@needs_hledger
def test_a_period_journal_opens_with_the_balances_of_the_day_before(t, tmp_path):
    base = history(t)
    start, end = base + timedelta(days=10), base + timedelta(days=35)
    path = tmp_path / "period.journal"
    text = hledger_journal(t.session, t.parish, date_from=start, date_to=end)
    path.write_text(text, encoding="utf-8")
    hledger(path, "check", "--strict")
    assert "Saldos iniciales" in text
    theirs = {k: v for k, v in hledger_balances(path).items() if v}
    assert theirs == app_balances(t.session, t.parish, end)
    # The opening transaction alone gives the balances the day before the period.
    opening = {k: v for k, v in hledger_balances(path, "desc:Saldos iniciales").items() if v}
    assert opening == app_balances(t.session, t.parish, start - timedelta(days=1))
    assert opening and opening != theirs


@needs_hledger
def test_awkward_names_stay_one_account_each(t, tmp_path, db):
    from tests import factories

    odd = factories.shop(db.session, t.parish, name="Don Pepe: carnes;  y (más) [x] #1 |ok|")
    t.food.name = "Canasta  básica: familias"
    db.session.commit()
    t.bulk([(3_000, at(date.today() - timedelta(days=2)))], shop_id=odd.id)
    path = tmp_path / "odd.journal"
    path.write_text(hledger_journal(t.session, t.parish), encoding="utf-8")
    hledger(path, "check", "--strict")
    names = hledger(path, "accounts").split("\n")
    assert f"liabilities:payable:{clean_name(odd.name)} #{odd.id}" in names
    assert any(name.startswith("equity:fund:Canasta básica- familias #") for name in names)
    assert hledger_balances(path)[f"liabilities:payable:{clean_name(odd.name)} #{odd.id}"] == -3_000


def test_cli_export_writes_the_journal(t, app, tmp_path):
    history(t)
    out = tmp_path / "cli.journal"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "ledger",
            "export",
            "--parish",
            t.parish.slug,
            "--format",
            "hledger",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == hledger_journal(t.session, t.parish)
    bad = runner.invoke(
        args=[
            "ledger",
            "export",
            "--parish",
            t.parish.slug,
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-01",
        ]
    )
    assert bad.exit_code != 0
    stdout = runner.invoke(
        args=["ledger", "export", "--parish", t.parish.slug, "--from", date.today().isoformat()]
    )
    assert stdout.exit_code == 0 and "Saldos iniciales" in stdout.output


def test_api_export_is_plain_text_for_the_treasurer_only(t, api):
    history(t)
    response = api("treasurer").get("/api/v1/ledger/export?format=hledger")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == hledger_journal(t.session, t.parish)
    assert api("treasurer").get("/api/v1/ledger/export?format=beancount").status_code == 422
    bad = api("treasurer").get("/api/v1/ledger/export?from=2026-02-01&to=2026-01-01")
    assert bad.status_code == 422
    assert api("staff").get("/api/v1/ledger/export").status_code == 403
    other = api("treasurer", parish="b").get("/api/v1/ledger/export").get_data(as_text=True)
    assert t.shop.name not in other and "Canasta" not in other
