"""Treasury pages: what is owed to each shop, funds, paying shops, statements and report_data.

The treasurer works here; an administrator may look (and approve a payment proposed by
someone else, and switch the two-person rule); a shopkeeper sees only their own statement.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from voucher.auth.access import get_scoped, parish_id, require_actor, role_required, shop_id
from voucher.auth.forms import EmptyForm
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.db import utcnow
from voucher.errors import DomainError, Forbidden, NotFound, ValidationFailed
from voucher.extensions import db
from voucher.forms import put_errors
from voucher.ledger import periods
from voucher.money import format_clp
from voucher.parishes.models import Parish
from voucher.programs.models import Program
from voucher.shops.models import Shop, ShopParish
from voucher.shops.redemption import void_redemption
from voucher.shops.services import get_parish_shop
from voucher.treasury import dashboard
from voucher.treasury import program_report as program_data
from voucher.treasury import remittance as remittance_data
from voucher.treasury import statement as statement_data
from voucher.treasury import trial_balance as balance_data
from voucher.treasury.csv_export import program_report_csv, statement_csv, trial_balance_csv
from voucher.treasury.documents import statement_totals
from voucher.treasury.forms import (
    CloseMonthForm,
    FundForm,
    JournalForm,
    PeriodForm,
    ProgramReportForm,
    ReasonForm,
    SettlementChooseForm,
    SettlementPayForm,
    StatementReportForm,
    TrialBalanceForm,
    TwoPersonRuleForm,
)
from voucher.treasury.journal import iter_hledger
from voucher.treasury.models import Fund, Settlement, SettlementStatus
from voucher.treasury.papers import (
    render_program_report,
    render_remittance,
    render_statement,
    render_trial_balance,
)
from voucher.treasury.services import (
    FundInput,
    SettlementInput,
    approve,
    record_fund,
    reject,
    reverse,
    settle,
    shop_balances,
    unsettled_redemptions,
)
from voucher.vouchers.models import Redemption

bp = Blueprint("treasury", __name__, url_prefix="/treasury")

TREASURY = (Role.TREASURER, Role.ADMIN)
PAGE_SIZE = 50
CHART_WEEKS = 8
CHART_TTL_SECONDS = 300
MONTHS = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
]  # fmt: skip


# --- small pieces ----------------------------------------------------------------------------


def _parish() -> Parish:
    return db.session.get(Parish, parish_id())


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv(text: str, filename: str) -> Response:
    # The BOM makes Excel read the accents right.
    response = Response("\ufeff" + text, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _default_period(form: PeriodForm, tz: str) -> None:
    today = local_today(tz)
    if not request.args:
        form.date_from.data = _month_start(today)
        form.date_to.data = today


def _shop_choices(pid: int) -> list[SelectChoice]:
    rows = db.session.execute(
        sa.select(Shop.id, Shop.name)
        .join(ShopParish, ShopParish.shop_id == Shop.id)
        .where(ShopParish.parish_id == pid)
        .order_by(Shop.name, Shop.id)
    ).all()
    return [SelectChoice(row.id, row.name) for row in rows]


def _chart(weeks: Iterable[dashboard.WeekBar]) -> list[dict[str, Any]]:
    """Bar widths in whole percent of the biggest bar (drawn with SVG width attributes:
    the page's policy forbids inline styles)."""
    weeks = list(weeks)
    top = max([w.food for w in weeks] + [w.hygiene for w in weeks] + [1])
    return [
        {
            "start": w.start,
            "end": w.start + timedelta(days=6),
            "food": w.food,
            "hygiene": w.hygiene,
            "food_pct": round(100 * w.food / top),
            "hygiene_pct": round(100 * w.hygiene / top),
        }
        for w in weeks
    ]


# --- home --------------------------------------------------------------------------------------


def _weekly_chart(parish: Parish) -> tuple[list[dict[str, Any]], Any]:
    """The chart's weeks and when they were added up. Adding up eight weeks of a busy
    parish's redemptions reads every one of them, so the result is kept a few minutes
    (per process); the table of what is owed is always read fresh."""
    cache = current_app.extensions.setdefault("treasury_chart", {})
    key = (parish.id, local_today(parish.timezone))
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
    parish = _parish()
    balances = shop_balances(db.session, parish.id)
    weeks, chart_at = _weekly_chart(parish)
    pending = db.session.scalar(
        sa.select(sa.func.count()).where(
            Settlement.parish_id == parish.id, Settlement.status == SettlementStatus.PROPOSED
        )
    )
    return render_template(
        "treasury/index.html",
        balances=balances,
        total_owed=sum(b.owed for b in balances),
        weeks=weeks,
        chart_at=chart_at,
        positions=dashboard.fund_positions(db.session, parish),
        pending=pending,
        two_person_rule=parish.two_person_rule,
        today=local_today(parish.timezone),
    )


# --- funds -------------------------------------------------------------------------------------


@bp.route("/funds", methods=["GET", "POST"])
@role_required(*TREASURY)
def funds():
    parish = _parish()
    user = require_actor()
    form = FundForm()
    programs = db.session.scalars(
        sa.select(Program).where(Program.parish_id == parish.id).order_by(Program.name)
    ).all()
    form.program.choices = [SelectChoice(p.id, p.name) for p in programs]
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
        )
        try:
            fund = record_fund(db.session, parish, data, user)
        except ValidationFailed as error:
            db.session.rollback()
            put_errors(form, error, {"program_id": "program"})
            status = 422
        except DomainError as error:
            db.session.rollback()
            flash(error.detail, "error")
            status = error.status
        else:
            db.session.commit()
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
    page = db.paginate(
        sa.select(Fund)
        .where(Fund.parish_id == parish.id)
        .options(selectinload(Fund.program))
        .order_by(Fund.received_on.desc(), Fund.id.desc()),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return (
        render_template(
            "treasury/funds.html",
            form=form,
            page=page,
            programs=programs,
            can_record=user.role == Role.TREASURER,
        ),
        status,
    )


# --- settlements -------------------------------------------------------------------------------


@bp.route("/settlements")
@role_required(*TREASURY)
def settlements():
    parish = _parish()
    proposed = db.session.scalars(
        sa.select(Settlement)
        .where(Settlement.parish_id == parish.id, Settlement.status == SettlementStatus.PROPOSED)
        .order_by(Settlement.id)
    ).all()
    page = db.paginate(
        sa.select(Settlement)
        .where(Settlement.parish_id == parish.id, Settlement.status != SettlementStatus.PROPOSED)
        .options(selectinload(Settlement.shop))
        .order_by(Settlement.id.desc()),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "treasury/settlements.html",
        proposed=proposed,
        page=page,
        can_pay=require_actor().role == Role.TREASURER,
    )


def _render_new(
    parish: Parish, choose: SettlementChooseForm, pay: SettlementPayForm | None, status: int = 200
):
    """The settlement page: the choice of shop and day and, once chosen, the exact list of
    redemptions the payment covers with the form that pays them."""
    shop = lines = None
    if pay is not None:
        shop = get_parish_shop(db.session, parish.id, choose.shop_id.data)
        if choose.through.data > local_today(parish.timezone):
            choose.through.errors = [_("La fecha de corte no puede ser futura.")]
            status = 422
        else:
            lines = unsettled_redemptions(
                db.session, parish, shop.id, choose.through.data, with_vouchers=True
            )
    if lines:
        pay.shop_id.data = str(shop.id)
        pay.through.data = choose.through.data.isoformat()
        pay.expected_amount.data = str(sum(r.amount for r in lines))
        pay.expected_count.data = str(len(lines))
        if not pay.idempotency_key.data:
            # One key per rendered form: a double tap or a reload cannot pay twice.
            pay.idempotency_key.data = secrets.token_urlsafe(16)
    return (
        render_template(
            "treasury/settlement_new.html",
            choose=choose,
            pay=pay,
            shop=shop,
            lines=lines,
            total=sum(r.amount for r in lines) if lines else 0,
            two_person_rule=parish.two_person_rule,
        ),
        status,
    )


@bp.route("/settlements/new", methods=["GET", "POST"])
@role_required(Role.TREASURER)
def new_settlement():
    parish = _parish()
    if request.method == "POST":
        return _pay(parish)
    choose = SettlementChooseForm(request.args)
    choose.shop_id.choices = _shop_choices(parish.id)
    if "shop_id" not in request.args:
        choose.shop_id.data = None
        choose.through.data = local_today(parish.timezone)
        return _render_new(parish, choose, None)
    if not choose.validate():
        return _render_new(parish, choose, None, 422)
    return _render_new(parish, choose, SettlementPayForm(formdata=None, prefix="pay"))


def _pay(parish: Parish):
    user = require_actor()
    pay = SettlementPayForm(prefix="pay")
    shop_id_, through = _int_or_none(pay.shop_id.data), _date_or_none(pay.through.data)
    expected = _int_or_none(pay.expected_amount.data), _int_or_none(pay.expected_count.data)
    if shop_id_ is None or through is None or None in expected:
        raise ValidationFailed([("shop_id", _("Elija el comercio y la fecha de corte."))])
    choose = SettlementChooseForm(formdata=None, shop_id=shop_id_, through=through)
    choose.shop_id.choices = _shop_choices(parish.id)
    if not pay.validate_on_submit():
        return _render_new(parish, choose, pay, 422)
    data = SettlementInput(
        shop_id=shop_id_,
        through=through,
        method=pay.method.data,
        reference=(pay.reference.data or "").strip(),
        expected_amount=expected[0],
        expected_count=expected[1],
    )
    key = (pay.idempotency_key.data or "").strip()[:64] or secrets.token_urlsafe(16)
    try:
        settlement, _replayed = settle(
            db.session, parish, data, user, idempotency_key=f"web:{user.id}:{key}"
        )
    except ValidationFailed as error:
        db.session.rollback()
        put_errors(pay, error, {"through": "method", "shop_id": "method"})
        return _render_new(parish, choose, pay, 422)
    except DomainError as error:
        db.session.rollback()
        flash(error.detail, "error")
        return redirect(url_for("treasury.new_settlement", shop_id=shop_id_, through=through))
    db.session.commit()
    if settlement.status == SettlementStatus.PROPOSED:
        flash(_("Pago propuesto. Otra persona de la tesorería debe aprobarlo."), "info")
    else:
        flash(
            _(
                "Pago registrado: %(amount)s a %(shop)s.",
                amount=format_clp(settlement.amount),
                shop=settlement.shop.name,
            ),
            "success",
        )
    return redirect(url_for("treasury.settlement", settlement_id=settlement.id))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date_or_none(value: Any) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@bp.route("/settlements/<int:settlement_id>")
@role_required(*TREASURY)
def settlement(settlement_id: int):
    item = get_scoped(Settlement, settlement_id)
    user = require_actor()
    return render_template(
        "treasury/settlement.html",
        settlement=item,
        lines=remittance_data.settlement_lines(db.session, item.id),
        can_decide=item.status == SettlementStatus.PROPOSED and item.proposed_by_id != user.id,
        can_withdraw=item.status == SettlementStatus.PROPOSED and item.proposed_by_id == user.id,
        can_reverse=item.status == SettlementStatus.PAID and user.role == Role.TREASURER,
        decide_form=EmptyForm(),
        reverse_form=ReasonForm(),
        people=_people([item.proposed_by_id, item.approved_by_id]),
    )


def _people(ids: Iterable[int | None]) -> dict[int, str]:
    from voucher.auth.models import User

    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted))).all())


