"""The treasury's home (what is owed to each shop, the weekly chart, each program's
money) and the funds received."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from voucher.auth.access import current_parish, get_scoped, require_actor, role_required
from voucher.auth.models import Role
from voucher.charts import BarChart, chart_of, svg
from voucher.dates import local_today, utcnow
from voucher.errors import DomainError, Forbidden, ValidationFailed
from voucher.extensions import db
from voucher.forms import form_error
from voucher.money import format_clp
from voucher.parishes.models import Parish
from voucher.programs.models import CATEGORY_LABELS, Category
from voucher.responses import pdf_response
from voucher.treasury import dashboard, queries
from voucher.treasury.donation_papers import render_donor_statement
from voucher.treasury.donations import donor_statement
from voucher.treasury.forms import DonorForm, FundForm
from voucher.treasury.models import Fund
from voucher.treasury.services import (
    DonorInput,
    FundInput,
    create_donor,
    record_fund,
    shop_balances,
)
from voucher.treasury.views.common import PAGE_SIZE, TREASURY, bp, refused

CHART_WEEKS = 8
CHART_TTL_SECONDS = 300


def _chart(weeks: Iterable[dashboard.WeekBar]) -> list[dict[str, Any]]:
    """The chart's rows (its table says the same figures)."""
    return [
        {
            "start": w.start,
            "end": w.start + timedelta(days=6),
            "food": w.food,
            "hygiene": w.hygiene,
        }
        for w in weeks
    ]


def weekly_chart(weeks: list[dict[str, Any]]) -> BarChart:
    """Pesos redeemed per week and category, drawn by the impact report's chart code."""
    return chart_of(
        _("Canjes por semana"),
        weeks,
        lambda w: _("Semana del %(day)s", day=w["start"].strftime("%d-%m")),
        [
            (str(CATEGORY_LABELS[Category.FOOD]), lambda w: w["food"]),
            (str(CATEGORY_LABELS[Category.HYGIENE]), lambda w: w["hygiene"]),
        ],
    )


def _weekly_chart(parish: Parish) -> tuple[list[dict[str, Any]], Any]:
    """The chart's weeks and when they were added up. Adding up eight weeks of a busy
    parish's redemptions reads every one of them, so the result is kept a few minutes
    (per process) for the books as they are: any new posting (a charge, a void) makes it
    add up again, so the chart always agrees with the figures beside it."""
    cache = current_app.extensions.setdefault("treasury_chart", {})
    key = (
        parish.id,
        local_today(parish.timezone),
        queries.books_version(db.session, parish.id),
    )
    now = time.monotonic()
    hit = cache.get(key)
    if hit is None or now - hit[0] > CHART_TTL_SECONDS:
        weeks = dashboard.weekly_redemptions(db.session, parish, weeks=CHART_WEEKS)
        hit = (now, _chart(weeks), utcnow())
        for stale in [k for k, v in cache.items() if now - v[0] > CHART_TTL_SECONDS]:
            cache.pop(stale, None)
        cache[key] = hit
    return hit[1], hit[2]


@bp.route("/")
@role_required(*TREASURY)
def index():
    parish = current_parish()
    balances = shop_balances(db.session, parish.id)
    weeks, chart_at = _weekly_chart(parish)
    return render_template(
        "treasury/index.html",
        balances=balances,
        total_owed=sum(b.owed for b in balances),
        weeks=weeks,
        chart=svg(weekly_chart(weeks), element_id="weekly-chart"),
        chart_at=chart_at,
        positions=dashboard.fund_positions(db.session, parish),
        pending=queries.proposed_count(db.session, parish.id),
        two_person_rule=parish.two_person_rule,
        today=local_today(parish.timezone),
    )


@bp.route("/funds", methods=["GET", "POST"])
@role_required(*TREASURY)
def funds():
    parish = current_parish()
    user = require_actor()
    form = FundForm()
    programs = queries.programs_of(db.session, parish.id)
    form.program.choices = [SelectChoice(p.id, p.name) for p in programs]
    donors = queries.donors_of(db.session, parish.id)
    form.donor.choices = [SelectChoice("", _("(sin donante registrado)"))] + [
        SelectChoice(d.id, d.name) for d in donors
    ]
    status = 200
    if request.method == "GET":
        form.received_on.data = local_today(parish.timezone)
    elif user.role != Role.TREASURER:
        raise Forbidden()
    elif form.validate_on_submit():
        data = FundInput(
            program_id=form.program.data,
            amount=form.amount.pesos,
            received_on=form.received_on.data,
            source=form.source.data,
            reference=form.reference.data or "",
            donor_id=form.donor.data,
            anonymous=bool(form.anonymous.data),
        )
        try:
            fund = record_fund(db.session, parish, data, user)
        except DomainError as error:
            form_error(form, error, {"program_id": "program", "donor_id": "donor"})
            status = error.status
        else:
            flash(
                _(
                    "Fondo registrado: %(amount)s para %(program)s.",
                    amount=format_clp(fund.amount),
                    program=fund.program.name,
                ),
                "success",
            )
            return redirect(url_for("treasury.funds"))
    else:
        status = 422
    return (
        render_template(
            "treasury/funds.html",
            form=form,
            page=queries.funds_page(parish.id, PAGE_SIZE),
            programs=programs,
            donors=donors,
            donor_form=DonorForm(formdata=None),
            can_record=user.role == Role.TREASURER,
        ),
        status,
    )


@bp.route("/donors", methods=["POST"])
@role_required(Role.TREASURER)
def add_donor():
    """Add a donor or campaign to the list the fund form offers."""
    parish = current_parish()
    form = DonorForm()
    if form.validate_on_submit():
        try:
            donor = create_donor(
                db.session,
                parish,
                DonorInput(
                    name=form.name.data,
                    is_campaign=bool(form.is_campaign.data),
                    email=form.email.data or "",
                ),
                require_actor(),
            )
        except DomainError as error:
            refused(error)
        else:
            flash(_("Donante agregado: %(name)s.", name=donor.name), "success")
    else:
        refused(ValidationFailed([(k, e) for k, errors in form.errors.items() for e in errors]))
    return redirect(url_for("treasury.funds"))


@bp.route("/funds/<int:fund_id>/statement.pdf")
@role_required(*TREASURY)
def fund_statement(fund_id: int):
    """The donor statement of a fund received (one page, in Spanish)."""
    parish = current_parish()
    fund = get_scoped(Fund, fund_id)
    statement = donor_statement(db.session, parish, fund)
    return pdf_response(
        render_donor_statement(statement), f"aporte-{fund.id:06d}-{fund.received_on}.pdf"
    )
