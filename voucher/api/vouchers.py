"""API endpoints: vouchers, rounds and printing (contract: shared/design/api.md).

A voucher's code appears only in the answer to the request that made it (issue,
replace); the idempotency record keeps that answer without the code and a replay
reads it back from its encrypted copy, so the database never holds a code in clear.
Idempotent views return plain JSON data (``model_dump``): the replay machinery stores
what they return before the OpenAPI layer sees it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictInt, StrictStr

from voucher.api.core import (
    MAX_ID,
    Page,
    PageQuery,
    Strict,
    bp,
    example,
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
from voucher.config import site_base_url
from voucher.dates import local_today
from voucher.extensions import db
from voucher.families.models import Family
from voucher.programs.models import Program
from voucher.responses import csv_response, pdf_response
from voucher.vouchers import delivery, printing, queries, rounds, services
from voucher.vouchers.codes import format_code, redeem_url
from voucher.vouchers.keys import code_keys
from voucher.vouchers.models import Round, Voucher
from voucher.vouchers.rules import effective_status, state_of
from voucher.vouchers.views.common import READERS, WRITERS, issuer, printer


class VoucherOut(BaseModel):
    id: int
    serial: str
    program_id: int
    family_id: int
    category: Literal["food", "hygiene"]
    amount: int = Field(description="Face value, integer pesos.")
    remaining: int = Field(description="Value left, integer pesos.")
    issued_on: date
    expires_on: date = Field(description="Last day it can be used.")
    status: Literal["active", "redeemed", "expired", "cancelled"] = Field(
        description="As a shop would find it: an active voucher past expires_on is expired."
    )
    status_reason: str = Field("", description="Why it was cancelled or closed.")
    print_count: int = Field(0, description="Times the current code has been printed.")
    printed_count: int = Field(0, description="The same count (the contract's name).")
    delivered_at: datetime | None = Field(
        None, description="When the paper was handed to the family (null until then)."
    )


class VoucherWithCode(VoucherOut):
    code: str = Field(description="The secret code, XXXX-XXXX-XXXX-C. Shown only here.")
    redeem_url: str = Field(description="What the printed QR opens.")


class VoucherList(Page):
    items: list[VoucherOut]


class VoucherIn(Strict):
    model_config = example({"family_id": 1, "program_id": 1})

    family_id: StrictInt
    program_id: StrictInt
    amount: StrictInt | None = Field(
        None,
        description="Integer pesos, 1..what the program's allotment gives this household "
        "(default: all of it).",
    )
    limit_override_reason: StrictStr | None = Field(
        None,
        max_length=services.REASON_MAX,
        description="Why this family gets a voucher beyond the program's per-cycle limit "
        "(audited); without it that is a 409 `cycle_limit`.",
    )


class VoucherQuery(PageQuery):
    status: Literal["active", "redeemed", "expired", "cancelled"] | None = None
    program_id: int | None = Field(None, ge=1, le=MAX_ID)
    family_id: int | None = Field(None, ge=1, le=MAX_ID)
    serial: str = Field("", max_length=queries.SERIAL_SEARCH_MAX, description="Part of it.")


class VoucherReasonIn(Strict):
    model_config = example({"reason": "La familia lo perdió"})

    reason: StrictStr = Field(max_length=services.REASON_MAX)


class DeliveryIn(Strict):
    model_config = example({"delivered_on": "2026-12-04", "note": "Retiró su hija Ana"})

    delivered_on: date | None = Field(None, description="Default: today (the parish's day).")
    note: StrictStr | None = Field(
        None, max_length=delivery.NOTE_MAX, description="Who collected it, if not the family."
    )


class DeliveryQuery(Strict):
    sep: Literal[",", ";"] = Field(",", description="CSV separator (`;` for Spanish Excel).")


class PrintIn(Strict):
    model_config = example({"ids": [1, 2, 3]})

    ids: list[Annotated[StrictInt, Field(ge=1, le=MAX_ID)]] = Field(
        max_length=printing.MAX_PRINT, description="Voucher ids, printed in this order."
    )


class RoundIn(Strict):
    """No fields: a round serves the program's current cycle."""


class Skipped(BaseModel):
    family_id: int
    reason: Literal["already_served", "inactive"]


class RoundOut(BaseModel):
    id: int
    program_id: int
    cycle_key: str
    issued: int
    total: int = Field(description="Integer pesos taken from the program fund.")
    voucher_ids: list[int]
    skipped: list[Skipped]


def _today() -> date:
    return local_today(current_parish().timezone)


def voucher_out(voucher: Voucher, today: date) -> VoucherOut:
    return out_of(
        VoucherOut,
        voucher,
        status=effective_status(state_of(voucher), today).value,
        printed_count=voucher.print_count,
    )