def _decide(settlement_id: int, action, done: str, category: str) -> Response:
    """Approve or reject a proposed payment (button-only forms)."""
    item = get_scoped(Settlement, settlement_id)
    if EmptyForm().validate_on_submit():
        try:
            action(db.session, item, require_actor())
        except DomainError as error:
            db.session.rollback()
            flash(error.detail, "error")
        else:
            db.session.commit()
            flash(done, category)
    return redirect(url_for("treasury.settlement", settlement_id=settlement_id))


@bp.route("/settlements/<int:settlement_id>/approve", methods=["POST"])
@role_required(*TREASURY)
def approve_settlement(settlement_id: int):
    return _decide(settlement_id, approve, _("Pago aprobado y registrado."), "success")


@bp.route("/settlements/<int:settlement_id>/reject", methods=["POST"])
@role_required(*TREASURY)
def reject_settlement(settlement_id: int):
    return _decide(
        settlement_id, reject, _("Propuesta de pago rechazada. No se movió dinero."), "info"
    )


@bp.route("/settlements/<int:settlement_id>/reverse", methods=["POST"])
@role_required(Role.TREASURER)
def reverse_settlement(settlement_id: int):
    item = get_scoped(Settlement, settlement_id)
    user = require_actor()
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Escriba el motivo de la reversión."), "error")
        return redirect(url_for("treasury.settlement", settlement_id=settlement_id))
    try:
        reverse(db.session, item, reason=form.reason.data, user=user)
    except DomainError as error:
        db.session.rollback()
        flash(error.detail, "error")
    else:
        db.session.commit()
        flash(_("Pago revertido. Esos canjes vuelven a estar pendientes de pago."), "success")
    return redirect(url_for("treasury.settlement", settlement_id=settlement_id))


