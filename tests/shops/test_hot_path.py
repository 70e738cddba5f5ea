"""The charge is the hot path: it runs a fixed, small number of statements."""

from __future__ import annotations

import sqlalchemy as sa

from voucher.shops.redemption import Scanner, redeem
from voucher.vouchers.keys import code_keys

# The replay check, the unknown-code brake, the code's voucher and parish, the
# enrolment, the two accounts, the conditional UPDATE, the redemption row, the scan log,
# the audit row, the payable account's lock (PostgreSQL only), and posting (6).
CHARGE_STATEMENTS = {"sqlite": 15, "postgresql": 16}


def test_a_charge_runs_a_fixed_number_of_statements(db, issue, world):
    issued = issue(15000)
    keeper = world.users[("a", "shopkeeper")]
    scanner = Scanner(keeper, world.shops["a"], "10.0.0.1")
    _loaded = (keeper.role, keeper.parish_id, scanner.shop.name)  # not the charge's reads
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        redeem(db.session, scanner, issued.code, 5000, idempotency_key="k1", keys=code_keys())
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    db.session.rollback()
    assert len(seen) == CHARGE_STATEMENTS[engine.dialect.name], seen