def _with_code(voucher: Voucher, code: str) -> VoucherWithCode:
    base = voucher_out(voucher, _today())
    return VoucherWithCode(
        **base.model_dump(),
        code=format_code(code),
        redeem_url=redeem_url(site_base_url(), code),
    )


def _without_code(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: v for k, v in body.items() if k not in ("code", "redeem_url")}
    return body


def _code_again(body: Any) -> Any:
    """On replay: the voucher's current code, from its encrypted copy."""
    if not isinstance(body, dict) or not isinstance(body.get("id"), int):
        return body
    voucher = db.session.get(Voucher, body["id"])
    if voucher is None or voucher.parish_id != parish_id():
        return body
    code = code_keys().decrypt(voucher.code_encrypted)
    base_url = site_base_url()
    return {**body, "code": format_code(code), "redeem_url": redeem_url(base_url, code)}


# --- vouchers ------------------------------------------------------------------------------


@bp.post("/vouchers")
@spec.validate(
    json=VoucherIn,
    resp=responses(HTTP_201=VoucherWithCode, problems=(404, 409)),
    tags=["vouchers"],
)
@idempotent(redact=_without_code, restore=_code_again)
@role_required(*WRITERS)
def issue_voucher(json: VoucherIn):
    """Issue one voucher to a household. The answer carries its code (only here, and on
    an Idempotency-Key replay). 409 `not_enrolled` when the household is not enrolled in
    the program (a round leaves it out too), 409 `cycle_limit` when it already had its
    vouchers this cycle, 409 `insufficient_fund`; a family or program of another parish
    is a 404."""
    family = get_scoped(Family, json.family_id)
    program = get_scoped(Program, json.program_id)
    issued = services.issue_voucher(
        db.session,
        program=program,
        family=family,
        amount=json.amount,
        limit_override_reason=json.limit_override_reason,
        **issuer(),
    )
    return _with_code(issued.voucher, issued.code).model_dump(mode="json"), 201


@bp.get("/vouchers")
@spec.validate(query=VoucherQuery, resp=responses(HTTP_200=VoucherList), tags=["vouchers"])
@role_required(*READERS)
def list_vouchers(query: VoucherQuery):
    """The parish's vouchers, newest first, filtered by status (as a shop would find
    it), program, family or part of the serial."""
    today = _today()
    listing = queries.voucher_query(
        parish_id(),
        today=today,
        status=query.status,
        program_id=query.program_id,
        family_id=query.family_id,
        serial=query.serial,
    )
    rows, next_cursor = paginate(listing, Voucher.id, query.limit, query.cursor)
    return VoucherList(items=[voucher_out(v, today) for v in rows], next=next_cursor)


@bp.get("/vouchers/<int:voucher_id>")
@spec.validate(resp=responses(HTTP_200=VoucherOut, problems=(404,)), tags=["vouchers"])
@role_required(*READERS)
def get_voucher(voucher_id: int):
    """One voucher of the parish (without its code; another parish's answers 404)."""
    return voucher_out(get_scoped(Voucher, voucher_id), _today())


@bp.post("/vouchers/<int:voucher_id>/cancel")
@spec.validate(
    json=VoucherReasonIn,
    resp=responses(HTTP_200=VoucherOut, problems=(404, 409)),
    tags=["vouchers"],
)
@idempotent()
@role_required(*WRITERS)
def cancel_voucher(voucher_id, json: VoucherReasonIn):
    """Cancel a live voucher; its remaining value returns to the program fund. 409
    `not_active` when it is used up, expired or already cancelled."""
    voucher = get_scoped(Voucher, voucher_id)
    voucher = services.cancel_voucher(
        db.session, voucher, reason=json.reason, user=require_actor(), today=_today()
    )
    return voucher_out(voucher, _today()).model_dump(mode="json")


@bp.post("/vouchers/<int:voucher_id>/replace")
@spec.validate(
    json=VoucherReasonIn,
    resp=responses(HTTP_200=VoucherWithCode, problems=(404, 409)),
    tags=["vouchers"],
)
@idempotent(redact=_without_code, restore=_code_again)
@role_required(*WRITERS)
def replace_voucher(voucher_id, json: VoucherReasonIn):
    """A lost voucher gets a new code (same value and dates); the old code answers
    "replaced" from then on. 409 `not_active` when it is no longer live."""
    voucher = get_scoped(Voucher, voucher_id)
    issued = services.replace_voucher(
        db.session,
        voucher,
        reason=json.reason,
        user=require_actor(),
        keys=code_keys(),
        today=_today(),
    )
    return _with_code(issued.voucher, issued.code).model_dump(mode="json")


