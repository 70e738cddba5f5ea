"""The books. Transfers are TigerBeetle-shaped rows (one debit account, one credit
account, one positive amount), grouped by an entry, so every entry balances by
construction. Entries and transfers are never updated or deleted: database
triggers created by the migrations refuse it on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db import Base, IdMixin, TimestampMixin, str_enum

GENESIS_HASH = "0" * 64  # the hash before a parish's first entry


class AccountType(enum.StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"  # net assets: program funds
    INCOME = "income"
    EXPENSE = "expense"


class EntryKind(enum.StrEnum):
    FUND_RECEIVED = "fund_received"
    VOUCHER_ISSUED = "voucher_issued"
    REDEMPTION = "redemption"
    REDEMPTION_VOID = "redemption_void"
    VOUCHER_EXPIRED = "voucher_expired"
    VOUCHER_CANCELLED = "voucher_cancelled"
    SETTLEMENT = "settlement"
    SETTLEMENT_REVERSAL = "settlement_reversal"
    REVERSAL = "reversal"


class Account(IdMixin, TimestampMixin, Base):
    """A ledger account. ``debits_posted``/``credits_posted`` are running totals kept
    in the same transaction as each transfer (as TigerBeetle keeps them), so current
    balances need no scan; ``ledger verify`` recomputes them from the transfers."""

    __tablename__ = "ledger_account"
    __table_args__ = (sa.UniqueConstraint("parish_id", "code"),)

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(160))
    type: Mapped[AccountType] = mapped_column(str_enum(AccountType, "account_type"))
    program_id: Mapped[int | None] = mapped_column(sa.ForeignKey("program.id"))
    shop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shop.id"))
    closed: Mapped[bool] = mapped_column(default=False)
    debits_posted: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    credits_posted: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    @property
    def balance(self) -> int:
        """Debit-positive balance."""
        return self.debits_posted - self.credits_posted


class AccountDay(Base):
    """Each account's debits and credits per effective date, added to by posting in the
    same transaction as its running totals. A balance at any date is then a sum over at
    most one row per account and day, however many transfers the books hold;
    ``ledger verify`` recomputes these rows from the transfers."""

    __tablename__ = "ledger_account_day"
    __table_args__ = (
        sa.CheckConstraint("debits >= 0 AND credits >= 0", name="totals_not_negative"),
        sa.Index("ix_account_day_parish", "parish_id", "day", "account_id", "debits", "credits"),
    )

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_account.id"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"))
    debits: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    credits: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class LedgerHead(Base):
    """The tip of each parish's hash chain; locking it serialises posting per parish."""

    __tablename__ = "ledger_head"

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    hash: Mapped[str] = mapped_column(sa.String(64), default=GENESIS_HASH)


class Entry(IdMixin, TimestampMixin, Base):
    __tablename__ = "ledger_entry"
    __table_args__ = (sa.UniqueConstraint("parish_id", "seq"),)

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"))
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, "entry_kind"))
    effective_date: Mapped[date] = mapped_column(sa.Date)
    memo: Mapped[str] = mapped_column(sa.String(300), default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    voucher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("voucher.id"), index=True)
    redemption_id: Mapped[int | None] = mapped_column(sa.ForeignKey("redemption.id"), index=True)
    fund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fund.id"), index=True)
    settlement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("settlement.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entry.id"), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class Transfer(IdMixin, Base):
    __tablename__ = "ledger_transfer"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        sa.Index("ix_transfer_debit_date", "debit_account_id", "effective_date", "amount"),
        sa.Index("ix_transfer_credit_date", "credit_account_id", "effective_date", "amount"),
        sa.Index("ix_transfer_parish_date", "parish_id", "effective_date"),
    )

    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_entry.id"), index=True)
    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"))
    debit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_account.id"))
    credit_account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_account.id"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    effective_date: Mapped[date] = mapped_column(sa.Date)


class PeriodLock(IdMixin, TimestampMixin, Base):
    """A closed month: nothing may be posted dated on or before ``closed_through``."""

    __tablename__ = "period_lock"
    __table_args__ = (sa.UniqueConstraint("parish_id", "closed_through"),)

    parish_id: Mapped[int] = mapped_column(sa.ForeignKey("parish.id"), index=True)
    closed_through: Mapped[date] = mapped_column(sa.Date)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
