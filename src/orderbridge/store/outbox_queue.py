"""The outbox: schedule, claim with a lease, and settle pending outbound work.

Claiming takes only the head of line per order (the lowest unfinished id), so work for
one order runs in order and never twice at once; ``FOR UPDATE SKIP LOCKED`` lets
PostgreSQL workers pass each other, and SQLite's ``BEGIN IMMEDIATE`` serialises claims.
An expired lease (a worker that died) is simply claimable again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.tables import outbox

PENDING = "pending"
RUNNING = "running"
DONE = "done"
DEAD = "dead"  # needs attention: exhausted or refused for good
CANCELLED = "cancelled"
FINISHED = (DONE, DEAD, CANCELLED)

EXPORT_ORDER = "export_order"
NOTIFY_CANCELLED = "notify_cancelled"  # tell the OMS an exported order was cancelled

OMS_LANE = "oms"
MARKETPLACE_LANE = "marketplace"


@dataclass(frozen=True, slots=True)
class ClaimedItem:
    id: int
    kind: str
    lane: str
    order_id: int
    target_id: int | None
    connection_id: int
    subject_id: int | None
    handle: str | None
    attempts: int
    max_attempts: int


def export_key(order_id: int, target_id: int) -> str:
    return f"{EXPORT_ORDER}:{order_id}:{target_id}"


async def schedule_exports(
    conn: AsyncConnection,
    rows: list[tuple[int, int, int]],
    *,
    now: datetime,
    max_attempts: int,
) -> list[int]:
    """Add an export per (order id, connection id, target id); returns the orders newly queued.

    A row that exists already (same order and target) is left alone, so scheduling twice
    is harmless.
    """
    if not rows:
        return []
    statement = (
        insert_for(conn, outbox)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(outbox.c.order_id)
    )
    return [
        row.order_id for row in await conn.execute(statement, _export_rows(rows, now, max_attempts))
    ]


def _export_rows(
    rows: list[tuple[int, int, int]], now: datetime, max_attempts: int
) -> list[dict[str, object]]:
    return [
        {
            "kind": EXPORT_ORDER,
            "lane": OMS_LANE,
            "dedup_key": export_key(order_id, target_id),
            "order_id": order_id,
            "connection_id": connection_id,
            "target_id": target_id,
            "status": PENDING,
            "attempts": 0,
            "max_attempts": max_attempts,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for order_id, connection_id, target_id in rows
    ]


async def add_exports_for_new_orders(
    conn: AsyncConnection,
    rows: list[tuple[int, int, int]],
    *,
    now: datetime,
    max_attempts: int,
) -> None:
    """Outbox rows for orders created in this same transaction: none can exist yet, so a
    plain multi-row insert does, without the conflict handling and RETURNING of
    :func:`schedule_exports` (which cost more than the insert itself on a busy import)."""
    if rows:
        await conn.execute(outbox.insert(), _export_rows(rows, now, max_attempts))


async def requeue(conn: AsyncConnection, outbox_id: int, *, now: datetime) -> bool:
    """Give a dead or cancelled row a fresh set of attempts (an operator's retry)."""
    return await _requeue(conn, outbox.c.id == outbox_id, now)


async def _requeue(conn: AsyncConnection, which: ColumnElement[bool], now: datetime) -> bool:
    result = await conn.execute(
        update(outbox)
        .where(which, outbox.c.status.in_((DEAD, CANCELLED)))
        .values(
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            updated_at=now,
            lease_until=None,
            handle=None,
        )
    )
    return bool(result.rowcount)


async def claim(
    conn: AsyncConnection, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[ClaimedItem]:
    head = outbox.alias("head")
    head_id = (
        select(func.min(head.c.id))
        .where(
            head.c.order_id == outbox.c.order_id,
            head.c.lane == outbox.c.lane,
            head.c.status.not_in(FINISHED),
        )
        .scalar_subquery()
    )
    candidates = (
        select(outbox.c.id)
        .where(
            outbox.c.id == head_id,
            outbox.c.next_attempt_at <= now,
            or_(
                outbox.c.status == PENDING,
                and_(outbox.c.status == RUNNING, outbox.c.lease_until < now),
            ),
        )
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = [row.id for row in await conn.execute(candidates)]
    if not ids:
        return []
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(ids))
        .values(
            status=RUNNING,
            lease_until=now + lease,
            lease_owner=owner,
            attempts=outbox.c.attempts + 1,
            updated_at=now,
        )
        .returning(
            outbox.c.id,
            outbox.c.kind,
            outbox.c.lane,
            outbox.c.order_id,
            outbox.c.target_id,
            outbox.c.connection_id,
            outbox.c.subject_id,
            outbox.c.handle,
            outbox.c.attempts,
            outbox.c.max_attempts,
        )
    )
    return [ClaimedItem(**row._mapping) for row in result]


async def settle(
    conn: AsyncConnection,
    item_id: int,
    *,
    owner: str,
    status: str,
    now: datetime,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
    handle: str | None = None,
    not_an_attempt: bool = False,
) -> bool:
    """Record the outcome, only if we still hold the lease; False means someone took over.

    ``not_an_attempt`` gives the attempt back: checking on an update the marketplace is
    still processing, or waiting out its rate limit, must not use up the retries.
    """
    values: dict[str, object] = {
        "status": status,
        "lease_until": None,
        "lease_owner": None,
        "updated_at": now,
        "last_error": error,
    }
    if handle is not None:
        values["handle"] = handle
    if not_an_attempt:
        values["attempts"] = outbox.c.attempts - 1
    if status == DONE:
        values["done_at"] = now
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.id == item_id, outbox.c.lease_owner == owner, outbox.c.status == RUNNING)
        .values(**values)
    )
    return bool(result.rowcount)


