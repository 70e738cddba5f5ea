"""API endpoints: shops, looking a voucher up by its code, redemptions and voids
(contract: shared/design/api.md). The same services as the shopkeeper's phone."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from flask import request
from pydantic import BaseModel, Field, StrictInt, StrictStr

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
from voucher.api.me import ParishRef
from voucher.auth.access import parish_id, require_actor, role_required, shop_id
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.db import valid_id
from voucher.errors import NotFound
from voucher.extensions import db
from voucher.i18n import parish_timezone
from voucher.parishes.models import Parish
from voucher.shops import queries, services, sharing, till
from voucher.shops.models import Shop, ShopJoinRequest
from voucher.sqlite import reads_then_writes
from voucher.vouchers.models import Redemption, Voucher
from voucher.vouchers.rules import effective_status
from voucher.vouchers.services import state_of

Category = Literal["food", "hygiene"]
VoucherStatusName = Literal["active", "redeemed", "expired", "cancelled"]


# --- shops ----------------------------------------------------------------------------


class ShopIn(Strict):
    name: StrictStr = Field(max_length=120)
    rut: StrictStr = Field(max_length=20, description="Any format: 76.086.428-5, 760864285…")
    categories: list[Category] = Field(
        default_factory=lambda: ["food", "hygiene"], description="Voucher kinds it accepts."
    )
    owner_name: StrictStr = Field("", max_length=120)
    address: StrictStr = Field("", max_length=200)
    phone: StrictStr = Field("", max_length=30)
    payment_details: StrictStr = Field(
        "", max_length=500, description="Bank account or how the parish pays it."
    )


class ShopOut(BaseModel):
    id: int
    name: str
    rut: str = Field(description="Normalised: 76086428-5.")
    categories: list[Category]
    owner_name: str = Field(description="Empty unless this parish owns the shop.")
    address: str
    phone: str = Field(description="Empty unless this parish owns the shop.")
    active: bool = Field(description="Takes vouchers of this parish (enrolled and not paused).")
    owned: bool = Field(
        True,
        description="This parish registered the shop: only the owning parish edits it and "
        "makes its accounts.",
    )


class ShopList(Page):
    items: list[ShopOut]


class EnrolmentIn(Strict):
    rut: StrictStr | None = Field(
        None,
        max_length=20,
        description="The shop's RUT, any format (optional): another shop's RUT answers 404.",
    )


class EnrolmentOut(BaseModel):
    shop_id: int
    parish: ParishRef
    active: bool = Field(description="The shop takes this parish's vouchers now.")
    status: Literal["enrolled", "pending"] = Field(
        description="`pending`: asked to join a shop another parish registered; it takes "
        "this parish's vouchers once its shopkeeper or the owning parish accepts."
    )
    request_id: int | None = Field(None, description="The waiting request, when pending.")


class JoinRequestOut(BaseModel):
    id: int
    shop_id: int
    shop_name: str
    parish: ParishRef
    status: Literal["pending", "accepted", "declined"]
    requested_at: dt.datetime
    decided_at: dt.datetime | None = None


class JoinRequestList(BaseModel):
    items: list[JoinRequestOut]


def _shop_out(shop: Shop, enrolled: bool, parish: int | None = None) -> ShopOut:
    owned = parish is None or services.owns(shop, parish)
    hidden = {} if owned else {"owner_name": "", "phone": ""}
    return out_of(ShopOut, shop, active=bool(enrolled and shop.active), owned=owned, **hidden)


def _join_request_out(asked: ShopJoinRequest) -> JoinRequestOut:
    parish = db.session.get(Parish, asked.parish_id)
    return JoinRequestOut(
        id=asked.id,
        shop_id=asked.shop_id,
        shop_name=asked.shop.name,
        parish=ParishRef(slug=parish.slug, name=parish.name),
        status=asked.status,
        requested_at=asked.created_at,
        decided_at=asked.decided_at,
    )


@bp.post("/shops")
@spec.validate(json=ShopIn, resp=responses(HTTP_201=ShopOut, problems=(409,)), tags=["shops"])
@role_required(Role.ADMIN)
def create_shop(json: ShopIn):
    """Register a shop and enrol it in the admin's parish, which owns it: only this
    parish edits it and makes its accounts. A RUT already registered (by any parish)
    answers 409 with `existing_id`: ask to join that shop instead (`POST
    /api/v1/shops/{existing_id}/enrolment`)."""
    user = require_actor()
    shop = services.create_shop(db.session, services.ShopInput(**json.model_dump()), user)
    services.enrol_shop(db.session, shop, parish_id(), user)
    return _shop_out(shop, True), 201


@bp.get("/shops")
@spec.validate(query=PageQuery, resp=responses(HTTP_200=ShopList), tags=["shops"])
@role_required(Role.ADMIN, Role.TREASURER)
def list_shops(query: PageQuery):
    """Shops enrolled in the parish, now or before (`active` says which take vouchers).
    A shop another parish registered (`owned: false`) shows no owner name or phone."""
    pid = parish_id()
    shops, cursor = paginate(queries.parish_shops(pid), Shop.id, query.limit, query.cursor)
    enrolled = queries.enrolled_now(db.session, pid, [s.id for s in shops])
    return ShopList(items=[_shop_out(s, s.id in enrolled, pid) for s in shops], next=cursor)


@bp.post("/shops/<int:shop_id>/enrolment")
@spec.validate(
    json=EnrolmentIn,
    resp=responses(HTTP_201=EnrolmentOut, HTTP_202=EnrolmentOut, problems=(404, 409)),
    tags=["shops"],
)
@role_required(Role.ADMIN)
def enrol_shop(shop_id, json: EnrolmentIn):
    """Take part in a registered shop. A shop this parish registered or already joined
    is enrolled again if paused (201); 409 `already_enrolled` if it takes part now. A
    shop another parish registered answers 202 with `status: "pending"`: a request its
    shopkeeper or the owning parish's admin accepts (`POST
    /api/v1/shops/join-requests/{id}/accept`); until then the shop takes none of this
    parish's vouchers. Asking again while it waits answers the same request. With
    `rut`, a shop whose RUT differs answers 404."""
    user = require_actor()
    shop = db.session.get(Shop, shop_id) if valid_id(shop_id) else None
    if shop is None or (json.rut is not None and not services.same_rut(shop, json.rut)):
        raise NotFound()
    answer = sharing.take_part(db.session, shop, parish_id(), user)
    parish = ParishRef(slug=user.parish.slug, name=user.parish.name)
    if isinstance(answer, ShopJoinRequest):
        return EnrolmentOut(
            shop_id=shop.id, parish=parish, active=False, status="pending", request_id=answer.id
        ), 202
    return EnrolmentOut(shop_id=shop.id, parish=parish, active=True, status="enrolled"), 201


@bp.get("/shops/join-requests")
@spec.validate(resp=responses(HTTP_200=JoinRequestList), tags=["shops"])
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def list_join_requests():
    """Requests waiting for the caller's answer: to the shopkeeper, those to join their
    shop; to an admin, those to join the shops their parish registered, then the
    parish's own requests still waiting for another's answer."""
    user = require_actor()
    waiting = sharing.requests_to_decide(db.session, user)
    if user.role == Role.ADMIN:
        waiting += sharing.requests_sent(db.session, parish_id())
    return JoinRequestList(items=[_join_request_out(r) for r in waiting])


def _decide(request_id, accept: bool) -> JoinRequestOut:
    user = require_actor()
    asked = sharing.get_request_to_decide(db.session, user, request_id)
    return _join_request_out(sharing.decide(db.session, asked, accept, user))


@bp.post("/shops/join-requests/<int:request_id>/accept")
@spec.validate(resp=responses(HTTP_200=JoinRequestOut, problems=(404, 409)), tags=["shops"])
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def accept_join_request(request_id):
    """The shop's shopkeeper or the owning parish's admin accepts: the shop takes the
    asking parish's vouchers from now on. Anyone else: 404; answered already: 409
    `not_pending`."""
    return _decide(request_id, True)


@bp.post("/shops/join-requests/<int:request_id>/decline")
@spec.validate(resp=responses(HTTP_200=JoinRequestOut, problems=(404, 409)), tags=["shops"])
@role_required(Role.ADMIN, Role.SHOPKEEPER)
def decline_join_request(request_id):
    """As accept, but the shop does not take part in that parish."""
    return _decide(request_id, False)


# --- a voucher by its code -----------------------------------------------------------


class VoucherByCode(BaseModel):
    serial: str
    status: VoucherStatusName = Field(description="An active voucher past expires_on is expired.")
    amount: int = Field(description="Face value, integer pesos.")
    remaining: int = Field(description="Value left, integer pesos.")
    category: Category
    expires_on: dt.date
    parish: ParishRef
    redeemable: bool = Field(description="Whether this shop can charge it now.")
    reason: str | None = Field(
        None, description="Why not: already_used, expired, cancelled, category_not_accepted…"
    )
    message: str | None = Field(None, description="The reason in words, for the screen.")


@bp.get("/vouchers/by-code/<string:code>")
@reads_then_writes  # the only write is the scan log
@spec.validate(
    resp=responses(HTTP_200=VoucherByCode, problems=(404, 410, 429)),
    tags=["redemptions"],
)
@role_required(Role.SHOPKEEPER, Role.STAFF)
def voucher_by_code(code: str):
    """What a shop sees before charging: value left, category, expiry, and whether this
    shop can take it (no personal data). Every lookup is kept in the scan log; too many
    unknown codes answer 429 with Retry-After. Parish staff find only their parish's
    vouchers; replaced codes answer 410."""
    seen = till.look_up(code)
    voucher = seen.voucher
    status = effective_status(state_of(voucher), local_today(seen.parish.timezone))
    return VoucherByCode(
        serial=voucher.serial,
        status=status.value,
        amount=voucher.amount,
        remaining=voucher.remaining,
        category=voucher.category.value,
        expires_on=voucher.expires_on,
        parish=ParishRef(slug=seen.parish.slug, name=seen.parish.name),
        redeemable=seen.redeemable,
        reason=seen.refusal.reason if seen.refusal else None,
        message=seen.refusal.detail if seen.refusal else None,
    )


# --- redemptions -----------------------------------------------------------------------


class RedemptionIn(Strict):
    code: StrictStr = Field(
        max_length=300, description="As printed (XXXX-XXXX-XXXX-C, any case) or the QR's URL."
    )
    amount: StrictInt = Field(description="Integer pesos, 1..remaining.")


class VoucherAfter(BaseModel):
    serial: str
    remaining: int
    status: VoucherStatusName


class RedemptionOut(BaseModel):
    id: int
    amount: int
    created_at: dt.datetime
    voucher: VoucherAfter
    device_id: int | None = Field(
        None, description="The paired phone that charged it (null: a person's login)."
    )


class RedemptionItem(RedemptionOut):
    status: Literal["committed", "voided"]
    settled: bool = Field(description="Already paid to the shop (can no longer be voided).")
    voided_at: dt.datetime | None = None


class RedemptionList(Page):
    items: list[RedemptionItem]


class RedemptionQuery(PageQuery):
    date: dt.date | None = Field(None, description="Local day (default: today).")


class VoidIn(Strict):
    reason: StrictStr = Field("", max_length=200)


class VoidOut(BaseModel):
    id: int
    status: Literal["voided"]


def _voucher_after(voucher: Voucher) -> VoucherAfter:
    return VoucherAfter(
        serial=voucher.serial, remaining=voucher.remaining, status=voucher.status.value
    )


@bp.post("/redemptions")
@reads_then_writes  # the conditional UPDATE and the unique key re-check what was read
@spec.validate(
    json=RedemptionIn,
    resp=responses(HTTP_201=RedemptionOut, problems=(404, 409, 410, 429)),
    tags=["redemptions"],
)
@role_required(Role.SHOPKEEPER)
@idempotent(required=True)
def create_redemption(json: RedemptionIn):
    """Charge `amount` pesos of a voucher at the caller's shop. Requires an
    `Idempotency-Key` header: a retry with the same key answers the original response
    and never charges twice (the same key with another body is 422). When no answer
    arrives (network error, timeout, 502/503/504), send the same request with the same
    key again, with growing pauses, until a definite answer: 201 is the charge, a 4xx
    problem a refusal with nothing charged. Refusals carry a
    `reason`: 404 unknown_code; 409 already_used / insufficient_balance; 410 expired /
    cancelled; 403 category_not_accepted / shop_not_enrolled; 422 bad_amount; 429
    rate_limited (with Retry-After)."""
    done = till.charge(json.code, json.amount, request.headers.get("Idempotency-Key", ""))
    return RedemptionOut(
        id=done.id,
        amount=done.amount,
        created_at=done.created_at,
        voucher=_voucher_after(done.voucher),
        device_id=done.device_id,
    ), 201


@bp.post("/redemptions/<int:redemption_id>/void")
@spec.validate(
    json=VoidIn,
    resp=responses(HTTP_200=VoidOut, problems=(404, 409)),
    tags=["redemptions"],
)
@role_required(Role.SHOPKEEPER, Role.TREASURER)
@idempotent()
def void_redemption(redemption_id, json: VoidIn):
    """Undo a redemption: the value returns to the voucher. The shop may do it within
    15 minutes (later: 409 too_late), the parish treasurer at any time; a settled one
    is 409 settled, an already voided one 409 already_voided."""
    done = till.void(redemption_id, json.reason.strip())
    return VoidOut(id=done.id, status="voided")


@bp.get("/redemptions")
@spec.validate(query=RedemptionQuery, resp=responses(HTTP_200=RedemptionList), tags=["redemptions"])
@role_required(Role.SHOPKEEPER)
def list_redemptions(query: RedemptionQuery):
    """The caller's shop's redemptions of one local day, newest first (voided ones
    included, marked)."""
    tz = parish_timezone()
    day = queries.shop_day(shop_id(), query.date or local_today(tz), tz)
    rows, cursor = paginate(day, Redemption.id, query.limit, query.cursor)
    items = [
        RedemptionItem(
            id=r.id,
            amount=r.amount,
            created_at=r.created_at,
            voucher=_voucher_after(r.voucher),
            device_id=r.device_id,
            status=r.status.value,
            settled=r.settlement_id is not None,
            voided_at=r.voided_at,
        )
        for r in rows
    ]
    return RedemptionList(items=items, next=cursor)
