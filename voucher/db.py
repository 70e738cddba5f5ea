"""Declarative base, constraint naming, and column types shared by every model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine.

    SQLite has no time zone type, so values are stored naive in UTC and come
    back aware; PostgreSQL keeps ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Ids are INTEGER columns: 32-bit on PostgreSQL, which answers a larger value in a query
# with an error instead of finding nothing.
MAX_ID = 2**31 - 1


def valid_id(value: Any) -> bool:
    """Whether ``value`` could be a row id (a positive int within the column's range)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def utcnow() -> datetime:
    return datetime.now(UTC)


def str_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, values as stored text."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    """An integer surrogate key, the table's first column."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)


class TimestampMixin:
    """When the row was made (its last column: a mixin's columns follow the class's)."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def lock_rows(session: Any, statement: sa.Select, params: dict[str, Any]) -> None:
    """Take the row locks of a ``SELECT … FOR UPDATE`` so PostgreSQL transactions wait in
    one order. SQLite writers already hold the whole database from BEGIN IMMEDIATE: there
    the statement would be work for nothing, so it is skipped."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(statement, params)
