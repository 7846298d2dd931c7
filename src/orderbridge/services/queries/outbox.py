"""The outbox as users see it ("scheduled exports") and the queue figures for /metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from orderbridge.services.context import ServiceContext
from orderbridge.services.queries.filters import known_values
from orderbridge.services.queries.paging import (
    DEFAULT_LIMIT,
    Page,
    after,
    check_limit,
    decode_cursor,
    page_of,
)
from orderbridge.store.outbox_queue import CANCELLED, DEAD, DONE, PENDING, RUNNING
from orderbridge.store.tables import connections, export_targets, orders, outbox

OUTBOX_STATUSES = (PENDING, RUNNING, DEAD, DONE, CANCELLED)
# What is still to be sent, or stuck and needing a person: the default view.
OPEN_STATUSES = (PENDING, RUNNING, DEAD)


@dataclass(frozen=True, slots=True)
class ScheduledExport:
    id: int
    kind: str
    lane: str  # "oms" (exports, notices) or "marketplace" (shipments, cancellations, refunds)
    subject_id: int | None  # the shipment, cancellation or refund of a marketplace update
    handle: str | None  # the marketplace's id while it processes the update
    order_id: int
    order_external_id: str
    connection: str
    target: str | None
    status: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    last_error: str | None
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime
    updated_at: datetime


async def scheduled_exports(
    ctx: ServiceContext,
    *,
    status: list[str] | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ScheduledExport]:
    """Soonest due first, in (next_attempt_at, id) order."""
    check_limit(limit)
    statuses = known_values(status, OUTBOX_STATUSES, "status") or list(OPEN_STATUSES)
    key = decode_cursor(cursor) if cursor else None
    query = (
        select(
            outbox,
            orders.c.external_id.label("order_external_id"),
            connections.c.name.label("connection"),
            export_targets.c.name.label("target"),
        )
        .join(orders, orders.c.id == outbox.c.order_id)
        .join(connections, connections.c.id == outbox.c.connection_id)
        .outerjoin(export_targets, export_targets.c.id == outbox.c.target_id)
        .where(outbox.c.status.in_(statuses))
    )
    if key is not None:
        query = query.where(after(outbox.c.next_attempt_at, outbox.c.id, key, descending=False))
    query = query.order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit + 1)
    async with ctx.db.read() as conn:
        rows = (await conn.execute(query)).mappings().all()
    items = [
        ScheduledExport(
            id=row["id"],
            kind=row["kind"],
            lane=row["lane"],
            subject_id=row["subject_id"],
            handle=row["handle"],
            order_id=row["order_id"],
            order_external_id=row["order_external_id"],
            connection=row["connection"],
            target=row["target"],
            status=row["status"],
            attempts=row["attempts"],
            max_attempts=row["max_attempts"],
            next_attempt_at=row["next_attempt_at"],
            last_error=row["last_error"],
            lease_owner=row["lease_owner"],
            lease_until=row["lease_until"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )
        for row in rows
    ]
    return page_of(items, limit, lambda item: (item.next_attempt_at, item.id))


async def queue_figures(ctx: ServiceContext) -> dict[str, Any]:
    """``{"by_status": {status: rows}, "oldest_pending_seconds": age}`` of the outbox.

    Every open status is present (0 when empty) so a gauge drops back to zero instead of
    keeping its last value; the age counts from when the oldest unfinished row was created.
    """
    async with ctx.db.read() as conn:
        counts = await conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        by_status = {status: 0 for status in OPEN_STATUSES}
        by_status.update({row[0]: int(row[1]) for row in counts})
        oldest = (
            await conn.execute(
                select(func.min(outbox.c.created_at)).where(outbox.c.status.in_((PENDING, RUNNING)))
            )
        ).scalar()
    age = 0.0
    if isinstance(oldest, datetime):
        age = max((ctx.clock() - oldest).total_seconds(), 0.0)
    return {"by_status": by_status, "oldest_pending_seconds": age}
