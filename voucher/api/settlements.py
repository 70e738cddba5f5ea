"""API endpoints: paying shops (settlements, their decisions and remittances) and shop
statements. The same use cases as the treasurer's web pages."""

from datetime import date, datetime
from typing import Literal

from flask import request
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

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
from voucher.api.treasury import TAGS, PeriodQuery
from voucher.auth.access import current_parish, get_scoped, parish_id, require_actor, role_required
from voucher.auth.models import Role
from voucher.extensions import db
from voucher.responses import attachment, pdf_response
from voucher.treasury import queries, services
from voucher.treasury import remittance as remittance_data
from voucher.treasury.bank_file import bank_file_csv, bank_lines
from voucher.treasury.models import Settlement
from voucher.treasury.papers import render_remittance
from voucher.treasury.statement_files import statement_file, statement_scope

# --- models ---------------------------------------------------------------------------------


class SettlementIn(Strict):
    shop_id: StrictInt
    through: date = Field(description="Pay every unsettled redemption up to this day (inclusive).")
    method: Literal["transfer", "cash", "cheque"]
    reference: StrictStr | None = Field(
        None, max_length=120, description="Required for `transfer` and `cheque`."
    )
    expected_total: StrictInt | None = Field(
        None,
        ge=0,
        description="The total of the preview the payment was decided on: when the "
        "redemptions no longer add up to it, 409 `stale_preview` and nothing is paid.",
    )
    expected_count: StrictInt | None = Field(
        None, ge=0, description="The preview's number of redemptions (as `expected_total`)."
    )


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


