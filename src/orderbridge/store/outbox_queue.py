"""The outbox: schedule, claim with a lease, and settle pending outbound work.

Claiming takes only the head of line per order (the lowest unfinished id), so work for
one order runs in order and never twice at once; ``FOR UPDATE SKIP LOCKED`` lets
PostgreSQL workers pass each other, and SQLite's ``BEGIN IMMEDIATE`` serialises claims.
An expired lease (a worker that died) is simply claimable again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
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


@dataclass(frozen=True, slots=True)
class ClaimedItem:
    id: int
    kind: str
    order_id: int
    target_id: int | None
    connection_id: int
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
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.id == outbox_id, outbox.c.status.in_((DEAD, CANCELLED)))
        .values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now, lease_until=None)
    )
    return bool(result.rowcount)


async def claim(
    conn: AsyncConnection, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[ClaimedItem]:
    head = outbox.alias("head")
    head_id = (
        select(func.min(head.c.id))
        .where(head.c.order_id == outbox.c.order_id, head.c.status.not_in(FINISHED))
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
            outbox.c.order_id,
            outbox.c.target_id,
            outbox.c.connection_id,
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
) -> bool:
    """Record the outcome, only if we still hold the lease; False means someone took over."""
    values: dict[str, object] = {
        "status": status,
        "lease_until": None,
        "lease_owner": None,
        "updated_at": now,
        "last_error": error,
    }
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
