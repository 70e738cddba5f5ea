"""The field names of the API's objects as shared/design/api.md gives them: clients rely
on exactly these, so the tests spell them out here, once, instead of reading them from
the app's own models."""

from __future__ import annotations

import re

PROGRAM = {
    "id",
    "name",
    "category",
    "voucher_amount",
    "validity_days",
    "cycle",
    "per_cycle_limit",
    "active",
    "fund_available",
    "allotment",
    "extra_member_amount",
    "voucher_amount_cap",
}
FAMILY = {
    "id",
    "head_name",
    "document_type",
    "document_number",
    "household_size",
    "address",
    "sector",
    "phone",
    "active",
    "created_at",
}
VOUCHER = {
    "id",
    "serial",
    "program_id",
    "family_id",
    "category",
    "amount",
    "remaining",
    "issued_on",
    "expires_on",
    "status",
}
SHOP = {"id", "name", "rut", "categories", "owner_name", "address", "phone", "active"}
FUND = {"id", "program_id", "amount", "received_on", "source", "reference"}
CODE = re.compile(
    r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-Z*~$=U]$"
)
PROGRAM_REPORT = {
    "id",
    "name",
    "funded",
    "issued",
    "redeemed",
    "expired",
    "cancelled",
    "outstanding",
}
