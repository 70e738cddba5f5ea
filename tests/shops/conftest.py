"""Vouchers ready to redeem (``factories.Issuer``), and one refused code per reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from voucher.dates import format_date, local_today
from voucher.db import utcnow
from voucher.oversight.verify import verify_parish
from voucher.vouchers.codes import format_code, generate_code
from voucher.vouchers.keys import code_keys
from voucher.vouchers.models import Redemption
from voucher.vouchers.services import Issued, cancel_voucher, replace_voucher


@pytest.fixture
def issue(db, world) -> factories.Issuer:
    """``issue(amount=15000, category="food", parish="a")`` -> Issued(voucher, code)."""
    return factories.Issuer(db.session, world)


def unknown_code() -> str:
    """A well-formed code (its check symbol matches) that no voucher has."""

    return format_code(generate_code())


def typo_of(code: str) -> str:
    """The same code with one symbol changed: the check symbol catches it."""
    first = "2" if code[0] != "2" else "3"
    return first + code[1:]


def age_redemption(db, redemption_id: int, minutes: int) -> None:
    """Pretend a redemption happened ``minutes`` ago."""
    db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == redemption_id)
        .values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()
    db.session.expire_all()


def books_ok(db, world, parish: str = "a") -> None:
    db.session.expire_all()
    report = verify_parish(db.session, world.parishes[parish])
    assert report.ok, report.failures


@pytest.fixture
def redeem_now(db, world):
    """Redeem through the service as parish a's shopkeeper -> the Redemption."""

    def _redeem(issued: Issued, amount: int, key: str | None = None, parish: str = "a"):
        keeper, shop = world.users[(parish, "shopkeeper")], world.shops[parish]
        done = factories.charge(
            db.session, keeper, shop, issued.code, amount, key=key, ip="10.0.0.9"
        )
        db.session.commit()
        return done

    return _redeem


# --- one voucher (or code) for each refusal reason -----------------------------------------

REFUSALS = ["unknown", "typo", "used", "expired", "cancelled", "replaced", "category", "enrolled"]
LOST = {"unknown", "typo", "replaced"}  # no voucher to show


@dataclass
class Refused:
    kind: str
    code: str
    reason: str
    status: int
    message: str


@pytest.fixture
def refused(request, issue, db, world):
    """A code refused for one reason (``request.param``), with what a shop should see."""
    kind = request.param
    s = db.session
    staff = world.users[("a", "staff")]
    if kind == "unknown":
        message = "Código no encontrado. Revise que esté bien escrito."
        return Refused(kind, unknown_code(), "unknown_code", 404, message)
    issued = issue(15000)
    if kind == "typo":
        message = "El código tiene un error de tipeo. Revise cada carácter."
        return Refused(kind, typo_of(issued.code), "unknown_code", 404, message)
    if kind == "used":
        factories.charge(s, world.users[("a", "shopkeeper")], world.shops["a"], issued.code, 15000)
        s.commit()
        today = format_date(local_today())
        message = f"Este vale ya fue usado por completo el {today} en {world.shops['a'].name}."
        return Refused(kind, issued.code, "already_used", 409, message)
    if kind == "expired":
        old = issue(15000, validity=5, today=local_today() - timedelta(days=10))
        message = f"Vale vencido el {format_date(old.voucher.expires_on)}."
        return Refused(kind, old.code, "expired", 410, message)
    if kind == "cancelled":
        cancel_voucher(s, issued.voucher, reason="Perdido", user=staff)
        s.commit()
        return Refused(kind, issued.code, "cancelled", 410, "Vale anulado por la parroquia.")
    if kind == "replaced":
        replace_voucher(s, issued.voucher, reason="Perdido", user=staff, keys=code_keys())
        s.commit()
        message = "Vale reemplazado: pida el vale nuevo en la parroquia. Este papel ya no sirve."
        return Refused(kind, issued.code, "cancelled", 410, message)
    if kind == "category":
        hygiene = issue(8000, category="hygiene")
        world.shops["a"].accepts_hygiene = False
        s.commit()
        message = "Este comercio no acepta vales de Higiene."
        return Refused(kind, hygiene.code, "category_not_accepted", 403, message)
    other = issue(15000, parish="b")
    message = "Su comercio no está adherido a los vales de la Parroquia San Esteban."
    return Refused(kind, other.code, "shop_not_enrolled", 403, message)
