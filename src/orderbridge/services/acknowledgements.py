"""Acknowledging new orders on channels that want it (Walmart: within four hours).

Whether a channel wants it, and how soon, is in its connector's capabilities; the core
names no channel. Each new order that can be fulfilled gets an ``acknowledge`` update in
the marketplace lane of the outbox, so it leaves before any shipment of that order. An
order still unacknowledged past the channel's deadline is flagged once: an event and a
warning in the error log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.fulfilment import UpdateKind
from orderbridge.domain.states import OrderStatus
from orderbridge.services.connections import connector_for
from orderbridge.services.context import ServiceContext
from orderbridge.store import outbox_queue
from orderbridge.store.error_log import WARNING, record_error
from orderbridge.store.order_events import add_events
from orderbridge.store.tables import connections, orders, outbox

_BATCH = 500


async def queue_acknowledgements(
    ctx: ServiceContext,
    conn: AsyncConnection,
    connection_id: int,
    order_ids: list[int],
    *,
    now: datetime,
) -> None:
    for order_id in order_ids:
        await outbox_queue.schedule_update(
            conn,
            kind=UpdateKind.ACKNOWLEDGEMENT.value,
            order_id=order_id,
            connection_id=connection_id,
            subject_id=order_id,
            now=now,
            due_at=now,
            max_attempts=ctx.settings.export_max_attempts,
        )


async def flag_overdue_acknowledgements(ctx: ServiceContext) -> int:
    """Flag orders whose acknowledgement is past the channel's deadline; returns how many."""
    now = ctx.clock()
    async with ctx.db.read() as conn:
        waiting = (
            (
                await conn.execute(
                    select(orders.c.connection_id)
                    .join(outbox, outbox.c.order_id == orders.c.id)
                    .where(
                        outbox.c.kind == UpdateKind.ACKNOWLEDGEMENT.value,
                        orders.c.acknowledged_at.is_(None),
                        orders.c.acknowledgement_overdue_at.is_(None),
                        orders.c.status != OrderStatus.CANCELED.value,
                    )
                    .distinct()
                )
            )
            .scalars()
            .all()
        )
        rows = {
            row["id"]: dict(row)
            for row in (
                await conn.execute(select(connections).where(connections.c.id.in_(waiting)))
            ).mappings()
        }
    flagged = 0
    for connection_id, row in rows.items():
        deadline = (await connector_for(ctx, row)).capabilities.acknowledgement_deadline
        if deadline is not None:
            flagged += await _flag(ctx, connection_id, row["name"], now - deadline, now)
    return flagged


async def _flag(
    ctx: ServiceContext, connection_id: int, connection: str, placed_before: datetime, now: datetime
) -> int:
    async with ctx.db.write() as conn:
        overdue = (
            await conn.execute(
                select(orders.c.id, orders.c.external_id, orders.c.purchased_at)
                .join(outbox, outbox.c.order_id == orders.c.id)
                .where(
                    outbox.c.kind == UpdateKind.ACKNOWLEDGEMENT.value,
                    orders.c.connection_id == connection_id,
                    orders.c.acknowledged_at.is_(None),
                    orders.c.acknowledgement_overdue_at.is_(None),
                    orders.c.status != OrderStatus.CANCELED.value,
                    orders.c.purchased_at < placed_before,
                )
                .limit(_BATCH)
            )
        ).all()
        flagged = 0
        for row in overdue:
            # Another worker's scan may have flagged it meanwhile: flag (and tell) once.
            claimed = await conn.execute(
                update(orders)
                .where(orders.c.id == row.id, orders.c.acknowledgement_overdue_at.is_(None))
                .values(acknowledgement_overdue_at=now)
            )
            if not claimed.rowcount:
                continue
            flagged += 1
            await add_events(
                conn,
                [row.id],
                OrderEventKind.ACKNOWLEDGEMENT_OVERDUE,
                at=now,
                actor="acknowledgement-scan",
                data={"purchased_at": row.purchased_at.isoformat()},
            )
            await record_error(
                conn,
                title=f"Order {row.external_id} is not acknowledged yet, past the "
                f"marketplace's deadline",
                operation="acknowledge",
                at=now,
                severity=WARNING,
                connection_id=connection_id,
                order_id=row.id,
                external_order_id=row.external_id,
                attributes={
                    "connection": connection,
                    "purchased_at": row.purchased_at.isoformat(),
                    "fix": "see the acknowledgement's scheduled export for the marketplace's "
                    "answer; the marketplace may cancel unacknowledged orders",
                },
            )
    return flagged
