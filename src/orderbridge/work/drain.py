"""The units of work both runners execute: due import polls, and draining the outbox.

Both only claim rows and call the services; the rows in the database are the truth, so
running these twice, or in several processes at once, is harmless.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from orderbridge.domain.fulfilment import UpdateKind
from orderbridge.observability import log
from orderbridge.services import exporting
from orderbridge.services.acknowledgements import flag_overdue_acknowledgements
from orderbridge.services.configuration_runs import run_due_configurations
from orderbridge.services.configured_exports import deliver_configured
from orderbridge.services.context import ServiceContext
from orderbridge.services.fulfilment.delivery import deliver_update
from orderbridge.services.importing import ImportSummary, import_orders
from orderbridge.services.late_shipments import flag_late_shipments
from orderbridge.services.oms_notices import notify_cancelled
from orderbridge.services.return_exports import EXPORT_RETURN, deliver_return
from orderbridge.services.return_imports import import_returns
from orderbridge.services.status_sources.sources import run_due_sources
from orderbridge.store import feeds, outbox_queue
from orderbridge.store.configuration_exports import EXPORT_CONFIGURED
from orderbridge.store.outbox_queue import EXPORT_ORDER, NOTIFY_CANCELLED

MARKETPLACE_KINDS = frozenset(kind.value for kind in UpdateKind)


async def due_polls(ctx: ServiceContext) -> list[tuple[str, int]]:
    """(feed, connection id) of each due import: orders, and returns beside them."""
    async with ctx.db.read() as conn:
        return await feeds.due_feeds(conn, ctx.clock())


async def poll(
    ctx: ServiceContext, connection_id: int, *, owner: str, feed: str = feeds.ORDERS
) -> ImportSummary | None:
    """One scheduled import; a connection leased by another worker is skipped, not waited on."""
    try:
        if feed == feeds.RETURNS:
            return await import_returns(ctx, connection_id, trigger="schedule", owner=owner)
        return await import_orders(ctx, connection_id, trigger="schedule", owner=owner)
    except Exception:
        log.exception("poll_crashed", connection_id=connection_id, feed=feed)
        return None


async def side_work(ctx: ServiceContext, *, owner: str) -> None:
    """What is neither an import nor a delivery: due status sources and the late-shipment scan."""
    try:
        async with ctx.db.write() as conn:
            await feeds.ensure_return_feeds(conn, ctx.clock())
    except Exception:
        log.exception("return_feeds_crashed")
    try:
        await run_due_sources(ctx, owner=owner)
    except Exception:
        log.exception("status_sources_crashed")
    try:
        await run_due_configurations(ctx, owner=owner)
    except Exception:
        log.exception("export_configurations_crashed")
    try:
        await flag_late_shipments(ctx)
    except Exception:
        log.exception("late_shipment_scan_crashed")
    try:
        await flag_overdue_acknowledgements(ctx)
    except Exception:
        log.exception("acknowledgement_scan_crashed")


async def drain_outbox(ctx: ServiceContext, *, owner: str, batch: int, concurrency: int) -> int:
    """Claim and deliver until nothing is due; returns how many rows were handled."""
    handled = 0
    gate = asyncio.Semaphore(concurrency)

    async def run(item: outbox_queue.ClaimedItem) -> None:
        async with gate:
            try:
                if item.kind == EXPORT_ORDER:
                    await exporting.deliver(ctx, item, owner=owner)
                elif item.kind == EXPORT_CONFIGURED:
                    await deliver_configured(ctx, item, owner=owner)
                elif item.kind == EXPORT_RETURN:
                    await deliver_return(ctx, item, owner=owner)
                elif item.kind == NOTIFY_CANCELLED:
                    await notify_cancelled(ctx, item, owner=owner)
                elif item.kind in MARKETPLACE_KINDS:
                    await deliver_update(ctx, item, owner=owner)
                else:
                    log.error("unknown_outbox_kind", outbox_id=item.id, kind=item.kind)
            except Exception:
                # The lease expires and the row is claimed again; the crash stays visible.
                log.exception("delivery_crashed", outbox_id=item.id, order_id=item.order_id)

    while True:
        async with ctx.db.write() as conn:
            items = await outbox_queue.claim(
                conn,
                owner=owner,
                now=ctx.clock(),
                lease=timedelta(seconds=ctx.settings.lease_seconds),
                limit=batch,
            )
        if not items:
            return handled
        await asyncio.gather(*(run(item) for item in items))
        handled += len(items)


async def seconds_until_due(ctx: ServiceContext, ceiling: float) -> float:
    async with ctx.db.read() as conn:
        due = await outbox_queue.next_due_at(conn)
    if due is None:
        return ceiling
    return max(0.0, min(ceiling, (due - ctx.clock()).total_seconds()))
