"""API endpoints: treasury (funds, what shops are owed, settlements, statements, reports,
the hledger journal). The same services as the treasurer's web pages."""

import io
from datetime import date, datetime
from typing import Literal

import sqlalchemy as sa
from flask import Response, request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from voucher.api.core import (
    Page,
    PageQuery,
    Problem,
    Strict,
    bp,
    idempotent,
    paginate,
    responses,
    spec,
)
from voucher.api.docs import file_response
from voucher.auth.access import get_scoped, parish_id, require_actor, role_required
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.errors import NotFound, ValidationFailed
from voucher.extensions import db
from voucher.parishes.models import Parish
from voucher.shops.models import Shop
from voucher.shops.services import get_parish_shop
from voucher.treasury import program_report as program_data
from voucher.treasury import remittance as remittance_data
from voucher.treasury import services
from voucher.treasury import statement as statement_data
from voucher.treasury import trial_balance as balance_data
from voucher.treasury.csv_export import statement_csv
from voucher.treasury.documents import trial_balance_totals
from voucher.treasury.journal import write_hledger
from voucher.treasury.models import Fund, Settlement
from voucher.treasury.papers import render_remittance, render_statement

TAGS = ["treasury"]


# --- models ---------------------------------------------------------------------------------


class FundIn(Strict):
    program_id: StrictInt
    amount: StrictInt = Field(description="Integer pesos, 1..100.000.000.")
    received_on: date
    source: StrictStr = Field(max_length=120, description="Where the money comes from.")
    reference: StrictStr | None = Field(None, max_length=120)


class FundOut(BaseModel):
    id: int
    program_id: int
    amount: int
    received_on: date
    source: str
    reference: str


class FundList(Page):
    items: list[FundOut]


class ShopBalanceOut(BaseModel):
    shop_id: int
    name: str
    owed: int
    unsettled_count: int
    oldest_unsettled: datetime | None = Field(
        description="When the oldest unpaid redemption was made (ISO 8601), or null."
    )
    last_payment_at: datetime | None
    last_payment_amount: int | None


class ShopBalanceList(Page):
    items: list[ShopBalanceOut]


class SettlementIn(Strict):
    shop_id: StrictInt
    through: date = Field(description="Pay every unsettled redemption up to this day (inclusive).")
    method: Literal["transfer", "cash", "cheque"]
    reference: StrictStr | None = Field(None, max_length=120)


class SettlementOut(BaseModel):
    id: int
    amount: int
    redemption_count: int
    status: Literal["proposed", "paid", "reversed", "rejected"]
    shop_id: int
    through: date
    method: str
    reference: str
    paid_at: datetime | None
    reversed_at: datetime | None


class SettlementList(Page):
    items: list[SettlementOut]


class ReasonIn(Strict):
    reason: StrictStr = Field(min_length=1, max_length=200)


