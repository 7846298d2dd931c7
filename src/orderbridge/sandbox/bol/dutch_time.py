"""bol.com's local time: the Netherlands (CET, CEST in summer), without a tz database.

bol stamps its times with the Dutch offset (``2017-02-09T12:39:48+01:00``) and files an
order item's latest change under its Dutch calendar day. The EU rule is simple enough to
compute: summer time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
last Sunday of October.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

WINTER = timedelta(hours=1)
SUMMER = timedelta(hours=2)


def _last_sunday(year: int, month: int) -> datetime:
    first_of_next = datetime(year + (month == 12), month % 12 + 1, 1, 1, tzinfo=UTC)
    last_day = first_of_next - timedelta(days=1)
    return last_day - timedelta(days=(last_day.weekday() + 1) % 7)


def offset_at(moment: datetime) -> timedelta:
    """The Dutch UTC offset in force at ``moment``."""
    moment = moment.astimezone(UTC)
    start = _last_sunday(moment.year, 3)
    end = _last_sunday(moment.year, 10)
    return SUMMER if start <= moment < end else WINTER


def local(timestamp: float) -> datetime:
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.astimezone(timezone(offset_at(moment)))


def local_iso(timestamp: float) -> str:
    """An ISO 8601 time with the Dutch offset, to the second, as bol writes them."""
    return local(timestamp).replace(microsecond=0).isoformat()


def local_date(timestamp: float) -> date:
    return local(timestamp).date()
