"""Recording an import run (orders or returns): its counters, and how it ended.

Both feeds end a run the same way: the feed's lease is released with the next poll time
(and the watermark, on success), the run row gets its status, and a failed run gets one
error entry that says what happened and what to do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.errors import ErrorClass
from orderbridge.store import feeds
from orderbridge.store.error_log import record_error
from orderbridge.store.tables import import_runs


@dataclass(slots=True)
class ImportSummary:
    connection_id: int
    connection_name: str
    status: str  # succeeded | failed | skipped
    run_id: int | None = None
    window: ReadWindow | None = None
    pages: int = 0
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    retried_ok: int = 0
    error: str | None = None


def import_fix(error_class: ErrorClass) -> str:
    """What an operator does about a failed import run of this class."""
    return {
        ErrorClass.CONFIGURATION: "correct the connection's credentials or settings, then import",
        ErrorClass.RATE_LIMITED: "nothing: the import resumes when the marketplace allows it",
        ErrorClass.TRANSIENT: "nothing: the import is retried automatically with backoff",
        ErrorClass.PERMANENT: "read the marketplace's answer; it will not pass by retrying alone",
    }.get(error_class, "see the attributes")


def retry_delay(interval_seconds: int, failures: int, error_class: ErrorClass) -> timedelta:
    """When a feed tries again after its ``failures``-th failure in a row."""
    interval = timedelta(seconds=interval_seconds)
    if error_class is ErrorClass.CONFIGURATION:
        return max(interval, timedelta(minutes=15))
    # Capped exponential backoff with jitter, never later than the normal interval.
    backoff = min(interval.total_seconds(), 15 * 2 ** min(failures, 10))
    return timedelta(seconds=backoff * (0.5 + random.random() / 2))


async def save_counters(conn: AsyncConnection, summary: ImportSummary) -> None:
    await conn.execute(
        update(import_runs)
        .where(import_runs.c.id == summary.run_id)
        .values(
            pages=summary.pages,
            orders_seen=summary.seen,
            orders_created=summary.created,
            orders_updated=summary.updated,
            orders_unchanged=summary.unchanged,
            orders_failed=summary.failed,
            window_lower=summary.window.lower if summary.window else None,
            window_upper=summary.window.upper if summary.window else None,
        )
    )


async def record_success(
    conn: AsyncConnection,
    summary: ImportSummary,
    *,
    feed_id: int,
    owner: str,
    watermark: datetime,
    now: datetime,
    next_poll_at: datetime,
) -> None:
    await save_counters(conn, summary)
    await feeds.release_success(
        conn, feed_id, owner=owner, watermark=watermark, now=now, next_poll_at=next_poll_at
    )
    await conn.execute(
        update(import_runs)
        .where(import_runs.c.id == summary.run_id)
        .values(status="succeeded", finished_at=now)
    )
    summary.status = "succeeded"


@dataclass(frozen=True, slots=True)
class RunFailure:
    """Why a run ended early, and when the feed may try again."""

    title: str  # the error entry's title
    operation: str  # import, import_returns
    message: str
    error_class: ErrorClass
    attributes: dict[str, Any]
    retry_in: timedelta
    retry_after: float | None = None  # the marketplace's own wait, in seconds


async def record_failure(
    conn: AsyncConnection,
    summary: ImportSummary,
    failure: RunFailure,
    *,
    feed_id: int,
    owner: str,
    now: datetime,
) -> None:
    retry_after = failure.retry_after
    await feeds.release_failure(
        conn,
        feed_id,
        owner=owner,
        error=failure.message,
        next_poll_at=now + failure.retry_in,
        blocked_until=now + timedelta(seconds=retry_after) if retry_after else None,
    )
    await conn.execute(
        update(import_runs)
        .where(import_runs.c.id == summary.run_id)
        .values(status="failed", finished_at=now, error=failure.message)
    )
    await record_error(
        conn,
        title=failure.title,
        operation=failure.operation,
        at=now,
        connection_id=summary.connection_id,
        import_run_id=summary.run_id,
        attributes={
            **failure.attributes,
            "error_class": failure.error_class.value,
            "next_attempt_at": (now + failure.retry_in).isoformat(),
            "fix": import_fix(failure.error_class),
        },
    )
    summary.status = "failed"
    summary.error = failure.message
