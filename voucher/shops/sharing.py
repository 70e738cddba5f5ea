"""Shared shops: one owning parish per shop, and other parishes joining it only with
consent.

The parish that registered a shop owns it: only its admin edits the shop (identity,
bank details) and makes or manages its shopkeepers' accounts. Another parish asks to
join by the shop's RUT (or its id, on the API); the shop's shopkeeper or the owning
parish's admin accepts or declines. Until then the shop takes none of that parish's
vouchers and that parish sees nothing of it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.auth.models import Role
from voucher.db import utcnow, valid_id
from voucher.errors import Conflict, NotFound
from voucher.shops.models import JoinStatus, Shop, ShopJoinRequest, ShopParish
from voucher.shops.queries import enrolment
from voucher.shops.services import AlreadyEnrolledShop, enrol_shop, link_shop, owns


class RequestNotPending(Conflict):
    reason = "not_pending"
    message = _l("Esta solicitud ya fue respondida.")


def pending_request(session: Session, shop_id: int, parish_id: int) -> ShopJoinRequest | None:
    return session.scalar(
        sa.select(ShopJoinRequest).where(
            ShopJoinRequest.shop_id == shop_id,
            ShopJoinRequest.parish_id == parish_id,
            ShopJoinRequest.status == JoinStatus.PENDING,
        )
    )


def request_to_join(session: Session, shop: Shop, parish_id: int, user: Any) -> ShopJoinRequest:
    """Parish ``parish_id`` asks to take part in ``shop``. Refuses a shop the parish
    already takes part in (409 ``already_enrolled``: resume a paused one instead); asking
    again while a request waits answers that same request."""
    if enrolment(session, shop, parish_id) is not None or owns(shop, parish_id):
        raise AlreadyEnrolledShop()
    waiting = pending_request(session, shop.id, parish_id)
    if waiting is not None:
        return waiting
    asked = ShopJoinRequest(
        shop_id=shop.id,
        parish_id=parish_id,
        status=JoinStatus.PENDING,
        requested_by_id=getattr(user, "id", None),
    )
    session.add(asked)
    session.flush()
    # Seen by the asking parish, and by the owning parish (with the shop).
    record(session, "shop_join_requested", user=user, parish_id=parish_id, obj=shop)
    record(
        session,
        "shop_join_requested",
        user=user,
        parish_id=shop.owner_parish_id,
        shop_id=shop.id,
        obj=asked,
        parish=parish_id,
    )
    return asked


def take_part(
    session: Session, shop: Shop, parish_id: int, user: Any
) -> ShopParish | ShopJoinRequest:
    """What an admin asking for a shop gets: a shop the parish owns or already joined is
    enrolled again if paused (409 ``already_enrolled`` when it takes part now); any other
    gets a request waiting for the shop's or the owning parish's answer."""
    if enrolment(session, shop, parish_id) is not None or owns(shop, parish_id):
        return enrol_shop(session, shop, parish_id, user)
    return request_to_join(session, shop, parish_id, user)


def may_decide(user: Any, shop: Shop) -> bool:
    """The shop's own shopkeeper, or the owning parish's admin (a shop nobody owns yet:
    its shopkeeper only)."""
    if user.role == Role.SHOPKEEPER:
        return user.shop_id == shop.id
    return user.role == Role.ADMIN and owns(shop, user.parish_id)


def get_request_to_decide(session: Session, user: Any, request_id: Any) -> ShopJoinRequest:
    """A join request ``user`` may answer; any other is 404."""
    asked = session.get(ShopJoinRequest, request_id) if valid_id(request_id) else None
    if asked is None or not may_decide(user, asked.shop):
        raise NotFound()
    return asked


def decide(session: Session, asked: ShopJoinRequest, accept: bool, user: Any) -> ShopJoinRequest:
    """Accept (the shop then takes the parish's vouchers) or decline a waiting request.
    Refuses one already answered (409 ``not_pending``)."""
    # A conditional UPDATE: of two answers sent at once, one wins and the other is 409.
    answered = session.execute(
        sa.update(ShopJoinRequest)
        .where(ShopJoinRequest.id == asked.id, ShopJoinRequest.status == JoinStatus.PENDING)
        .values(
            status=JoinStatus.ACCEPTED if accept else JoinStatus.DECLINED,
            decided_by_id=user.id,
            decided_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(asked)
    if answered != 1:
        raise RequestNotPending()
    shop = asked.shop
    if accept:
        if shop.owner_parish_id is None:
            shop.owner_parish_id = asked.parish_id
        link = enrolment(session, shop, asked.parish_id)
        if link is None or not link.active:
            link_shop(session, shop, asked.parish_id, user)
    action = "shop_join_accepted" if accept else "shop_join_declined"
    for parish_id in {asked.parish_id, shop.owner_parish_id}:
        if parish_id is not None:
            record(
                session,
                action,
                user=user,
                parish_id=parish_id,
                shop_id=shop.id,
                obj=asked,
                parish=asked.parish_id,
            )
    session.flush()
    return asked


def requests_to_decide(session: Session, user: Any) -> list[ShopJoinRequest]:
    """The waiting requests ``user`` may answer, oldest first."""
    query = sa.select(ShopJoinRequest).where(ShopJoinRequest.status == JoinStatus.PENDING)
    if user.role == Role.SHOPKEEPER:
        query = query.where(ShopJoinRequest.shop_id == user.shop_id)
    else:
        query = query.join(Shop, Shop.id == ShopJoinRequest.shop_id).where(
            Shop.owner_parish_id == user.parish_id
        )
    return list(session.scalars(query.order_by(ShopJoinRequest.id)))


def requests_sent(session: Session, parish_id: int) -> list[ShopJoinRequest]:
    """The parish's own requests still waiting for an answer, oldest first."""
    return list(
        session.scalars(
            sa.select(ShopJoinRequest)
            .where(
                ShopJoinRequest.parish_id == parish_id,
                ShopJoinRequest.status == JoinStatus.PENDING,
            )
            .order_by(ShopJoinRequest.id)
        )
    )
