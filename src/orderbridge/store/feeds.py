"""The poll schedule per (connection, feed): due times, leases and the watermark.

One claimed lease = one import run, so each due poll fires once however many workers
look at it, and two imports of one connection never overlap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.tables import connections, import_feeds

ORDERS = "orders"
RETURNS = "returns"


async def ensure_feed(conn: AsyncConnection, connection_id: int, feed: str, now: datetime) -> None:
    await conn.execute(
        insert_for(conn, import_feeds)
        .values(connection_id=connection_id, feed=feed, next_poll_at=now, consecutive_failures=0)
        .on_conflict_do_nothing(index_elements=["connection_id", "feed"])
    )


async def due_feeds(conn: AsyncConnection, now: datetime) -> list[tuple[str, int]]:
    """(feed, connection id) of every enabled connection's feed that is due and free."""
    result = await conn.execute(
        select(import_feeds.c.feed, import_feeds.c.connection_id)
        .join(connections, connections.c.id == import_feeds.c.connection_id)
        .where(
            connections.c.import_enabled.is_(True),
            import_feeds.c.next_poll_at <= now,
            or_(import_feeds.c.lease_until.is_(None), import_feeds.c.lease_until < now),
            or_(import_feeds.c.blocked_until.is_(None), import_feeds.c.blocked_until <= now),
        )
        .order_by(import_feeds.c.next_poll_at)
    )
    return [(row.feed, row.connection_id) for row in result]


async def ensure_return_feeds(conn: AsyncConnection, now: datetime) -> None:
    """A returns feed for every connection that has none yet (new ones, and those made
    before returns were imported); a channel without returns skips its runs cheaply."""
    missing = select(connections.c.id).where(
        ~select(import_feeds.c.id)
        .where(import_feeds.c.connection_id == connections.c.id, import_feeds.c.feed == RETURNS)
        .exists()
    )
    for (connection_id,) in (await conn.execute(missing)).all():
        await ensure_feed(conn, connection_id, RETURNS, now)


async def due_connection_ids(conn: AsyncConnection, feed: str, now: datetime) -> list[int]:
    result = await conn.execute(
        select(import_feeds.c.connection_id)
        .join(connections, connections.c.id == import_feeds.c.connection_id)
        .where(
            import_feeds.c.feed == feed,
            connections.c.import_enabled.is_(True),
            import_feeds.c.next_poll_at <= now,
            or_(import_feeds.c.lease_until.is_(None), import_feeds.c.lease_until < now),
            or_(import_feeds.c.blocked_until.is_(None), import_feeds.c.blocked_until <= now),
        )
        .order_by(import_feeds.c.next_poll_at)
    )
    return [row.connection_id for row in result]


async def try_lease(
    conn: AsyncConnection,
    connection_id: int,
    feed: str,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
) -> dict[str, Any] | None:
    """Take the feed's lease if nobody holds a live one; returns the feed row or None."""
    result = await conn.execute(
        update(import_feeds)
        .where(
            import_feeds.c.connection_id == connection_id,
            import_feeds.c.feed == feed,
            or_(import_feeds.c.lease_until.is_(None), import_feeds.c.lease_until < now),
        )
        .values(lease_until=now + lease, lease_owner=owner, last_attempt_at=now)
        .returning(*import_feeds.c)
    )
    row = result.mappings().first()
    return dict(row) if row else None


async def renew_lease(conn: AsyncConnection, feed_id: int, *, owner: str, until: datetime) -> bool:
    result = await conn.execute(
        update(import_feeds)
        .where(import_feeds.c.id == feed_id, import_feeds.c.lease_owner == owner)
        .values(lease_until=until)
    )
    return bool(result.rowcount)


async def release_success(
    conn: AsyncConnection,
    feed_id: int,
    *,
    owner: str,
    watermark: datetime,
    now: datetime,
    next_poll_at: datetime,
) -> bool:
    """Commit the new watermark together with the end of the run; never moves it backwards."""
    result = await conn.execute(
        update(import_feeds)
        .where(import_feeds.c.id == feed_id, import_feeds.c.lease_owner == owner)
        .values(
            watermark=watermark,
            last_success_at=now,
            next_poll_at=_keep_request(next_poll_at),
            lease_until=None,
            lease_owner=None,
            blocked_until=None,
            last_error=None,
            consecutive_failures=0,
        )
    )
    return bool(result.rowcount)


async def release_failure(
    conn: AsyncConnection,
    feed_id: int,
    *,
    owner: str,
    error: str,
    next_poll_at: datetime,
    blocked_until: datetime | None,
) -> None:
    await conn.execute(
        update(import_feeds)
        .where(import_feeds.c.id == feed_id, import_feeds.c.lease_owner == owner)
        .values(
            last_error=error,
            next_poll_at=_keep_request(next_poll_at),
            blocked_until=blocked_until,
            lease_until=None,
            lease_owner=None,
            consecutive_failures=import_feeds.c.consecutive_failures + 1,
        )
    )


def _keep_request(next_poll_at: datetime) -> Any:
    """The scheduled next poll, unless someone asked for an import while this run was on
    (``request_now`` moved ``next_poll_at`` past the run's start): that request stays due."""
    requested = import_feeds.c.next_poll_at > import_feeds.c.last_attempt_at
    return case((requested, import_feeds.c.next_poll_at), else_=next_poll_at)


async def request_now(
    conn: AsyncConnection, connection_ids: list[int], now: datetime, feed: str = ORDERS
) -> int:
    """An on-demand import: make the feeds due now (a running import keeps its lease)."""
    result = await conn.execute(
        update(import_feeds)
        .where(import_feeds.c.connection_id.in_(connection_ids), import_feeds.c.feed == feed)
        .values(next_poll_at=now, blocked_until=None)
    )
    return int(result.rowcount)
