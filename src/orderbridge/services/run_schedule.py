"""When a scheduled job runs next: every N seconds, or by a cron expression (UTC).

Shared by export configurations and status sources. A cron expression is checked when it
is saved, so a bad one is refused with its reason instead of silently never running.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from croniter import croniter

from orderbridge.services.errors import InvalidInput

MIN_INTERVAL_SECONDS = 10


def check_schedule(interval_seconds: int | None, cron: str | None) -> None:
    """Exactly one of the two, and a usable one; raises InvalidInput naming the field."""
    if (interval_seconds is None) == (cron is None):
        raise InvalidInput(
            "give either interval_seconds or cron (a five-field cron expression in UTC)",
            field="cron" if cron is not None else "interval_seconds",
        )
    if interval_seconds is not None and interval_seconds < MIN_INTERVAL_SECONDS:
        raise InvalidInput(
            f"interval_seconds must be at least {MIN_INTERVAL_SECONDS}", field="interval_seconds"
        )
    if cron is not None and (len(cron.split()) != 5 or not croniter.is_valid(cron)):
        raise InvalidInput(
            f"cron {cron!r} is not a five-field cron expression (minute hour day month "
            "weekday, in UTC), for example '*/15 * * * *'",
            field="cron",
        )


def next_run(interval_seconds: int | None, cron: str | None, after: datetime) -> datetime:
    """The first run time strictly after ``after`` (an aware UTC time)."""
    if cron:
        following = croniter(cron, after.astimezone(UTC)).get_next(datetime)
        return following.astimezone(UTC)
    return after + timedelta(seconds=interval_seconds or MIN_INTERVAL_SECONDS)
