"""Dates and times as people in Chile read them, in the parish time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TZ = "America/Santiago"
# The dates a parish's books can speak of: a fund "received" in year 1 or a report for
# year 9999 is a typo, refused with a message instead of stored or computed.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def in_sane_range(day: object) -> bool:
    return isinstance(day, date) and EARLIEST <= day <= LATEST


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_local(moment: datetime, tz: str = DEFAULT_TZ) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(tz))


def local_today(tz: str = DEFAULT_TZ) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def day_start_utc(day: date, tz: str = DEFAULT_TZ) -> datetime:
    """The UTC instant a local calendar day starts at (local midnight)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def day_bounds(day: date, tz: str = DEFAULT_TZ) -> tuple[datetime, datetime]:
    """The UTC instants a local calendar day starts and ends at (the end is the next
    day's start, excluded)."""
    return day_start_utc(day, tz), day_start_utc(day + timedelta(days=1), tz)


def format_date(day: date | None) -> str:
    """date(2026, 12, 31) -> '31-12-2026'."""
    return day.strftime("%d-%m-%Y") if day else ""


def format_datetime(moment: datetime | None, tz: str = DEFAULT_TZ) -> str:
    """A UTC moment shown as '31-12-2026 11:42' in the parish time zone."""
    return to_local(moment, tz).strftime("%d-%m-%Y %H:%M") if moment else ""


def format_time(moment: datetime | None, tz: str = DEFAULT_TZ) -> str:
    return to_local(moment, tz).strftime("%H:%M") if moment else ""
