"""Test data as plain functions over the real services, for every domain's tests.

``core``: one object at a time (people, shops, households, programs, funds, vouchers,
redemptions, settlements); ``worlds``: the worlds each domain's tests start from;
``api_world``: objects in every state the API talks about; ``history``: the past,
redemptions and payments at chosen moments."""

from tests.factories.api_world import Seed, api_world
from tests.factories.core import (
    PASSWORD,
    RUTS,
    ApiClient,
    World,
    build_world,
    charge,
    family,
    fund,
    issue,
    program,
    rut_for,
    settle_all,
    shop,
    user,
)
from tests.factories.history import past_payments, past_redemptions
from tests.factories.worlds import Books, Issuer, Scheme, Treasury, books, scheme, treasury
from voucher.auth.models import Role

__all__ = [
    "PASSWORD",
    "RUTS",
    "ApiClient",
    "Books",
    "Issuer",
    "Role",
    "Scheme",
    "Seed",
    "Treasury",
    "World",
    "api_world",
    "books",
    "build_world",
    "charge",
    "family",
    "fund",
    "issue",
    "past_payments",
    "past_redemptions",
    "program",
    "rut_for",
    "scheme",
    "settle_all",
    "shop",
    "treasury",
    "user",
]