async def next_due_at(conn: AsyncConnection) -> datetime | None:
    """When the earliest pending row comes due, so an idle runner knows how long to sleep."""
    result = await conn.execute(
        select(func.min(outbox.c.next_attempt_at)).where(outbox.c.status == PENDING)
    )
    value = result.scalar()
    return value if isinstance(value, datetime) else None


def update_key(kind: str, subject_id: int) -> str:
    return f"{kind}:{subject_id}"


async def schedule_update(
    conn: AsyncConnection,
    *,
    kind: str,
    order_id: int,
    connection_id: int,
    subject_id: int,
    now: datetime,
    due_at: datetime,
    max_attempts: int,
) -> None:
    """Queue one marketplace update (a shipment, cancellation or refund) in its order's lane."""
    await conn.execute(
        insert_for(conn, outbox)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .values(
            kind=kind,
            lane=MARKETPLACE_LANE,
            dedup_key=update_key(kind, subject_id),
            order_id=order_id,
            connection_id=connection_id,
            subject_id=subject_id,
            status=PENDING,
            attempts=0,
            max_attempts=max_attempts,
            next_attempt_at=due_at,
            created_at=now,
            updated_at=now,
        )
    )


async def make_due(conn: AsyncConnection, dedup_key: str, *, now: datetime) -> bool:
    """Bring a waiting row forward to now (a shipment whose tracking number just arrived)."""
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.dedup_key == dedup_key, outbox.c.status == PENDING)
        .values(next_attempt_at=now, updated_at=now)
    )
    return bool(result.rowcount)


async def schedule_notification(
    conn: AsyncConnection,
    *,
    kind: str,
    order_id: int,
    connection_id: int,
    target_id: int,
    now: datetime,
    max_attempts: int,
) -> bool:
    """Queue a message to the OMS about an order (once per order, kind and target)."""
    result = await conn.execute(
        insert_for(conn, outbox)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .values(
            kind=kind,
            lane=OMS_LANE,
            dedup_key=f"{kind}:{order_id}:{target_id}",
            order_id=order_id,
            connection_id=connection_id,
            target_id=target_id,
            status=PENDING,
            attempts=0,
            max_attempts=max_attempts,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    return bool(result.rowcount)


async def requeue_by_key(conn: AsyncConnection, dedup_key: str, *, now: datetime) -> bool:
    """A finished row of ``dedup_key`` back to pending with fresh attempts."""
    return await _requeue(conn, outbox.c.dedup_key == dedup_key, now)