@bp.route("/settlements/<int:settlement_id>/comprobante.pdf")
@role_required(*TREASURY)
def remittance_pdf(settlement_id: int):
    item = get_scoped(Settlement, settlement_id)
    document = remittance_data.remittance(db.session, item)
    return _pdf(render_remittance(document), f"comprobante-pago-{item.id:06d}.pdf")


# --- shop statements (treasurer) ------------------------------------------------------------


def _statement_period(parish: Parish) -> tuple[PeriodForm, bool]:
    form = PeriodForm(request.args)
    _default_period(form, parish.timezone)
    if not request.args:
        return form, True
    return form, form.validate()


def _statement_or_errors(form: PeriodForm, parish: Parish, shop: Shop):
    try:
        return statement_data.shop_statement(
            db.session, parish, shop, form.date_from.data, form.date_to.data
        )
    except ValidationFailed as error:
        put_errors(form, error, {"from": "date_from", "to": "date_to"})
        return None


@bp.route("/shops/<int:shop_id>/statement")
@role_required(*TREASURY)
def shop_statement(shop_id: int):
    parish = _parish()
    shop = get_parish_shop(db.session, parish.id, shop_id)
    form, valid = _statement_period(parish)
    result = _statement_or_errors(form, parish, shop) if valid else None
    return (
        render_template(
            "treasury/statement.html",
            shop=shop,
            form=form,
            result=result,
            totals=statement_totals(result.statement) if result else None,
            can_void=require_actor().role == Role.TREASURER,
            void_form=ReasonForm(),
        ),
        200 if result else 422,
    )


