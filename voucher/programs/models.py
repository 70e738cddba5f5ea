from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.db import Base, IdMixin, TimestampMixin, str_enum
from voucher.families.models import Family


class Category(enum.StrEnum):
    FOOD = "food"
    HYGIENE = "hygiene"


# The one place a category is named for people: screens, forms, papers and spreadsheets.
CATEGORY_LABELS = {Category.FOOD: _l("Alimentos"), Category.HYGIENE: _l("Higiene")}
# The heading of a printed voucher of each category.
VOUCHER_TITLES = {Category.FOOD: _l("VALE DE ALIMENTOS"), Category.HYGIENE: _l("VALE DE HIGIENE")}


def category_label(category: str | None) -> str:
    """'food' -> 'Alimentos' (in the reader's language); an unknown category as given."""
    return str(CATEGORY_LABELS.get(category, category)) if category else ""


class Cycle(enum.StrEnum):
    MONTHLY = "monthly"
    ONCE = "once"


class Allotment(enum.StrEnum):
    FLAT = "flat"  # every household gets the program's voucher value
    HOUSEHOLD = "household"  # the value plus an amount per member beyond the first, capped


def household_amount(base: int, extra_member: int, cap: int | None, household_size: int) -> int:
    """``min(cap, base + extra_member × (household_size − 1))``, in integer pesos (a
    household counts at least one person)."""
    value = base + extra_member * (max(household_size, 1) - 1)
    return min(cap, value) if cap is not None else value


class Program(IdMixin, TimestampMixin, Base):
    """A kind of aid. ``fund_available`` mirrors the ledger's fund account and is
    decremented with a conditional UPDATE, so issuance can never overdraw it."""

    __tablename__ = "program"
    __table_args__ = (
        sa.UniqueConstraint("parish_id", "name"),
        sa.CheckConstraint("voucher_amount > 0", name="voucher_amount_positive"),
        sa.CheckConstraint("validity_days > 0", name="validity_positive"),
        sa.CheckConstraint("per_cycle_limit > 0", name="limit_positive"),
        sa.CheckConstraint("fund_available >= 0", name="fund_not_negative"),
        sa.CheckConstraint("extra_member_amount >= 0", name="extra_member_not_negative"),
    )

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"))
    voucher_amount: Mapped[int]
    validity_days: Mapped[int]
    cycle: Mapped[Cycle] = mapped_column(str_enum(Cycle, "cycle"))
    per_cycle_limit: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    fund_available: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    allotment: Mapped[Allotment] = mapped_column(
        str_enum(Allotment, "allotment"), default=Allotment.FLAT, server_default="flat"
    )
    extra_member_amount: Mapped[int] = mapped_column(default=0, server_default="0")
    voucher_amount_cap: Mapped[int | None]

    def amount_for(self, household_size: int) -> int:
        """A household's voucher value under this program's allotment."""
        if self.allotment == Allotment.HOUSEHOLD:
            return household_amount(
                self.voucher_amount,
                self.extra_member_amount,
                self.voucher_amount_cap,
                household_size,
            )
        return self.voucher_amount


class Enrolment(IdMixin, TimestampMixin, Base):
    __tablename__ = "enrolment"
    __table_args__ = (sa.UniqueConstraint("program_id", "family_id"),)

    program_id: Mapped[int] = mapped_column(sa.ForeignKey("program.id"), index=True)
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("family.id"), index=True)
    enrolled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    program: Mapped[Program] = relationship()
    family: Mapped[Family] = relationship()
