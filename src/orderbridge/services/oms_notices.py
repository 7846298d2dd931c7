"""Telling the OMS about an order it already has: cancelled at the marketplace.

The notice is the order document with ``event: order.cancelled`` (and, for a webhook, the
``X-Orderbridge-Event`` header); a file target writes it as its own file. It rides the
OMS lane of the outbox behind the order's export, so the OMS never hears of the
cancellation before the order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.observability import EXPORTS, log
from orderbridge.oms.base import ExportError
from orderbridge.oms.document import CANCELLED_EVENT, order_document
from orderbridge.services.connections import target_config
from orderbridge.services.context import ServiceContext
from orderbridge.services.retry_timing import backoff_delay
from orderbridge.store import outbox_queue
from orderbridge.store.error_log import record_error
from orderbridge.store.order_events import add_events
from orderbridge.store.order_rows import stored_order
from orderbridge.store.tables import connections, export_targets, order_lines, orders


async def schedule_cancellation_notices(
    ctx: ServiceContext,
    conn: AsyncConnection,
    connection: dict[str, Any],
    order_ids: list[int],
    *,
    now: datetime,
) -> int:
    """Queue an ``order.cancelled`` notice per order to the connection's export target."""
    target_id = connection["export_target_id"]
    if target_id is None:
        return 0
    queued = 0
    for order_id in order_ids:
        queued += await outbox_queue.schedule_notification(
            conn,
            kind=outbox_queue.NOTIFY_CANCELLED,
            order_id=order_id,
            connection_id=connection["id"],
            target_id=target_id,
            now=now,
            max_attempts=ctx.settings.export_max_attempts,
        )
    await add_events(
        conn,
        order_ids,
        OrderEventKind.CANCELLED_BY_MARKETPLACE,
        at=now,
        actor=f"import:{connection['name']}",
        data={"oms_notice": "queued"},
    )
    return queued


async def notify_cancelled(
    ctx: ServiceContext, item: outbox_queue.ClaimedItem, *, owner: str
) -> str:
    async with ctx.db.read() as conn:
        order = (
            (await conn.execute(select(orders).where(orders.c.id == item.order_id)))
            .mappings()
            .one()
        )
        lines = (
            (
                await conn.execute(
                    select(order_lines)
                    .where(order_lines.c.order_id == item.order_id)
                    .order_by(order_lines.c.id)
                )
            )
            .mappings()
            .all()
        )
        connection = (
            (await conn.execute(select(connections).where(connections.c.id == item.connection_id)))
            .mappings()
            .one()
        )
        target_row = (
            (
                await conn.execute(
                    select(export_targets).where(export_targets.c.id == item.target_id)
                )
            )
            .mappings()
            .one()
        )
    stored = stored_order(order, list(lines), connection["name"], connection["channel"])
    document = {**order_document(stored), "event": CANCELLED_EVENT}
    config = target_config(ctx, dict(target_row))
    target = ctx.build_target(config)
    key = f"orderbridge-order-{item.order_id}-cancelled-target-{item.target_id}"
    try:
        receipt = await target.deliver(document, key)
    except ExportError as exc:
        return await _failed(ctx, item, owner, exc, config.kind)
    finally:
        await target.aclose()
    now = ctx.clock()
    async with ctx.db.write() as conn:
        if not await outbox_queue.settle(
            conn, item.id, owner=owner, status=outbox_queue.DONE, now=now
        ):
            return "skipped"
        await add_events(
            conn,
            [item.order_id],
            OrderEventKind.OMS_NOTIFIED,
            at=now,
            actor=owner,
            data={"event": CANCELLED_EVENT, "target": config.name, "receipt": receipt.detail},
        )
    EXPORTS.labels(config.kind, "notified").inc()
    return "notified"


async def _failed(
    ctx: ServiceContext, item: outbox_queue.ClaimedItem, owner: str, exc: ExportError, kind: str
) -> str:
    now = ctx.clock()
    retry = exc.retryable and item.attempts < item.max_attempts
    delay = backoff_delay(ctx, item.attempts)
    async with ctx.db.write() as conn:
        if not await outbox_queue.settle(
            conn,
            item.id,
            owner=owner,
            status=outbox_queue.PENDING if retry else outbox_queue.DEAD,
            now=now,
            error=exc.message,
            next_attempt_at=now + delay if retry else None,
        ):
            return "skipped"
        if item.attempts == 1 or not retry:
            await record_error(
                conn,
                title=f"Cancellation notice for order {item.order_id} to the OMS failed: "
                f"{exc.message}",
                operation="notify",
                at=now,
                connection_id=item.connection_id,
                order_id=item.order_id,
                outbox_id=item.id,
                attributes={
                    **exc.attributes(),
                    "attempt": item.attempts,
                    "fix": (
                        f"nothing: retried automatically at {(now + delay).isoformat()}"
                        if retry
                        else "make the OMS accept the notice, then retry it from the queue"
                    ),
                },
            )
    result = "retry" if retry else "failed"
    EXPORTS.labels(kind, f"notice_{result}").inc()
    log.warning("oms_notice_failed", order_id=item.order_id, outbox_id=item.id, result=result)
    return result
