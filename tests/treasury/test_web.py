"""The treasurer's pages as a person uses them: forms, the payment flow, approvals,
reversals, voids from the statement, settings, downloads; and the shopkeeper's statement."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import sqlalchemy as sa

from tests import factories
from tests.treasury.conftest import at, count, settle_all
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.ledger.models import PeriodLock
from voucher.treasury.models import Fund, Settlement, SettlementStatus
from voucher.vouchers.models import Redemption, RedemptionStatus


def page(response) -> str:
    return response.get_data(as_text=True)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, name
    return match[1]


def pay_form(html: str, **fields: str) -> dict[str, str]:
    """The hidden fields of the rendered payment form, plus ``fields`` (prefixed "pay-")."""
    names = ("shop_id", "through", "expected_amount", "expected_count", "idempotency_key")
    form = {f"pay-{name}": hidden(html, f"pay-{name}") for name in names}
    form.update({f"pay-{name}": value for name, value in fields.items()})
    return form


def some_redemptions(t) -> list[int]:
    day = local_today() - timedelta(days=3)
    return t.bulk([(12_000, at(day, 12)), (8_000, at(day, 13)), (5_500, at(day, 14))])


def test_home_shows_what_is_owed_and_the_weekly_chart(t, login_as):
    some_redemptions(t)
    t.bulk([(2_000, at(local_today() - timedelta(days=1), 15))], program=t.hygiene)
    html = page(login_as("treasurer").get("/treasury/"))
    assert t.shop.name in html and "$27.500" in html
    assert f"/treasury/settlements/new?shop_id={t.shop.id}" in html
    # Bars drawn on the server as SVG, without inline styles (the CSP forbids them), by
    # the impact report's chart code; the same figures in a table under it.
    assert 'style="' not in html
    chart = html.split('<svg id="weekly-chart"')[1].split("</svg>")[0]
    assert chart.count('class="bar series-0"') == 1 and chart.count('class="bar series-1"') == 1
    assert "$25.500" in chart and "$2.000" in chart
    assert "$2.000</td>" in html
    assert "Dinero de cada programa" in html


def test_fund_form_records_money_and_keeps_what_was_typed_on_error(t, login_as):
    client = login_as("treasurer")
    form = {
        "program": t.food.id,
        "amount": "$1.500.000",
        "received_on": local_today().isoformat(),
        "source": "Colecta de Adviento",
        "reference": "Dep 991",
    }
    done = client.post("/treasury/funds", data=form)
    assert done.status_code == 302
    fund = t.session.scalars(sa.select(Fund).order_by(Fund.id.desc())).first()
    assert (fund.amount, fund.source, fund.reference) == (
        1_500_000,
        "Colecta de Adviento",
        "Dep 991",
    )
    assert "$1.500.000" in page(client.get("/treasury/funds"))
    wrong = client.post("/treasury/funds", data={**form, "amount": "mil pesos"})
    assert wrong.status_code == 422
    assert 'value="mil pesos"' in page(wrong) and "Escriba un monto en pesos" in page(wrong)
    future = client.post(
        "/treasury/funds",
        data={**form, "received_on": (local_today() + timedelta(days=3)).isoformat()},
    )
    assert future.status_code == 422 and "no puede ser futura" in page(future)
    assert count(t.session, Fund) == 3
    assert login_as("admin").post("/treasury/funds", data=form).status_code == 403
    t.assert_books()


def test_paying_a_shop_on_the_web_pays_once_even_if_submitted_twice(t, login_as):
    some_redemptions(t)
    client = login_as("treasurer")
    preview = client.get(
        f"/treasury/settlements/new?shop_id={t.shop.id}&through={local_today().isoformat()}"
    )
    html = page(preview)
    assert f"Pagar $25.500 a {t.shop.name}" in html
    assert "data-once" in html and html.count("JM-B-") == 3
    form = pay_form(html, method="transfer", reference="TRX 55")
    first = client.post("/treasury/settlements/new", data=form)
    second = client.post("/treasury/settlements/new", data=form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(t.session, Settlement) == 1
    settlement = t.session.scalar(sa.select(Settlement))
    assert (settlement.amount, settlement.reference, settlement.status) == (
        25_500,
        "TRX 55",
        SettlementStatus.PAID,
    )
    detail = page(client.get(first.headers["Location"]))
    assert "Descargar comprobante (PDF)" in detail and "Revertir pago" in detail
    pdf = client.get(f"/treasury/settlements/{settlement.id}/comprobante.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    t.assert_books()


def test_a_list_that_changed_after_the_preview_is_not_paid(t, login_as):
    some_redemptions(t)
    client = login_as("treasurer")
    html = page(
        client.get(
            f"/treasury/settlements/new?shop_id={t.shop.id}&through={local_today().isoformat()}"
        )
    )
    form = pay_form(html)
    t.real_redemption(1_000)  # made while the treasurer was reading the list
    answer = client.post(
        "/treasury/settlements/new", data={**form, "pay-method": "cash"}, follow_redirects=True
    )
    assert "La lista de canjes cambió" in page(answer) and "$26.500" in page(answer)
    assert count(t.session, Settlement) == 0


def test_two_person_rule_on_the_web(t, login_as, db):
    assert (
        login_as("treasurer")
        .post("/treasury/settings/two-person-rule", data={"enabled": "y"})
        .status_code
        == 403
    )
    assert (
        login_as("admin")
        .post("/treasury/settings/two-person-rule", data={"enabled": "y"})
        .status_code
        == 302
    )
    db.session.refresh(t.parish)
    assert t.parish.two_person_rule
    some_redemptions(t)
    proposer = login_as("treasurer")
    html = page(
        proposer.get(
            f"/treasury/settlements/new?shop_id={t.shop.id}&through={local_today().isoformat()}"
        )
    )
    assert "Proponer pago de $25.500" in html
    form = pay_form(html)
    cheque = {**form, "pay-method": "cheque", "pay-reference": "Cheque 991"}
    done = proposer.post("/treasury/settlements/new", data=cheque)
    settlement = t.session.scalar(sa.select(Settlement))
    assert settlement.status == SettlementStatus.PROPOSED
    mine = page(proposer.get(done.headers["Location"]))
    assert (
        "Por aprobar" in mine and "Aprobar pago" not in mine and "Descargar comprobante" not in mine
    )
    proposer.post(f"/treasury/settlements/{settlement.id}/approve")
    t.session.refresh(settlement)
    assert settlement.status == SettlementStatus.PROPOSED
    second = factories.user(db.session, Role.TREASURER, t.parish)
    db.session.commit()
    other = login_as("treasurer")
    other.post("/logout")
    other.post("/login", data={"email": second.email, "password": factories.PASSWORD})
    assert "Aprobar pago de $25.500" in page(other.get(done.headers["Location"]))
    other.post(f"/treasury/settlements/{settlement.id}/approve")
    t.session.refresh(settlement)
    assert settlement.status == SettlementStatus.PAID
    t.assert_books()


def test_reversing_a_payment_on_the_web(t, login_as):
    some_redemptions(t)
    settlement = settle_all(t.session, t.parish, t.shop.id, t.treasurer)
    client = login_as("treasurer")
    empty = client.post(
        f"/treasury/settlements/{settlement.id}/reverse", data={"reason": ""}, follow_redirects=True
    )
    assert "Escriba el motivo" in page(empty)
    client.post(
        f"/treasury/settlements/{settlement.id}/reverse", data={"reason": "Cuenta equivocada"}
    )
    t.session.refresh(settlement)
    assert settlement.status == SettlementStatus.REVERSED
    assert count(t.session, Redemption, Redemption.settlement_id.is_(None)) == 3
    t.assert_books()


def test_treasurer_voids_a_redemption_from_the_statement_page(t, login_as):
    ids = some_redemptions(t)
    client = login_as("treasurer")
    html = page(client.get(f"/treasury/shops/{t.shop.id}/statement"))
    assert html.count("Anular canje") == 3 and "Saldo final adeudado" in html
    answer = client.post(f"/treasury/redemptions/{ids[1]}/void", data={"reason": "Cobro duplicado"})
    assert (
        answer.status_code == 302
        and f"/treasury/shops/{t.shop.id}/statement" in answer.headers["Location"]
    )
    redemption = t.session.get(Redemption, ids[1])
    t.session.refresh(redemption)
    assert redemption.status == RedemptionStatus.VOIDED and redemption.voucher.remaining == 8_000
    after = page(client.get(f"/treasury/shops/{t.shop.id}/statement"))
    assert after.count("Anular canje") == 2 and "Anulación canje N°" in after
    t.assert_books()


def test_closing_a_month_refuses_funds_dated_in_it(t, login_as):
    client = login_as("treasurer")
    settings = page(client.get("/treasury/settings"))
    last = local_today().replace(day=1) - timedelta(days=1)
    assert f'value="{last:%Y-%m}"' in settings
    assert (
        client.post("/treasury/settings/close-month", data={"month": f"{last:%Y-%m}"}).status_code
        == 302
    )
    assert t.session.scalar(sa.select(PeriodLock.closed_through)) == last
    refused = client.post(
        "/treasury/funds",
        data={
            "program": t.food.id,
            "amount": "10000",
            "received_on": last.isoformat(),
            "source": "Colecta",
        },
    )
    assert refused.status_code == 409 and "Ese mes ya está cerrado" in page(refused)
    assert (
        login_as("admin")
        .post("/treasury/settings/close-month", data={"month": f"{last:%Y-%m}"})
        .status_code
        == 403
    )


def test_report_downloads(t, login_as):
    some_redemptions(t)
    client = login_as("treasurer")
    today = local_today()
    period = f"date_from={(today - timedelta(days=30)).isoformat()}&date_to={today.isoformat()}"
    csv_answer = client.get(
        f"/treasury/reports/statement?shop_id={t.shop.id}&{period}&format=csv&sep=%3B"
    )
    assert csv_answer.mimetype == "text/csv"
    text = csv_answer.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[-1][1] == "Saldo final adeudado" and int(rows[-1][6]) == 25_500
    pdf = client.get(f"/treasury/reports/statement?shop_id={t.shop.id}&{period}&format=pdf&sep=%3B")
    assert pdf.data.startswith(b"%PDF")
    programs = client.get(f"/treasury/reports/programs?{period}&format=csv&sep=%2C")
    assert programs.mimetype == "text/csv" and "Canasta" in programs.data.decode()
    trial = client.get(f"/treasury/reports/trial-balance?at={today.isoformat()}&format=csv&sep=%3B")
    totals = list(csv.reader(io.StringIO(trial.data.decode()[1:]), delimiter=";"))[-1]
    assert totals[0] == "Totales" and totals[2] == totals[3] and totals[4] == totals[5]
    journal = client.get(f"/treasury/reports/journal?{period}")
    assert journal.mimetype == "text/plain" and "Saldos iniciales" in journal.get_data(as_text=True)
    yesterday = today - timedelta(days=1)
    backwards = client.get(
        f"/treasury/reports/programs?date_from={today}&date_to={yesterday}&format=pdf&sep=%3B"
    )
    assert backwards.status_code == 422 and "anterior o igual" in page(backwards)
    assert (
        login_as("admin")
        .get(f"/treasury/reports/trial-balance?at={today.isoformat()}&format=pdf&sep=%3B")
        .status_code
        == 200
    )


def test_shopkeeper_sees_their_own_statement_only(t, login_as, world):
    some_redemptions(t)
    keeper = login_as("shopkeeper")
    html = page(keeper.get("/treasury/my-statement"))
    assert t.parish.name in html and "$25.500" in html and "Anular canje" not in html
    today = local_today()
    period = f"date_from={(today - timedelta(days=9)).isoformat()}&date_to={today.isoformat()}"
    pdf = keeper.get(f"/treasury/my-statement/{t.parish.id}.pdf?{period}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert (
        keeper.get(f"/treasury/my-statement/{world.parishes['b'].id}.pdf?{period}").status_code
        == 404
    )
    assert keeper.get(f"/treasury/shops/{t.shop.id}/statement").status_code == 403
    bad = keeper.get(f"/treasury/my-statement?date_from={today.isoformat()}&date_to=ayer")
    assert bad.status_code == 422


def test_the_weekly_chart_agrees_with_the_books_right_after_a_charge(t, login_as):
    client = login_as("treasurer")
    t.real_redemption(12_000)

    def this_week_food() -> int:
        html = page(client.get("/treasury/"))
        weeks = re.findall(
            r'<th scope="row">[^<]*–[^<]*</th>\s*<td class="num">\$([\d.]+)</td>', html
        )
        return int(weeks[-1].replace(".", ""))  # this week's food, in the chart's table

    assert this_week_food() == 12_000
    t.real_redemption(7_500)  # within the chart's few minutes: still counted at once
    assert this_week_food() == 19_500