def _statement_download(parish: Parish, shop: Shop, kind: str) -> Response:
    form = PeriodForm(request.args)
    if not form.validate():
        raise ValidationFailed(
            [(name, message) for name, errors in form.errors.items() for message in errors]
        )
    result = statement_data.shop_statement(
        db.session, parish, shop, form.date_from.data, form.date_to.data
    )
    name = f"estado-de-cuenta-{shop.id}-{form.date_from.data}-{form.date_to.data}"
    if kind == "pdf":
        return _pdf(render_statement(result.statement), f"{name}.pdf")
    sep = ";" if request.args.get("sep", ";") == ";" else ","
    return _csv(statement_csv(result.statement, sep), f"{name}.csv")


@bp.route("/shops/<int:shop_id>/statement.pdf")
@role_required(*TREASURY)
def shop_statement_pdf(shop_id: int):
    parish = _parish()
    return _statement_download(parish, get_parish_shop(db.session, parish.id, shop_id), "pdf")


@bp.route("/shops/<int:shop_id>/statement.csv")
@role_required(*TREASURY)
def shop_statement_csv(shop_id: int):
    parish = _parish()
    return _statement_download(parish, get_parish_shop(db.session, parish.id, shop_id), "csv")


@bp.route("/redemptions/<int:redemption_id>/void", methods=["POST"])
@role_required(Role.TREASURER)
def void(redemption_id: int):
    redemption = get_scoped(Redemption, redemption_id)
    form = ReasonForm()
    back = url_for(
        "treasury.shop_statement",
        shop_id=redemption.shop_id,
        date_from=request.form.get("date_from") or None,
        date_to=request.form.get("date_to") or None,
    )
    if not form.validate_on_submit():
        flash(_("Escriba el motivo de la anulación."), "error")
        return redirect(back)
    try:
        void_redemption(db.session, redemption, user=require_actor(), reason=form.reason.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.detail, "error")
    else:
        db.session.commit()
        flash(
            _(
                "Canje N° %(no)s anulado: %(amount)s vuelven al vale.",
                no=f"{redemption.id:06d}",
                amount=format_clp(redemption.amount),
            ),
            "success",
        )
    return redirect(back)


# --- reports ----------------------------------------------------------------------------------


