"""Schedules: interval and cron give the next run in UTC; bad ones are refused by field."""

from datetime import UTC, datetime

import pytest

from orderbridge.services.errors import InvalidInput
from orderbridge.services.run_schedule import check_schedule, next_run

NOON = datetime(2026, 11, 26, 12, 7, 30, tzinfo=UTC)


def test_interval_adds_seconds() -> None:
    assert next_run(300, None, NOON) == datetime(2026, 11, 26, 12, 12, 30, tzinfo=UTC)


def test_cron_gives_the_next_matching_minute_in_utc() -> None:
    assert next_run(None, "*/15 * * * *", NOON) == datetime(2026, 11, 26, 12, 15, tzinfo=UTC)
    assert next_run(None, "0 6 * * *", NOON) == datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("interval", "cron", "field"),
    [
        (None, None, "interval_seconds"),
        (60, "* * * * *", "cron"),
        (5, None, "interval_seconds"),
        (None, "every day", "cron"),
        (None, "61 * * * *", "cron"),
    ],
)
def test_bad_schedules_name_the_field(interval: int | None, cron: str | None, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_schedule(interval, cron)
    assert caught.value.field == field
