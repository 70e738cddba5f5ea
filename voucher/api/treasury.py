"""API endpoints: treasury (funds, what shops are owed, reports, the hledger journal).
The same services as the treasurer's web pages; settlements and statements are in
``voucher.api.settlements``."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from voucher.api.core import (
    Page,
    PageQuery,
    Strict,
    bp,
    idempotent,
    out_of,
    paginate,
    responses,
    spec,
)
from voucher.api.docs import file_response
from voucher.auth.access import (
    current_parish,
    get_scoped,
    parish_id,
    require_actor,
    role_required,
)
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.extensions import db
from voucher.responses import pdf_response
from voucher.shops.services import get_parish_shop
from voucher.treasury import program_report as program_data
from voucher.treasury import queries, services
from voucher.treasury import trial_balance as balance_data
from voucher.treasury.documents import trial_balance_totals
from voucher.treasury.donation_papers import render_donor_statement
from voucher.treasury.donations import donor_statement
from voucher.treasury.journal_download import journal_file
from voucher.treasury.models import Fund

TAGS = ["treasury"]


# --- models ---------------------------------------------------------------------------------


class FundIn(Strict):
    program_id: StrictInt
    amount: StrictInt = Field(description="Integer pesos, 1..100.000.000.")
    received_on: date
    source: StrictStr = Field(max_length=120, description="Where the money comes from.")
    reference: StrictStr | None = Field(None, max_length=120)
    donor_id: StrictInt | None = Field(None, description="One of the treasurer's donors.")
    anonymous: StrictBool = Field(False, description="The donor asked not to be named on papers.")


class FundOut(BaseModel):
    id: int
    program_id: int
    amount: int
    received_on: date
    source: str
    reference: str
    donor_id: int | None = None
    anonymous: bool = False


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


class PeriodQuery(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    date_from: date = Field(alias="from", description="First day, YYYY-MM-DD.")
    date_to: date = Field(alias="to", description="Last day, YYYY-MM-DD (inclusive).")


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
    debit_balance: int = Field(description="Saldo deudor: debit − credit when positive, else 0.")
    credit_balance: int = Field(description="Saldo acreedor: credit − debit when positive, else 0.")


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
    printed_count: int = Field(description="Vouchers issued in the period printed at least once.")
    delivered_count: int = Field(description="Vouchers issued in the period handed out.")


class ProgramsOut(BaseModel):
    programs: list[ProgramFiguresOut]


# --- helpers -----------------------------------------------------------------------------------


def _fund_out(fund: Fund) -> FundOut:
    donor = fund.donor
    return out_of(
        FundOut,
        fund,
        reference=fund.reference or "",
        donor_id=donor.id if donor is not None else None,
    )


# --- funds -------------------------------------------------------------------------------------


@bp.post("/funds")
@spec.validate(
    json=FundIn,
    resp=responses(HTTP_201=FundOut, problems=(404, 409)),
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
        donor_id=json.donor_id,
        anonymous=json.anonymous,
    )
    fund = services.record_fund(db.session, current_parish(), data, require_actor())
    return _fund_out(fund).model_dump(mode="json"), 201


@bp.get("/funds")
@spec.validate(query=PageQuery, resp=responses(HTTP_200=FundList), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
def list_funds(query: PageQuery):
    """Funds received, newest first."""
    rows, cursor = paginate(queries.funds_query(parish_id()), Fund.id, query.limit, query.cursor)
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


@bp.get("/funds/<int:fund_id>/statement.pdf")
@spec.validate(resp=responses(problems=(404,)), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
def fund_statement(fund_id: int):
    """The donor statement of a fund received: one page in Spanish saying what the gift
    paid for (vouchers, families, pesos spent at shops, what is still available)."""
    fund = get_scoped(Fund, fund_id)
    statement = donor_statement(db.session, current_parish(), fund)
    return pdf_response(
        render_donor_statement(statement), f"aporte-{fund.id:06d}-{fund.received_on}.pdf"
    )


@bp.get("/shops/<int:shop_id>/balance")
@spec.validate(resp=responses(HTTP_200=ShopBalanceOut, problems=(404,)), tags=TAGS)
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


# --- reports -----------------------------------------------------------------------------------


@bp.get("/reports/trial-balance")
@spec.validate(query=AtQuery, resp=responses(HTTP_200=TrialBalanceOut), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
def trial_balance(query: AtQuery):
    """Every account's debits, credits and balance at the end of `at` (default today)."""
    parish = current_parish()
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
                debit_balance=row.debit_balance,
                credit_balance=row.credit_balance,
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
    figures = program_data.program_figures(
        db.session, current_parish(), query.date_from, query.date_to
    )
    return ProgramsOut(
        programs=[out_of(ProgramFiguresOut, f.row, id=f.program_id) for f in figures]
    )


@bp.get("/ledger/export")
@spec.validate(query=ExportQuery, resp=responses(), tags=TAGS)
@role_required(Role.TREASURER)
def ledger_export(query: ExportQuery):
    """The books as an hledger journal (text/plain, streamed). With `from`, it starts
    with the opening balances of the day before. 422 for `from` after `to`."""
    return journal_file(db.session, current_parish(), query.date_from, query.date_to)


file_response("/api/v1/ledger/export", "get", "text/plain")
file_response("/api/v1/funds/{fund_id}/statement.pdf", "get", "application/pdf")
