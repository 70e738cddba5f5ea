from datetime import date, timedelta
from voucher.dates import local_today
from tests.treasury.conftest import at, settle_all

def test_pages(t, login_as):
    t.bulk([(5000, at(local_today() - timedelta(days=2)))])
    s1 = settle_all(t.session, t.parish, t.shop.id, t.treasurer)
    t.bulk([(7000, at(local_today() - timedelta(days=1)))])
    c = login_as("treasurer")
    for url in ["/treasury/", "/treasury/funds", "/treasury/settlements", "/treasury/settlements/new",
                f"/treasury/settlements/new?shop_id={t.shop.id}&through={local_today()}",
                f"/treasury/settlements/{s1.id}", f"/treasury/shops/{t.shop.id}/statement",
                "/treasury/reports", "/treasury/settings",
                f"/treasury/settlements/{s1.id}/comprobante.pdf",
                f"/treasury/shops/{t.shop.id}/statement.pdf?date_from=2026-01-01&date_to={local_today()}",
                f"/treasury/reports/journal", f"/treasury/reports/trial-balance?at={local_today()}&format=csv&sep=%3B",
                ]:
        r = c.get(url)
        print(url, r.status_code, r.mimetype, len(r.data))
        assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    k = login_as("shopkeeper")
    r = k.get("/treasury/my-statement")
    print(r.status_code)
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    print(c.get("/treasury/").get_data(as_text=True)[-6000:])
