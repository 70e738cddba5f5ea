import time
from datetime import date, timedelta
from tests.treasury.conftest import at
from voucher.treasury import reports
from voucher.pdf.treasury import render_statement
from tests.treasury.test_statement import pages_of

def test_prof(t):
    day = date.today() - timedelta(days=30)
    t0 = time.perf_counter()
    ids = t.bulk([(1000 + i, at(day, 11) + timedelta(seconds=17 * i)) for i in range(2000)])
    t1 = time.perf_counter()
    t.assert_books()
    t2 = time.perf_counter()
    st = reports.shop_statement(t.session, t.parish, t.shop, day, day).statement
    t3 = time.perf_counter()
    pdf = render_statement(st)
    t4 = time.perf_counter()
    pages = pages_of(pdf)
    t5 = time.perf_counter()
    print(f"\nbuild {t1-t0:.2f} verify {t2-t1:.2f} gather {t3-t2:.2f} render {t4-t3:.2f} parse {t5-t4:.2f} pages {len(pages)}")
