import time
from datetime import date, timedelta
from tests.treasury.conftest import at

def test_prof(t):
    day = date.today() - timedelta(days=30)
    t0 = time.perf_counter()
    t.bulk([(1000 + i % 100, at(day, 11) + timedelta(seconds=1 * i)) for i in range(20000)])
    print(f"\n20k vouchers+redemptions: {time.perf_counter()-t0:.2f}s")
