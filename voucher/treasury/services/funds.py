"""Money received for a program."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.audit.services import record
from voucher.dates import in_sane_range, local_today
from voucher.db import valid_id
from voucher.errors import Duplicate, NotFound, ValidationFailed
from voucher.money import MAX_AMOUNT
from voucher.parishes.models import Parish
from voucher.programs import funds as program_funds
from voucher.programs.models import Program
from voucher.treasury.models import Donor, Fund, FundDonor


@dataclass
class FundInput:
    program_id: int
    amount: int
    received_on: date
    source: str
    reference: str = ""
    donor_id: int | None = None  # one of the treasurer's donors
    anonymous: bool = False  # the donor asked not to be named on papers


@dataclass
class DonorInput:
    name: str
    is_campaign: bool = False
    email: str = ""


def _check(parish: Parish, data: FundInput) -> str:
    """The cleaned source, or the field errors (422)."""
    errors = []
    amount = data.amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        errors.append(("amount", _l("Escriba un monto en pesos entre $1 y $100.000.000.")))
    if not in_sane_range(data.received_on):
        errors.append(("received_on", _l("Escriba una fecha entre el año 2000 y hoy.")))
    elif data.received_on > local_today(parish.timezone):
        errors.append(("received_on", _l("La fecha no puede ser futura.")))
    source = " ".join((data.source or "").split())
    if not source or len(source) > 120:
        errors.append(("source", _l("Escriba de dónde viene el dinero (máximo 120 caracteres).")))
    if len(data.reference or "") > 120:
        errors.append(("reference", _l("Demasiado largo (máximo %(n)s caracteres).", n=120)))
    if errors:
        raise ValidationFailed(errors)
    return source


def record_fund(session: Session, parish: Parish, data: FundInput, user: Any) -> Fund:
    """Money received for a program. Refuses another parish's program (404), a
    non-positive or huge amount, a future date and a missing source (422)."""
    program = session.get(Program, data.program_id) if isinstance(data.program_id, int) else None
    if program is None or program.parish_id != parish.id:
        raise NotFound()
    source = _check(parish, data)
    donor = _donor_of(session, parish, data.donor_id)
    fund = Fund(
        parish_id=parish.id,
        program_id=program.id,
        amount=data.amount,
        received_on=data.received_on,
        source=source,
        reference=(data.reference or "").strip(),
        recorded_by_id=getattr(user, "id", None),
    )
    session.add(fund)
    session.flush()
    if donor is not None or data.anonymous:
        session.add(
            FundDonor(
                fund_id=fund.id,
                donor_id=donor.id if donor is not None else None,
                anonymous=bool(data.anonymous),
            )
        )
        session.flush()
    program_funds.fund_received(
        session,
        parish_id=parish.id,
        program_id=program.id,
        fund_id=fund.id,
        amount=data.amount,
        received_on=data.received_on,
        user_id=getattr(user, "id", None),
        memo=f"{source} {fund.reference}".strip(),
    )
    record(
        session,
        "fund_recorded",
        user=user,
        parish_id=parish.id,
        obj=fund,
        amount=data.amount,
        program_id=program.id,
        donor_id=donor.id if donor is not None else None,
        anonymous=bool(data.anonymous),
    )
    return fund


def _donor_of(session: Session, parish: Parish, donor_id: Any) -> Donor | None:
    if donor_id is None:
        return None
    donor = session.get(Donor, donor_id) if valid_id(donor_id) else None
    if donor is None or donor.parish_id != parish.id:
        raise ValidationFailed([("donor_id", _l("Elija un donante de la lista."))])
    return donor


def create_donor(session: Session, parish: Parish, data: DonorInput, user: Any) -> Donor:
    """A donor (or campaign) on the treasurer's list. Refuses a missing or too long name or
    e-mail (422) and a name already on the list (409)."""
    name = " ".join((data.name or "").split())
    email = (data.email or "").strip()
    errors = []
    if not name or len(name) > 120:
        errors.append(("name", _l("Escriba el nombre (máximo 120 caracteres).")))
    if email and ("@" not in email or len(email) > 254 or " " in email):
        errors.append(("email", _l("Escriba un correo válido.")))
    if errors:
        raise ValidationFailed(errors)
    Duplicate.refuse_existing(
        session,
        sa.select(Donor.id).where(Donor.parish_id == parish.id, Donor.name == name),
        _l("Ese nombre ya está en la lista de donantes."),
        field="name",
    )
    donor = Donor(parish_id=parish.id, name=name, is_campaign=bool(data.is_campaign), email=email)
    session.add(donor)
    session.flush()
    record(session, "donor_created", user=user, parish_id=parish.id, obj=donor, name=name)
    return donor