@bp.post("/vouchers/<int:voucher_id>/delivery")
@spec.validate(
    json=DeliveryIn,
    resp=responses(HTTP_200=VoucherOut, problems=(404, 409)),
    tags=["vouchers"],
)
@idempotent()
@role_required(*WRITERS)
def deliver_voucher(voucher_id, json: DeliveryIn):
    """The printed paper reached its family (on `delivered_on`, today by default). Marking
    it again changes nothing. 409 `not_active` when the voucher is no longer live; 422 for
    a day after today."""
    voucher = get_scoped(Voucher, voucher_id)
    voucher = delivery.mark_delivered(
        db.session,
        voucher,
        user=require_actor(),
        today=_today(),
        delivered_on=json.delivered_on,
        note=json.note,
    )
    return voucher_out(voucher, _today()).model_dump(mode="json")


@bp.get("/vouchers/<int:voucher_id>/pdf")
@spec.validate(resp=responses(problems=(404, 409)), tags=["vouchers"])
@role_required(*WRITERS)
def voucher_pdf(voucher_id: int):
    """The voucher on an A4 sheet (same code every time; each print is counted). 409
    `not_active` for a voucher that is no longer live."""
    voucher = get_scoped(Voucher, voucher_id)
    filename = f"vale-{voucher.serial}.pdf"  # read before printing commits
    sheets = printing.print_sheets(db.session, [voucher], printer())
    return pdf_response(sheets, filename, no_store=True)


@bp.post("/vouchers/print")
@spec.validate(json=PrintIn, resp=responses(problems=(404, 409)), tags=["vouchers"])
@role_required(*WRITERS)
def print_vouchers(json: PrintIn):
    """Several vouchers on A4 sheets, four a page, in the order given (a repeated id is
    printed once). 422 for an empty list or more than 5,000; 404 if any id is not a
    voucher of the parish; 409 `not_active` if any is no longer live."""
    vouchers = printing.vouchers_for_print(db.session, parish_id(), json.ids)
    sheets = printing.print_sheets(db.session, vouchers, printer())
    return pdf_response(sheets, f"vales-{len(vouchers)}.pdf", no_store=True)


# --- rounds ----------------------------------------------------------------------------------


@bp.post("/programs/<int:program_id>/rounds")
@spec.validate(
    json=RoundIn,
    resp=responses(HTTP_201=RoundOut, problems=(404, 409)),
    tags=["vouchers"],
)
@idempotent()
@role_required(*WRITERS)
def issue_round(program_id, json: RoundIn):
    """One voucher to every active household enrolled in the program that has not had
    its vouchers this cycle. All or nothing: 409 `insufficient_fund` issues none."""
    program = get_scoped(Program, program_id)
    result = rounds.issue_round(db.session, program=program, **issuer())
    return RoundOut(
        id=result.round.id,
        program_id=program.id,
        cycle_key=result.round.cycle_key,
        issued=len(result.voucher_ids),
        total=result.round.total,
        voucher_ids=result.voucher_ids,
        skipped=[Skipped(**s) for s in result.skipped],
    ).model_dump(mode="json"), 201


@bp.get("/rounds/<int:round_id>/pdf")
@spec.validate(resp=responses(problems=(404, 409)), tags=["vouchers"])
@role_required(*WRITERS)
def round_pdf(round_id: int):
    """The round's vouchers that are still live, in serial order, four a page. 409
    `not_active` when none is left to print."""
    issue = get_scoped(Round, round_id)
    sheets = printing.print_round(db.session, issue, printer())
    return pdf_response(sheets, f"ronda-{round_id}.pdf", no_store=True)


@bp.get("/rounds/<int:round_id>/delivery.pdf")
@spec.validate(resp=responses(problems=(404,)), tags=["vouchers"])
@role_required(*WRITERS)
def round_delivery_pdf(round_id: int):
    """The round's delivery list (acta de entrega): one line per voucher in the order the
    round's PDF prints them, with the family, its document, program, value, expiry and a
    line to sign."""
    listing = delivery.round_delivery(db.session, get_scoped(Round, round_id), today=_today())
    return pdf_response(delivery.delivery_pdf(listing), f"{listing.filename}.pdf")


@bp.get("/rounds/<int:round_id>/delivery.csv")
@spec.validate(query=DeliveryQuery, resp=responses(problems=(404,)), tags=["vouchers"])
@role_required(*WRITERS)
def round_delivery_csv(round_id, query: DeliveryQuery):
    """The same list as CSV (UTF-8 with BOM; `sep=;` for Spanish Excel)."""
    listing = delivery.round_delivery(db.session, get_scoped(Round, round_id), today=_today())
    return csv_response(delivery.delivery_csv(listing, query.sep), f"{listing.filename}.csv")


file_response("/api/v1/vouchers/{voucher_id}/pdf", "get", "application/pdf")
file_response("/api/v1/rounds/{round_id}/delivery.pdf", "get", "application/pdf")
file_response("/api/v1/rounds/{round_id}/delivery.csv", "get", "text/csv")
file_response("/api/v1/vouchers/print", "post", "application/pdf")
file_response("/api/v1/rounds/{round_id}/pdf", "get", "application/pdf")