class BankFileQuery(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    day: date = Field(alias="date", description="The day of the payments, YYYY-MM-DD.")


class StatementQuery(PeriodQuery):
    parish: StrictStr | None = Field(
        None,
        max_length=40,
        description="Parish slug; needed only by a shopkeeper whose shop takes part in "
        "several parishes.",
    )
    sep: Literal[",", ";"] = Field(",", description="CSV separator (';' for Spanish Excel).")


def _settlement_out(s: Settlement) -> dict:
    return out_of(SettlementOut, s, reference=s.reference or "").model_dump(mode="json")


def _key() -> str | None:
    """The Idempotency-Key of this user, for the settlement's own unique key (so a retry
    that raced the first request is answered with the same settlement)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    return f"api:{require_actor().id}:{key}" if key else None


# --- settlements -----------------------------------------------------------------------------


@bp.post("/settlements")
@spec.validate(
    json=SettlementIn,
    resp=responses(HTTP_201=SettlementOut, problems=(404, 409)),
    tags=TAGS,
)
@role_required(Role.TREASURER)
@idempotent()
def create_settlement(json: SettlementIn):
    """Pay a shop all its unsettled redemptions up to `through`, in one transaction
    (status `paid`), or propose it (status `proposed`) when the parish requires a second
    person's approval. 409 `nothing_to_settle`; 409 `stale_preview` when
    `expected_total` or `expected_count` is given and no longer true (nothing is paid);
    422 for a `transfer` or `cheque` without its `reference`. Send an Idempotency-Key."""
    data = services.SettlementInput(
        shop_id=json.shop_id,
        through=json.through,
        method=json.method,
        reference=json.reference or "",
        expected_amount=json.expected_total,
        expected_count=json.expected_count,
    )
    settlement, _replayed = services.settle(
        db.session,
        current_parish(),
        data,
        require_actor(),
        idempotency_key=_key(),
        reference_required=True,
    )
    return _settlement_out(settlement), 201


@bp.get("/settlements")
@spec.validate(query=PageQuery, resp=responses(HTTP_200=SettlementList), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
def list_settlements(query: PageQuery):
    """Settlements, newest first."""
    rows, cursor = paginate(
        queries.settlements_query(parish_id()), Settlement.id, query.limit, query.cursor
    )
    return SettlementList(items=[_settlement_out(s) for s in rows], next=cursor)


@bp.get("/settlements/bank-file")
@spec.validate(query=BankFileQuery, resp=responses(), tags=TAGS)
@role_required(Role.TREASURER)
def bank_file(query: BankFileQuery):
    """The bank's bulk payment file (CSV, `;`): one line per settlement paid or proposed on
    that day, not rejected or reversed: RUT, name, bank, account type, account number,
    amount, e-mail, description. 422 for a missing or bad date."""
    lines = bank_lines(db.session, current_parish(), query.day)
    return attachment(bank_file_csv(lines), "text/csv", f"pagos-banco-{query.day.isoformat()}.csv")


@bp.get("/settlements/<int:settlement_id>")
@spec.validate(resp=responses(HTTP_200=SettlementOut, problems=(404,)), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
def get_settlement(settlement_id: int):
    """One payment to a shop: its status (proposed, paid, rejected or reversed), amount
    and number of redemptions covered, the day it covers through, how and when it was
    paid."""
    return _settlement_out(get_scoped(Settlement, settlement_id))


@bp.post("/settlements/<int:settlement_id>/approve")
@spec.validate(resp=responses(HTTP_200=SettlementOut, problems=(404, 409)), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
@idempotent()
def approve_settlement(settlement_id: int):
    """A second person approves a proposed settlement: the money moves now. 409
    `same_person` for the proposer, `not_pending` when it is not waiting."""
    settlement = get_scoped(Settlement, settlement_id)
    return _settlement_out(services.approve(db.session, settlement, require_actor()))


@bp.post("/settlements/<int:settlement_id>/reject")
@spec.validate(resp=responses(HTTP_200=SettlementOut, problems=(404, 409)), tags=TAGS)
@role_required(Role.TREASURER, Role.ADMIN)
@idempotent()
def reject_settlement(settlement_id: int):
    """Turn down a proposed settlement; nothing was paid."""
    settlement = get_scoped(Settlement, settlement_id)
    return _settlement_out(services.reject(db.session, settlement, require_actor()))


@bp.post("/settlements/<int:settlement_id>/reverse")
@spec.validate(
    json=ReasonIn,
    resp=responses(HTTP_200=SettlementOut, problems=(404, 409)),
    tags=TAGS,
)
@role_required(Role.TREASURER)
@idempotent()
def reverse_settlement(settlement_id: int, json: ReasonIn):
    """Undo a payment made in error; its redemptions are owed again. 409 `not_paid`."""
    settlement = get_scoped(Settlement, settlement_id)
    result = services.reverse(db.session, settlement, reason=json.reason, user=require_actor())
    return _settlement_out(result)


@bp.get("/settlements/<int:settlement_id>/remittance.pdf")
@spec.validate(resp=responses(problems=(404, 409)), tags=TAGS)
@role_required(Role.TREASURER)
def remittance_pdf(settlement_id: int):
    """The payment voucher to sign (A4 PDF). 409 `not_paid` before it is paid."""
    settlement = get_scoped(Settlement, settlement_id)
    pdf = render_remittance(remittance_data.remittance(db.session, settlement))
    return pdf_response(pdf, f"comprobante-pago-{settlement.id:06d}.pdf")


file_response("/api/v1/settlements/{settlement_id}/remittance.pdf", "get", "application/pdf")


# --- statements --------------------------------------------------------------------------------


def _statement(shop_id: int, query: StatementQuery, kind: str):
    parish, shop = statement_scope(db.session, require_actor(), shop_id, parish_slug=query.parish)
    return statement_file(
        db.session, parish, shop, query.date_from, query.date_to, kind=kind, sep=query.sep
    )


@bp.get("/shops/<int:shop_id>/statement.pdf")
@spec.validate(query=StatementQuery, resp=responses(problems=(404,)), tags=TAGS)
@role_required(Role.TREASURER, Role.SHOPKEEPER)
def statement_pdf(shop_id: int, query: StatementQuery):
    """The shop's statement for a period (A4 PDF with a verification code). 422 for a
    missing or bad date or `from` after `to`."""
    return _statement(shop_id, query, "pdf")


@bp.get("/shops/<int:shop_id>/statement.csv")
@spec.validate(query=StatementQuery, resp=responses(problems=(404,)), tags=TAGS)
@role_required(Role.TREASURER, Role.SHOPKEEPER)
def statement_csv_file(shop_id: int, query: StatementQuery):
    """The same statement as CSV (UTF-8 with BOM; `sep=;` for Spanish Excel)."""
    return _statement(shop_id, query, "csv")


file_response("/api/v1/settlements/bank-file", "get", "text/csv")
file_response("/api/v1/shops/{shop_id}/statement.pdf", "get", "application/pdf")
file_response("/api/v1/shops/{shop_id}/statement.csv", "get", "text/csv")