def _report_forms(parish: Parish) -> dict[str, Any]:
    today = local_today(parish.timezone)
    statement = StatementReportForm(formdata=None, date_from=_month_start(today), date_to=today)
    statement.shop_id.choices = _shop_choices(parish.id)
    return {
        "statement": statement,
        "programs": ProgramReportForm(formdata=None, date_from=_month_start(today), date_to=today),
        "trial": TrialBalanceForm(formdata=None, at=today),
        "journal": JournalForm(formdata=None),
    }


def _reports_page(forms: dict[str, Any], status: int = 200):
    return render_template("treasury/reports.html", forms=forms), status


@bp.route("/reports")
@role_required(*TREASURY)
def reports():
    return _reports_page(_report_forms(_parish()))


def _invalid(forms: dict[str, Any], name: str, form: Any, error: ValidationFailed | None = None):
    if error is not None:
        put_errors(form, error, {"from": "date_from", "to": "date_to"})
    forms[name] = form
    return _reports_page(forms, 422)


@bp.route("/reports/statement")
@role_required(*TREASURY)
def report_statement():
    parish = _parish()
    forms = _report_forms(parish)
    form = StatementReportForm(request.args)
    form.shop_id.choices = _shop_choices(parish.id)
    if not form.validate():
        return _invalid(forms, "statement", form)
    shop = get_parish_shop(db.session, parish.id, form.shop_id.data)
    try:
        result = statement_data.shop_statement(
            db.session, parish, shop, form.date_from.data, form.date_to.data
        )
    except ValidationFailed as error:
        return _invalid(forms, "statement", form, error)
    name = f"estado-de-cuenta-{shop.id}-{form.date_from.data}-{form.date_to.data}"
    if form.format.data == "csv":
        return _csv(statement_csv(result.statement, form.sep.data), f"{name}.csv")
    return _pdf(render_statement(result.statement), f"{name}.pdf")


@bp.route("/reports/programs")
@role_required(*TREASURY)
def report_programs():
    parish = _parish()
    forms = _report_forms(parish)
    form = ProgramReportForm(request.args)
    if not form.validate():
        return _invalid(forms, "programs", form)
    try:
        report = program_data.program_report(
            db.session, parish, form.date_from.data, form.date_to.data
        )
    except ValidationFailed as error:
        return _invalid(forms, "programs", form, error)
    name = f"informe-programas-{form.date_from.data}-{form.date_to.data}"
    if form.format.data == "csv":
        return _csv(program_report_csv(report, form.sep.data), f"{name}.csv")
    return _pdf(render_program_report(report), f"{name}.pdf")


@bp.route("/reports/trial-balance")
@role_required(*TREASURY)
def report_trial_balance():
    parish = _parish()
    forms = _report_forms(parish)
    form = TrialBalanceForm(request.args)
    if not form.validate():
        return _invalid(forms, "trial", form)
    balance = balance_data.trial_balance(db.session, parish, form.at.data)
    name = f"balance-comprobacion-{form.at.data}"
    if form.format.data == "csv":
        return _csv(trial_balance_csv(balance, form.sep.data), f"{name}.csv")
    return _pdf(render_trial_balance(balance), f"{name}.pdf")


@bp.route("/reports/journal")
@role_required(*TREASURY)
def report_journal():
    parish = _parish()
    forms = _report_forms(parish)
    form = JournalForm(request.args)
    if not form.validate():
        return _invalid(forms, "journal", form)
    start, end = form.date_from.data, form.date_to.data
    if start and end and start > end:
        form.date_from.errors = [_("La fecha de inicio debe ser anterior o igual a la de término.")]
        return _invalid(forms, "journal", form)
    # Streamed transaction by transaction: a big journal never sits in memory.
    pieces = iter_hledger(db.session, parish, date_from=start, date_to=end)
    suffix = f"-{start or 'inicio'}-{end or 'hoy'}" if start or end else ""
    response = Response(
        stream_with_context(piece.encode() for piece in pieces),
        mimetype="text/plain",
    )
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{parish.slug}{suffix}.journal"'
    )
    return response


# --- settings: two-person rule and closing a month --------------------------------------------


def _closable_months(parish: Parish) -> list[SelectChoice]:
    today = local_today(parish.timezone)
    closed = periods.closed_through(db.session, parish.id)
    months = []
    cursor = _month_start(today) - timedelta(days=1)  # last day of last month
    for _i in range(12):
        if closed is not None and cursor <= closed:
            break
        months.append(SelectChoice(f"{cursor:%Y-%m}", f"{MONTHS[cursor.month - 1]} {cursor.year}"))
        cursor = cursor.replace(day=1) - timedelta(days=1)
    return months


