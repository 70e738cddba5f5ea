"""Vouchers ready to redeem, issued through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from voucher.dates import local_today
from voucher.families.services import FamilyInput, create_family
from voucher.programs.services import ProgramInput, create_program, enrol_family
from voucher.treasury.services import FundInput, record_fund
from voucher.vouchers.keys import code_keys
from voucher.vouchers.services import Issued, issue_voucher

_n = itertools.count(1)


class Issuer:
    """``issue(amount=15000, category="food", parish="a")`` -> Issued(voucher, code)."""

    def __init__(self, db, world):
        self.db = db
        self.world = world
        self.programs: dict[tuple[str, str, int], object] = {}

    def program(self, parish: str, category: str, amount: int, validity: int):
        key = (parish, category, amount, validity)
        if key not in self.programs:
            s = self.db.session
            staff = self.world.users[(parish, "staff")]
            treasurer = self.world.users[(parish, "treasurer")]
            p = self.world.parishes[parish]
            name = f"Programa {category} {amount} {validity} {next(_n)}"
            program = create_program(
                s, p.id, ProgramInput(name, category, amount, validity, "monthly", 31), staff
            )
            received = local_today() - timedelta(days=40)
            fund = FundInput(program.id, amount * 200, received, "Colecta")
            record_fund(s, p, fund, treasurer)
            self.programs[key] = program
        return self.programs[key]

    def __call__(
        self,
        amount: int = 15000,
        category: str = "food",
        parish: str = "a",
        validity: int = 30,
        today: date | None = None,
    ) -> Issued:
        s = self.db.session
        staff = self.world.users[(parish, "staff")]
        p = self.world.parishes[parish]
        program = self.program(parish, category, amount, validity)
        n = next(_n)
        family = create_family(
            s, p.id, FamilyInput(f"Familia {n}", "passport", f"P{n:08d}", consent=True), staff
        )
        enrol_family(s, program, family, staff)
        issued = issue_voucher(
            s, parish=p, program=program, family=family, user=staff, keys=code_keys(), today=today
        )
        s.commit()
        return issued


@pytest.fixture
def issue(db, world):
    return Issuer(db, world)


def unknown_code() -> str:
    """A well-formed code (its check symbol matches) that no voucher has."""
    from voucher.vouchers.codes import format_code, generate_code

    return format_code(generate_code())


def typo_of(code: str) -> str:
    """The same code with one symbol changed: the check symbol catches it."""
    first = "2" if code[0] != "2" else "3"
    return first + code[1:]


def age_redemption(db, redemption_id: int, minutes: int) -> None:
    """Pretend a redemption happened ``minutes`` ago."""
    from datetime import timedelta

    import sqlalchemy as sa

    from voucher.db import utcnow
    from voucher.vouchers.models import Redemption

    db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == redemption_id)
        .values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()
    db.session.expire_all()


def books_ok(db, world, parish: str = "a") -> None:
    from voucher.oversight.verify import verify_parish

    db.session.expire_all()
    report = verify_parish(db.session, world.parishes[parish])
    assert report.ok, report.failures


@pytest.fixture
def redeem_now(db, world):
    """Redeem through the service as parish a's shopkeeper -> the Redemption."""
    from voucher.shops.redemption import Scanner, redeem

    def _redeem(issued: Issued, amount: int, key: str | None = None, parish: str = "a"):
        keeper = world.users[(parish, "shopkeeper")]
        scanner = Scanner(keeper, world.shops[parish], "10.0.0.9")
        done, _ = redeem(
            db.session,
            scanner,
            issued.code,
            amount,
            idempotency_key=key or f"k-{next(_n)}",
            keys=code_keys(),
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
    from voucher.dates import format_date
    from voucher.vouchers.services import cancel_voucher, replace_voucher

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
        from voucher.shops.redemption import Scanner, redeem

        keeper = world.users[("a", "shopkeeper")]
        redeem(
            s,
            Scanner(keeper, world.shops["a"], None),
            issued.code,
            15000,
            idempotency_key="used",
            keys=code_keys(),
        )
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
        message = "Este vale fue reemplazado por uno nuevo: este papel ya no sirve."
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
