"""The web and the API go through the same treasury functions: the journal is streamed by
both, the two-person rule is switched by a service that leaves its audit row, and a
service's refusal on the web leaves nothing half-written."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.treasury.conftest import at, count
from voucher.audit.models import AuditEvent
from voucher.dates import local_today
from voucher.treasury.journal import hledger_journal
from voucher.treasury.journal_download import journal_file
from voucher.treasury.models import Settlement
from voucher.treasury.services import set_two_person_rule


def test_the_journal_is_streamed_and_the_same_on_the_web_and_the_api(t, app, api, login_as):
    day = local_today() - timedelta(days=3)
    t.bulk([(12_000, at(day, 12)), (8_000, at(day, 13))])
    with app.test_request_context():
        response = journal_file(t.session, t.parish, None, None)
        assert response.is_streamed
        assert response.mimetype == "text/plain"
        assert "attachment" in response.headers["Content-Disposition"]
        body = b"".join(response.response).decode()
    assert body == hledger_journal(t.session, t.parish)
    period = f"from={day}&to={local_today()}"
    from_api = api("treasurer").get(f"/api/v1/ledger/export?{period}")
    web = login_as("treasurer").get(
        f"/treasury/reports/journal?date_from={day}&date_to={local_today()}"
    )
    assert from_api.status_code == web.status_code == 200
    assert from_api.get_data(as_text=True) == web.get_data(as_text=True)
    assert from_api.headers["Content-Disposition"] == web.headers["Content-Disposition"]
    assert "Saldos iniciales" in web.get_data(as_text=True)


def test_the_two_person_rule_is_switched_with_its_audit_row(t, db):
    admin = t.world.users[("a", "admin")]
    set_two_person_rule(db.session, t.parish, True, admin)
    db.session.commit()
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "two_person_rule")
    ).all()
    assert t.parish.two_person_rule and len(events) == 1
    assert '"enabled": true' in events[0].detail
    set_two_person_rule(db.session, t.parish, False, admin)
    db.session.commit()
    assert not t.parish.two_person_rule
    assert count(db.session, AuditEvent, AuditEvent.action == "two_person_rule") == 2


def test_a_refused_web_payment_writes_nothing(t, login_as):
    """A payment refused by the service (here: nothing left to pay) answers with the
    message and leaves no settlement, no audit row, no ledger entry."""
    client = login_as("treasurer")
    events = count(t.session, AuditEvent)
    form = {
        "pay-shop_id": str(t.shop.id),
        "pay-through": local_today().isoformat(),
        "pay-expected_amount": "1000",
        "pay-expected_count": "1",
        "pay-idempotency_key": "k-refused",
        "pay-method": "cash",
    }
    answer = client.post("/treasury/settlements/new", data=form, follow_redirects=True)
    assert "No hay canjes pendientes de pago" in answer.get_data(as_text=True)
    t.session.rollback()
    assert count(t.session, Settlement) == 0
    assert count(t.session, AuditEvent) == events
    t.assert_books()