def _settings_page(parish: Parish, close_form: CloseMonthForm | None = None, status: int = 200):
    user = require_actor()
    rule_form = TwoPersonRuleForm(formdata=None, enabled=parish.two_person_rule)
    if close_form is None:
        close_form = CloseMonthForm(formdata=None)
    close_form.month.choices = _closable_months(parish)
    return (
        render_template(
            "treasury/settings.html",
            parish=parish,
            rule_form=rule_form,
            close_form=close_form,
            closed_through=periods.closed_through(db.session, parish.id),
            can_toggle=user.role == Role.ADMIN,
            can_close=user.role == Role.TREASURER,
        ),
        status,
    )


@bp.route("/settings")
@role_required(*TREASURY)
def settings():
    return _settings_page(_parish())


@bp.route("/settings/two-person-rule", methods=["POST"])
@role_required(Role.ADMIN)
def two_person_rule():
    parish = _parish()
    form = TwoPersonRuleForm()
    if form.validate_on_submit():
        from voucher.audit.services import record

        parish.two_person_rule = bool(form.enabled.data)
        record(
            db.session,
            "two_person_rule",
            user=require_actor(),
            parish_id=parish.id,
            enabled=parish.two_person_rule,
        )
        db.session.commit()
        flash(
            _("Desde ahora cada pago necesita la aprobación de una segunda persona.")
            if parish.two_person_rule
            else _("Desde ahora los pagos se registran sin segunda aprobación."),
            "success",
        )
    return redirect(url_for("treasury.settings"))


@bp.route("/settings/close-month", methods=["POST"])
@role_required(Role.TREASURER)
def close_month():
    parish = _parish()
    form = CloseMonthForm()
    form.month.choices = _closable_months(parish)
    if not form.validate_on_submit():
        return _settings_page(parish, form, 422)
    year, month = (int(part) for part in form.month.data.split("-"))
    try:
        lock = periods.close_month(db.session, parish, year, month, require_actor())
    except ValidationFailed as error:
        db.session.rollback()
        put_errors(form, error)
        return _settings_page(parish, form, 422)
    except DomainError as error:
        db.session.rollback()
        flash(error.detail, "error")
        return redirect(url_for("treasury.settings"))
    db.session.commit()
    flash(
        _(
            "Mes cerrado: ya no se registran movimientos con fecha hasta el %(day)s.",
            day=lock.closed_through.strftime("%d-%m-%Y"),
        ),
        "success",
    )
    return redirect(url_for("treasury.settings"))


# --- the shopkeeper's own statement -----------------------------------------------------------


def _my_parish(parish_id_: int) -> Parish:
    enrolled = db.session.scalar(
        sa.select(ShopParish.id).where(
            ShopParish.shop_id == shop_id(), ShopParish.parish_id == parish_id_
        )
    )
    parish = db.session.get(Parish, parish_id_) if enrolled else None
    if parish is None:
        raise NotFound()
    return parish


@bp.route("/my-statement")
@role_required(Role.SHOPKEEPER)
def my_statement():
    shop = db.session.get(Shop, shop_id())
    parishes = statement_data.shop_parishes(db.session, shop.id)
    tz = parishes[0].timezone if parishes else "America/Santiago"
    form = PeriodForm(request.args)
    _default_period(form, tz)
    valid = not request.args or form.validate()
    statements = []
    if valid:
        for parish in parishes:
            result = _statement_or_errors(form, parish, shop)
            if result is None:
                valid = False
                break
            statements.append((parish, result.statement, statement_totals(result.statement)))
    return (
        render_template("treasury/my_statement.html", shop=shop, form=form, statements=statements),
        200 if valid else 422,
    )


@bp.route("/my-statement/<int:parish_id_>.pdf")
@role_required(Role.SHOPKEEPER)
def my_statement_pdf(parish_id_: int):
    shop = db.session.get(Shop, shop_id())
    return _statement_download(_my_parish(parish_id_), shop, "pdf")


@bp.route("/my-statement/<int:parish_id_>.csv")
@role_required(Role.SHOPKEEPER)
def my_statement_csv(parish_id_: int):
    shop = db.session.get(Shop, shop_id())
    return _statement_download(_my_parish(parish_id_), shop, "csv")
