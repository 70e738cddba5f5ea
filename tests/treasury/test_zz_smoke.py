from datetime import date, timedelta
from tests.treasury.conftest import at
from voucher.treasury import reports
from voucher.pdf.treasury import render_statement, statement_totals
from voucher.treasury.services import shop_balance

def test_smoke(t):
    today = date.today()
    ids = t.bulk([(5000, at(today - timedelta(days=3))), (7000, at(today - timedelta(days=2)))])
    r = t.real_redemption(3000)
    t.assert_books()
    res = reports.shop_statement(t.session, t.parish, t.shop, today - timedelta(days=10), today)
    tot = statement_totals(res.statement)
    print(tot, res.redemption_ids, res.voidable)
    assert tot.closing == shop_balance(t.session, t.parish.id, t.shop).owed == 15000
    pdf = render_statement(res.statement)
    print(len(pdf))
    print(reports.trial_balance(t.session, t.parish, today))
    print(reports.program_figures(t.session, t.parish, today - timedelta(days=500), today))
    print(reports.fund_positions(t.session, t.parish))
    print(reports.weekly_redemptions(t.session, t.parish))
    from voucher.ledger.export import hledger_journal
    print(hledger_journal(t.session, t.parish)[:3000])
