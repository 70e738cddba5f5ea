"""API: who am I."""

from __future__ import annotations

from flask import g
from pydantic import BaseModel

from voucher.api.core import bp, responses, spec
from voucher.auth.access import login_required_any


class ParishRef(BaseModel):
    slug: str
    name: str


class Me(BaseModel):
    id: int
    email: str
    name: str
    role: str
    parish: ParishRef | None
    shop_id: int | None


@bp.get("/me")
@spec.validate(resp=responses(HTTP_200=Me), tags=["account"])
@login_required_any
def me():
    """The user the token belongs to, with role and parish."""
    user = g.api_user
    parish = ParishRef(slug=user.parish.slug, name=user.parish.name) if user.parish else None
    return Me(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role.value,
        parish=parish,
        shop_id=user.shop_id,
    )