class PeriodQuery(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    date_from: date = Field(alias="from", description="First day, YYYY-MM-DD.")
    date_to: date = Field(alias="to", description="Last day, YYYY-MM-DD (inclusive).")


class StatementQuery(PeriodQuery):
    parish: StrictStr | None = Field(
        None,
        max_length=40,
        description="Parish slug; needed only by a shopkeeper whose shop takes part in "
        "several parishes.",
    )
    sep: Literal[",", ";"] = Field(",", description="CSV separator (';' for Spanish Excel).")


class AtQuery(Strict):
    at: date | None = Field(None, description="Day (YYYY-MM-DD); today when left out.")


class ExportQuery(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    format: Literal["hledger"] = "hledger"
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")


class TrialBalanceAccount(BaseModel):
    code: str
    name: str
    type: str
    debit: int
    credit: int
    balance: int = Field(description="debit − credit")


class TrialBalanceOut(BaseModel):
    at: date
    accounts: list[TrialBalanceAccount]
    total_debit: int
    total_credit: int


class ProgramFiguresOut(BaseModel):
    id: int
    name: str
    category: str
    funded: int
    issued: int
    issued_count: int
    redeemed: int
    redeemed_count: int
    expired: int
    expired_count: int
    cancelled: int
    cancelled_count: int
    outstanding: int = Field(description="Live vouchers' value not yet redeemed at the end.")


class ProgramsOut(BaseModel):
    programs: list[ProgramFiguresOut]


# --- helpers -----------------------------------------------------------------------------------


def _parish() -> Parish:
    return db.session.get(Parish, parish_id())


def _fund_out(fund: Fund) -> FundOut:
    return FundOut(
        id=fund.id,
        program_id=fund.program_id,
        amount=fund.amount,
        received_on=fund.received_on,
        source=fund.source,
        reference=fund.reference or "",
    )


def _settlement_out(s: Settlement) -> SettlementOut:
    return SettlementOut(
        id=s.id,
        amount=s.amount,
        redemption_count=s.redemption_count,
        status=s.status.value,
        shop_id=s.shop_id,
        through=s.through,
        method=s.method.value,
        reference=s.reference or "",
        paid_at=s.paid_at,
        reversed_at=s.reversed_at,
    )


def _key() -> str | None:
    """The Idempotency-Key of this user, for the settlement's own unique key (so a retry
    that raced the first request is answered with the same settlement)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    return f"api:{require_actor().id}:{key}" if key else None


def _file(data: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- funds -------------------------------------------------------------------------------------


@bp.post("/funds")
@spec.validate(
    json=FundIn,
    resp=responses(HTTP_201=FundOut, HTTP_404=Problem, HTTP_409=Problem),
    tags=TAGS,
)
@role_required(Role.TREASURER)
@idempotent()
def create_fund(json: FundIn):
    """Record money received for a program (posts bank → program fund). 409
    `period_closed` for a date inside a closed month."""
    data = services.FundInput(
        program_id=json.program_id,
        amount=json.amount,
        received_on=json.received_on,
        source=json.source,
        reference=json.reference or "",
    )
    fund = services.record_fund(db.session, _parish(), data, require_actor())
    return _fund_out(fund).model_dump(mode="json"), 201


@bp.get("/funds")
@spec.validate(query=PageQuery, resp=responses(HTTP_200=FundList), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
def list_funds(query: PageQuery):
    """Funds received, newest first."""
    rows, cursor = paginate(
        sa.select(Fund).where(Fund.parish_id == parish_id()), Fund.id, query.limit, query.cursor
    )
    return FundList(items=[_fund_out(f) for f in rows], next=cursor)


# --- what shops are owed -----------------------------------------------------------------------


def _balance_out(b: services.ShopBalance) -> ShopBalanceOut:
    return ShopBalanceOut(
        shop_id=b.shop.id,
        name=b.shop.name,
        owed=b.owed,
        unsettled_count=b.unsettled_count,
        oldest_unsettled=b.oldest_unsettled,
        last_payment_at=b.last_payment_at,
        last_payment_amount=b.last_payment_amount,
    )


@bp.get("/shops/<int:shop_id>/balance")
@spec.validate(resp=responses(HTTP_200=ShopBalanceOut, HTTP_404=Problem), tags=TAGS)
@role_required(Role.TREASURER)
def shop_balance(shop_id: int):
    """What the parish owes the shop now: unsettled, unvoided redemptions."""
    pid = parish_id()
    shop = get_parish_shop(db.session, pid, shop_id)
    return _balance_out(services.shop_balance(db.session, pid, shop))


@bp.get("/shops/balances")
@spec.validate(resp=responses(HTTP_200=ShopBalanceList), tags=TAGS)
@role_required(Role.TREASURER)
def shop_balances():
    """What the parish owes every shop enrolled in it, by shop name (one page: `next` is
    always null)."""
    balances = services.shop_balances(db.session, parish_id())
    return ShopBalanceList(items=[_balance_out(b) for b in balances], next=None)


# --- settlements -----------------------------------------------------------------------------


@bp.post("/settlements")
@spec.validate(
    json=SettlementIn,
    resp=responses(HTTP_201=SettlementOut, HTTP_404=Problem, HTTP_409=Problem),
    tags=TAGS,
)
@role_required(Role.TREASURER)
@idempotent()
def create_settlement(json: SettlementIn):
    """Pay a shop all its unsettled redemptions up to `through`, in one transaction
    (status `paid`), or propose it (status `proposed`) when the parish requires a second
    person's approval. 409 `nothing_to_settle`. Send an Idempotency-Key."""
    data = services.SettlementInput(
        shop_id=json.shop_id,
        through=json.through,
        method=json.method,
        reference=json.reference or "",
    )
    settlement, _replayed = services.settle(
        db.session, _parish(), data, require_actor(), idempotency_key=_key()
    )
    return _settlement_out(settlement).model_dump(mode="json"), 201


@bp.get("/settlements")
@spec.validate(query=PageQuery, resp=responses(HTTP_200=SettlementList), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
def list_settlements(query: PageQuery):
    """Settlements, newest first."""
    rows, cursor = paginate(
        sa.select(Settlement).where(Settlement.parish_id == parish_id()),
        Settlement.id,
        query.limit,
        query.cursor,
    )
    return SettlementList(items=[_settlement_out(s) for s in rows], next=cursor)


@bp.get("/settlements/<int:settlement_id>")
@spec.validate(resp=responses(HTTP_200=SettlementOut, HTTP_404=Problem), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
def get_settlement(settlement_id: int):
    """One payment to a shop: its status (proposed, paid, rejected or reversed), amount
    and number of redemptions covered, the day it covers through, how and when it was
    paid."""
    return _settlement_out(get_scoped(Settlement, settlement_id))


@bp.post("/settlements/<int:settlement_id>/approve")
@spec.validate(
    resp=responses(HTTP_200=SettlementOut, HTTP_404=Problem, HTTP_409=Problem), tags=TAGS
)
@role_required(Role.TREASURER, Role.ADMIN)
@idempotent()
def approve_settlement(settlement_id: int):
    """A second person approves a proposed settlement: the money moves now. 409
    `same_person` for the proposer, `not_pending` when it is not waiting."""
    settlement = get_scoped(Settlement, settlement_id)
    return _settlement_out(services.approve(db.session, settlement, require_actor())).model_dump(
        mode="json"
    )


@bp.post("/settlements/<int:settlement_id>/reject")
@spec.validate(
    resp=responses(HTTP_200=SettlementOut, HTTP_404=Problem, HTTP_409=Problem), tags=TAGS
)
@role_required(Role.TREASURER, Role.ADMIN)
@idempotent()
def reject_settlement(settlement_id: int):
    """Turn down a proposed settlement; nothing was paid."""
    settlement = get_scoped(Settlement, settlement_id)
    return _settlement_out(services.reject(db.session, settlement, require_actor())).model_dump(
        mode="json"
    )


@bp.post("/settlements/<int:settlement_id>/reverse")
@spec.validate(
    json=ReasonIn,
    resp=responses(HTTP_200=SettlementOut, HTTP_404=Problem, HTTP_409=Problem),
    tags=TAGS,
)
@role_required(Role.TREASURER)
@idempotent()
def reverse_settlement(settlement_id: int, json: ReasonIn):
    """Undo a payment made in error; its redemptions are owed again. 409 `not_paid`."""
    settlement = get_scoped(Settlement, settlement_id)
    result = services.reverse(db.session, settlement, reason=json.reason, user=require_actor())
    return _settlement_out(result).model_dump(mode="json")


@bp.get("/settlements/<int:settlement_id>/remittance.pdf")
@spec.validate(resp=responses(HTTP_404=Problem, HTTP_409=Problem), tags=TAGS)
@role_required(Role.TREASURER)
def remittance_pdf(settlement_id: int):
    """The payment voucher to sign (A4 PDF). 409 `not_paid` before it is paid."""
    settlement = get_scoped(Settlement, settlement_id)
    pdf = render_remittance(remittance_data.remittance(db.session, settlement))
    return _file(pdf, "application/pdf", f"comprobante-pago-{settlement.id:06d}.pdf")


file_response("/api/v1/settlements/{settlement_id}/remittance.pdf", "get", "application/pdf")


# --- statements --------------------------------------------------------------------------------


def _statement_scope(shop_id: int, slug: str | None) -> tuple[Parish, Shop]:
    """Treasurer: their parish and one of its shops. Shopkeeper: their own shop only (any
    other is 404), in the parish named by slug or the only one it takes part in."""
    user = require_actor()
    if user.role == Role.SHOPKEEPER:
        if user.shop_id != shop_id:
            raise NotFound()
        shop = db.session.get(Shop, shop_id)
        parishes = statement_data.shop_parishes(db.session, shop_id)
        if slug:
            parishes = [p for p in parishes if p.slug == slug]
            if not parishes:
                raise NotFound()
        elif len(parishes) != 1:
            if not parishes:
                raise NotFound()
            raise ValidationFailed(
                [("parish", _("Su comercio participa en varias parroquias: indique cuál."))]
            )
        return parishes[0], shop
    parish = _parish()
    if slug and slug != parish.slug:
        raise NotFound()
    return parish, get_parish_shop(db.session, parish.id, shop_id)


def _statement(shop_id: int, query: StatementQuery):
    parish, shop = _statement_scope(shop_id, query.parish)
    result = statement_data.shop_statement(db.session, parish, shop, query.date_from, query.date_to)
    return result.statement, f"estado-de-cuenta-{shop.id}-{query.date_from}-{query.date_to}"


@bp.get("/shops/<int:shop_id>/statement.pdf")
@spec.validate(query=StatementQuery, resp=responses(HTTP_404=Problem), tags=TAGS)
@role_required(Role.TREASURER, Role.SHOPKEEPER)
def statement_pdf(shop_id: int, query: StatementQuery):
    """The shop's statement for a period (A4 PDF with a verification code). 422 for a
    missing or bad date or `from` after `to`."""
    statement, name = _statement(shop_id, query)
    return _file(render_statement(statement), "application/pdf", f"{name}.pdf")


@bp.get("/shops/<int:shop_id>/statement.csv")
@spec.validate(query=StatementQuery, resp=responses(HTTP_404=Problem), tags=TAGS)
@role_required(Role.TREASURER, Role.SHOPKEEPER)
def statement_csv_file(shop_id: int, query: StatementQuery):
    """The same statement as CSV (UTF-8 with BOM; `sep=;` for Spanish Excel)."""
    statement, name = _statement(shop_id, query)
    response = _file("\ufeff" + statement_csv(statement, query.sep), "text/csv", f"{name}.csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return response


file_response("/api/v1/shops/{shop_id}/statement.pdf", "get", "application/pdf")
file_response("/api/v1/shops/{shop_id}/statement.csv", "get", "text/csv")


# --- reports -----------------------------------------------------------------------------------


@bp.get("/reports/trial-balance")
@spec.validate(query=AtQuery, resp=responses(HTTP_200=TrialBalanceOut), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
def trial_balance(query: AtQuery):
    """Every account's debits, credits and balance at the end of `at` (default today)."""
    parish = _parish()
    at = query.at or local_today(parish.timezone)
    balance = balance_data.trial_balance(db.session, parish, at)
    totals = trial_balance_totals(balance)
    return TrialBalanceOut(
        at=at,
        accounts=[
            TrialBalanceAccount(
                code=row.code,
                name=row.name,
                type=row.type,
                debit=row.debit,
                credit=row.credit,
                balance=row.debit - row.credit,
            )
            for row in balance.rows
        ],
        total_debit=totals.debit,
        total_credit=totals.credit,
    )


@bp.get("/reports/programs")
@spec.validate(query=PeriodQuery, resp=responses(HTTP_200=ProgramsOut), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
def programs_report(query: PeriodQuery):
    """Per program, for the period: funded, issued, redeemed, expired, cancelled; and the
    value still outstanding at its end."""
    figures = program_data.program_figures(db.session, _parish(), query.date_from, query.date_to)
    return ProgramsOut(
        programs=[
            ProgramFiguresOut(
                id=f.program_id,
                name=f.row.name,
                category=f.row.category,
                funded=f.row.funded,
                issued=f.row.issued,
                issued_count=f.row.issued_count,
                redeemed=f.row.redeemed,
                redeemed_count=f.row.redeemed_count,
                expired=f.row.expired,
                expired_count=f.row.expired_count,
                cancelled=f.row.cancelled,
                cancelled_count=f.row.cancelled_count,
                outstanding=f.row.outstanding,
            )
            for f in figures
        ]
    )


@bp.get("/ledger/export")
@spec.validate(query=ExportQuery, resp=responses(), tags=TAGS)
@role_required(Role.TREASURER)
def ledger_export(query: ExportQuery):
    """The books as an hledger journal (text/plain). With `from`, it starts with the
    opening balances of the day before."""
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ValidationFailed(
            [("from", _("La fecha de inicio debe ser anterior o igual a la de término."))]
        )
    parish = _parish()
    buffer = io.StringIO()
    write_hledger(db.session, parish, buffer, date_from=query.date_from, date_to=query.date_to)
    response = _file(buffer.getvalue(), "text/plain", f"{parish.slug}.journal")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response


file_response("/api/v1/ledger/export", "get", "text/plain")
