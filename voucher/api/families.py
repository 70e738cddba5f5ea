"""API endpoints: families, programs and enrolments (contract: shared/design/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr

from voucher.api.core import (
    Page,
    PageQuery,
    Strict,
    bp,
    example,
    out_of,
    paginate,
    responses,
    spec,
)
from voucher.auth.access import get_scoped, parish_id, require_actor, role_required
from voucher.auth.models import Role
from voucher.errors import ValidationFailed
from voucher.extensions import db
from voucher.families import queries as family_queries
from voucher.families import services as families
from voucher.families.models import Family
from voucher.programs import queries as program_queries
from voucher.programs import services as programs
from voucher.programs.models import Enrolment, Program

FAMILY_ROLES = (Role.STAFF, Role.ADMIN)
PROGRAM_READERS = (Role.STAFF, Role.ADMIN, Role.TREASURER)
MIXED_HOUSEHOLD = _l("Envíe household_size, o bien household_adults y household_children.")


# --- families ------------------------------------------------------------------------------


class FamilyIn(Strict):
    model_config = example(
        {
            "head_name": "María Soto Pérez",
            "document_type": "rut",
            "document_number": "12.345.678-5",
            "household_adults": 2,
            "household_children": 3,
            "address": "Pasaje Los Aromos 1234",
            "sector": "Villa Esperanza",
            "phone": "+56 9 1234 5678",
            "consent": True,
        }
    )

    head_name: StrictStr = Field(max_length=120)
    document_type: Literal["rut", "passport", "other"]
    document_number: StrictStr = Field(
        max_length=40, description="Any format: '12.345.678-5', '123456785'…"
    )
    household_size: StrictInt | None = Field(
        None,
        ge=1,
        le=families.MAX_HOUSEHOLD,
        description="People in the household (all counted as adults); or send "
        "household_adults and household_children.",
    )
    household_adults: StrictInt | None = Field(None, ge=0, le=families.MAX_HOUSEHOLD)
    household_children: StrictInt | None = Field(None, ge=0, le=families.MAX_HOUSEHOLD)
    address: StrictStr | None = Field(None, max_length=200)
    sector: StrictStr | None = Field(None, max_length=80)
    phone: StrictStr | None = Field(None, max_length=30)
    notes: StrictStr | None = Field(None, max_length=2000)
    consent: StrictBool = Field(
        description="The household agreed to have its data kept; must be true."
    )
    other_family_reason: StrictStr | None = Field(
        None,
        max_length=families.MAX_REASON,
        description="Why this is another family, when a close name is registered at the "
        "same address or phone (otherwise that is a 409 `possible_duplicate`).",
    )


class FamilyOut(BaseModel):
    id: int
    head_name: str
    document_type: str
    document_number: str = Field(description="Normalised; a RUT as 12345678-5.")
    household_size: int
    household_adults: int
    household_children: int
    address: str
    sector: str
    phone: str
    active: bool
    anonymised: bool
    consent_at: datetime
    created_at: datetime
    registered_in_other_parish: bool | None = Field(
        None,
        description="On registration: the document is also registered in another parish "
        "of the deployment (which one is never said); null elsewhere or when the "
        "deployment turned the check off.",
    )


class FamilyList(Page):
    items: list[FamilyOut]


class FamilyQuery(PageQuery):
    q: str = Field("", max_length=100, description="Name (accents ignored) or document.")


def family_out(family: Family, **given) -> FamilyOut:
    return out_of(
        FamilyOut,
        family,
        anonymised=family.anonymised_at is not None,
        **{"registered_in_other_parish": None, **given},
    )


def _household(body: FamilyIn) -> tuple[int, int]:
    """``household_size`` counts everyone as adults; it cannot be mixed with the split."""
    if body.household_size is not None:
        if body.household_adults is not None or body.household_children is not None:
            raise ValidationFailed([("household_size", MIXED_HOUSEHOLD)])
        return body.household_size, 0
    adults = 1 if body.household_adults is None else body.household_adults
    children = 0 if body.household_children is None else body.household_children
    return adults, children


@bp.post("/families")
@spec.validate(
    json=FamilyIn, resp=responses(HTTP_201=FamilyOut, problems=(409,)), tags=["families"]
)
@role_required(*FAMILY_ROLES)
def create_family(json: FamilyIn):
    """Register a household. A bad RUT is a 422 on `document_number` with the expected
    check digit; a document already registered in the parish is a 409 with `existing_id`;
    a close name at the same address or phone a 409 `possible_duplicate` with
    `existing_id`, unless `other_family_reason` says why it is another family."""
    adults, children = _household(json)
    data = families.FamilyInput(
        head_name=json.head_name,
        document_type=json.document_type,
        document_number=json.document_number,
        household_adults=adults,
        household_children=children,
        address=json.address or "",
        sector=json.sector or "",
        phone=json.phone or "",
        notes=json.notes or "",
        consent=json.consent,
    )
    try:
        family = families.create_family(
            db.session,
            parish_id(),
            data,
            require_actor(),
            other_family_reason=json.other_family_reason or "",
        )
    except ValidationFailed as error:
        if json.household_size is not None:
            # The caller sent household_size: name the field it knows.
            error.errors = [
                ("household_size" if field == "household_adults" else field, message)
                for field, message in error.errors
            ]
        raise
    elsewhere = families.check_other_parishes(db.session, family, require_actor())
    return family_out(family, registered_in_other_parish=elsewhere), 201


@bp.get("/families")
@spec.validate(query=FamilyQuery, resp=responses(HTTP_200=FamilyList), tags=["families"])
@role_required(*FAMILY_ROLES)
def list_families(query: FamilyQuery):
    """The parish's households, newest first; `q` matches a name (accents and case
    ignored) or a document in any format."""
    rows, next_cursor = paginate(
        family_queries.search(db.session, parish_id(), query.q),
        Family.id,
        query.limit,
        query.cursor,
    )
    return FamilyList(items=[family_out(f) for f in rows], next=next_cursor)


@bp.get("/families/<int:family_id>")
@spec.validate(resp=responses(HTTP_200=FamilyOut, problems=(404,)), tags=["families"])
@role_required(*FAMILY_ROLES)
def get_family(family_id: int):
    """One household of the parish (another parish's answers 404). The view is logged."""
    family = get_scoped(Family, family_id)
    families.record_view(db.session, family, require_actor())
    return family_out(family)


# --- programs ------------------------------------------------------------------------------


class ProgramIn(Strict):
    model_config = example(
        {
            "name": "Canasta familiar",
            "category": "food",
            "voucher_amount": 20000,
            "validity_days": 30,
            "cycle": "monthly",
            "per_cycle_limit": 1,
        }
    )

    name: StrictStr = Field(max_length=120)
    category: Literal["food", "hygiene"]
    voucher_amount: StrictInt = Field(description="Integer pesos.")
    validity_days: StrictInt
    cycle: Literal["monthly", "once"]
    per_cycle_limit: StrictInt = 1
    active: StrictBool = True
    allotment: Literal["flat", "household"] = Field(
        "flat",
        description="flat: every household gets voucher_amount; household: "
        "min(voucher_amount_cap, voucher_amount + extra_member_amount × (household_size − 1)).",
    )
    extra_member_amount: StrictInt = Field(0, description="Pesos per member beyond the first.")
    voucher_amount_cap: StrictInt | None = Field(None, description="Null: no cap.")


class ProgramOut(BaseModel):
    id: int
    name: str
    category: str
    voucher_amount: int
    validity_days: int
    cycle: str
    per_cycle_limit: int
    active: bool
    fund_available: int
    allotment: str
    extra_member_amount: int
    voucher_amount_cap: int | None


class ProgramList(Page):
    items: list[ProgramOut]


def program_out(program: Program) -> ProgramOut:
    return out_of(ProgramOut, program)


@bp.post("/programs")
@spec.validate(
    json=ProgramIn, resp=responses(HTTP_201=ProgramOut, problems=(409,)), tags=["programs"]
)
@role_required(Role.ADMIN)
def create_program(json: ProgramIn):
    """Create a program (its fund starts at $0); a name already used is a 409."""
    data = programs.ProgramInput(**json.model_dump())
    program = programs.create_program(db.session, parish_id(), data, require_actor())
    return program_out(program), 201


@bp.get("/programs")
@spec.validate(query=PageQuery, resp=responses(HTTP_200=ProgramList), tags=["programs"])
@role_required(*PROGRAM_READERS)
def list_programs(query: PageQuery):
    """The parish's programs, newest first."""
    rows, next_cursor = paginate(
        program_queries.programs_query(parish_id()), Program.id, query.limit, query.cursor
    )
    return ProgramList(items=[program_out(p) for p in rows], next=next_cursor)


@bp.get("/programs/<int:program_id>")
@spec.validate(resp=responses(HTTP_200=ProgramOut, problems=(404,)), tags=["programs"])
@role_required(*PROGRAM_READERS)
def get_program(program_id: int):
    """One program of the parish (another parish's answers 404)."""
    return program_out(get_scoped(Program, program_id))


# --- enrolments ----------------------------------------------------------------------------


class ProgramEnrolmentIn(Strict):
    model_config = example({"family_id": 1})

    family_id: StrictInt


class ProgramEnrolmentOut(BaseModel):
    id: int
    program_id: int
    family_id: int
    created_at: datetime


@bp.post("/programs/<int:program_id>/enrolments")
@spec.validate(
    json=ProgramEnrolmentIn,
    resp=responses(HTTP_201=ProgramEnrolmentOut, problems=(404, 409)),
    tags=["programs"],
)
@role_required(*FAMILY_ROLES)
def enrol_family(program_id, json: ProgramEnrolmentIn):
    # program_id carries no annotation: once a view has annotations besides the request
    # models, spectree evaluates these (string) annotations in the globals of the
    # outermost wrapper, role_required's module, where ProgramEnrolmentIn is not defined.
    """Enrol a household in a program. A program or family of another parish is a 404;
    a family already enrolled is a 409 `already_enrolled`, a deactivated one a 409."""
    program = get_scoped(Program, program_id)
    family = get_scoped(Family, json.family_id)
    enrolment: Enrolment = programs.enrol_family(db.session, program, family, require_actor())
    return out_of(ProgramEnrolmentOut, enrolment), 201
