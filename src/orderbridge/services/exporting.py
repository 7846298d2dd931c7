"""Export orders to the OMS: manual selection, and delivery of claimed outbox rows.

Delivery is claim → call → record in separate short transactions: the lease stops a
second worker from sending the same order meanwhile, and the idempotency key, stable
across retries, lets the OMS drop a repeat that a lost answer could cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.states import ExportStatus, transition_to
from orderbridge.observability import EXPORTS, log
from orderbridge.oms.base import ExportError, TargetConfig
from orderbridge.services.context import ServiceContext
from orderbridge.services.export_delivery import (
    export_parts,
    failure_fix,
    order_row,
    payload,
    send,
)
from orderbridge.services.export_scheduling import ineligibility, schedule
from orderbridge.services.retry_timing import backoff_delay
from orderbridge.store import outbox_queue
from orderbridge.store.error_log import record_error
from orderbridge.store.order_events import add_events
from orderbridge.store.tables import connections, orders, outbox


@dataclass(frozen=True, slots=True)
class ExportDecision:
    order_id: int
    scheduled: bool
    message: str


async def export_orders(
    ctx: ServiceContext, order_ids: list[int], *, actor: str
) -> list[ExportDecision]:
    """Manual export of chosen orders; answers per order, with the reason for refused ones."""
    decisions: list[ExportDecision] = []
    now = ctx.clock()
    async with ctx.db.write() as conn:
        rows = {
            row.id: row
            for row in await conn.execute(
                select(
                    orders.c.id,
                    orders.c.connection_id,
                    orders.c.import_status,
                    orders.c.export_status,
                    orders.c.status,
                    connections.c.name,
                    connections.c.export_target_id,
                    connections.c.visible_only,
                )
                .join(connections, connections.c.id == orders.c.connection_id)
                .where(orders.c.id.in_(order_ids))
            )
        }
        to_schedule: list[tuple[int, int, int]] = []
        for order_id in dict.fromkeys(order_ids):
            row = rows.get(order_id)
            if row is None:
                decisions.append(ExportDecision(order_id, False, "order does not exist"))
                continue
            reason = ineligibility(row.import_status, row.export_status, row.status)
            if reason is None and row.visible_only:
                reason = (
                    f"connection {row.name!r} is visible-only: its orders are managed in the "
                    "marketplace's seller portal and never exported"
                )
            if reason is None and row.export_target_id is None:
                reason = (
                    f"connection {row.name!r} has no export target; set one with "
                    f"`orderbridge connections update {row.name} --export-target NAME`"
                )
            if reason:
                decisions.append(ExportDecision(order_id, False, reason))
                continue
            if row.export_status == ExportStatus.EXPORT_FAILED:
                await _requeue_failed(
                    ctx, conn, order_id, row.connection_id, row.export_target_id, now, actor
                )
                decisions.append(ExportDecision(order_id, True, "export scheduled again"))
                continue
            to_schedule.append((order_id, row.connection_id, row.export_target_id))
        queued = set(await schedule(ctx, conn, to_schedule, now=now, actor=actor))
        for order_id, _, _ in to_schedule:
            ok = order_id in queued
            decisions.append(
                ExportDecision(order_id, ok, "export scheduled" if ok else "already scheduled")
            )
    ctx.wake()
    order_position = {oid: pos for pos, oid in enumerate(order_ids)}
    return sorted(decisions, key=lambda d: order_position.get(d.order_id, 0))


async def _requeue_failed(
    ctx: ServiceContext,
    conn: AsyncConnection,
    order_id: int,
    connection_id: int,
    target_id: int,
    now: datetime,
    actor: str,
) -> None:
    """An operator's retry of a failed export: the same outbox row, fresh attempts."""
    key = outbox_queue.export_key(order_id, target_id)
    found = (await conn.execute(select(outbox.c.id).where(outbox.c.dedup_key == key))).scalar()
    if found is None:
        await schedule(ctx, conn, [(order_id, connection_id, target_id)], now=now, actor=actor)
        return
    await outbox_queue.requeue(conn, int(found), now=now)
    await conn.execute(
        update(orders)
        .where(orders.c.id == order_id)
        .values(
            export_status=transition_to(ExportStatus.EXPORT_FAILED, ExportStatus.SCHEDULED).value,
            updated_at=now,
        )
    )
    await add_events(conn, [order_id], OrderEventKind.EXPORT_SCHEDULED, at=now, actor=actor)


async def deliver(ctx: ServiceContext, item: outbox_queue.ClaimedItem, *, owner: str) -> str:
    """Send one claimed export; returns the outcome (exported, retry, failed, skipped)."""
    prepared = await _start(ctx, item, owner)
    if isinstance(prepared, str):
        return prepared
    document, config = prepared
    key = f"orderbridge-order-{item.order_id}-target-{item.target_id}"
    try:
        receipt = await send(ctx, config, document, key)
    except ExportError as exc:
        return await _failed(ctx, item, owner, exc, config.kind)
    now = ctx.clock()
    async with ctx.db.write() as conn:
        if not await outbox_queue.settle(
            conn, item.id, owner=owner, status=outbox_queue.DONE, now=now
        ):
            return "skipped"  # our lease ran out and another worker owns the row now
        await conn.execute(
            update(orders)
            .where(orders.c.id == item.order_id)
            .values(
                export_status=transition_to(
                    ExportStatus.BEING_EXPORTED, ExportStatus.EXPORTED
                ).value,
                exported_at=now,
                updated_at=now,
            )
        )
        await add_events(
            conn,
            [item.order_id],
            OrderEventKind.EXPORT_SUCCEEDED,
            at=now,
            actor=owner,
            data={"target": config.name, "receipt": receipt.detail},
        )
    EXPORTS.labels(config.kind, "exported").inc()
    return "exported"


async def _start(
    ctx: ServiceContext, item: outbox_queue.ClaimedItem, owner: str
) -> tuple[dict[str, Any], TargetConfig] | str:
    """Check the export is still needed, mark the order as being exported, build the document."""
    now = ctx.clock()
    async with ctx.db.write() as conn:
        order = await order_row(conn, item.order_id)
        if order is None or order["export_status"] == ExportStatus.EXPORTED:
            await outbox_queue.settle(conn, item.id, owner=owner, status=outbox_queue.DONE, now=now)
            return "skipped"
        assert item.target_id is not None  # an export row always names its target
        parts = await export_parts(conn, order, item.connection_id, item.target_id)
        current = ExportStatus(order["export_status"])
        if current != ExportStatus.BEING_EXPORTED:
            # A row taken over from a dead worker is already "being exported".
            await conn.execute(
                update(orders)
                .where(orders.c.id == item.order_id)
                .values(
                    export_status=transition_to(current, ExportStatus.BEING_EXPORTED).value,
                    updated_at=now,
                )
            )
        await add_events(
            conn,
            [item.order_id],
            OrderEventKind.EXPORT_STARTED,
            at=now,
            actor=owner,
            data={"target": parts.target["name"], "attempt": item.attempts},
        )
    return payload(ctx, parts)


async def _failed(
    ctx: ServiceContext,
    item: outbox_queue.ClaimedItem,
    owner: str,
    exc: ExportError,
    kind: str,
) -> str:
    now = ctx.clock()
    exhausted = item.attempts >= item.max_attempts
    retry = exc.retryable and not exhausted
    delay = backoff_delay(ctx, item.attempts)
    async with ctx.db.write() as conn:
        settled = await outbox_queue.settle(
            conn,
            item.id,
            owner=owner,
            status=outbox_queue.PENDING if retry else outbox_queue.DEAD,
            now=now,
            error=exc.message,
            next_attempt_at=now + delay if retry else None,
        )
        if not settled:
            return "skipped"
        new_status = ExportStatus.SCHEDULED if retry else ExportStatus.EXPORT_FAILED
        await conn.execute(
            update(orders)
            .where(orders.c.id == item.order_id)
            .values(
                export_status=transition_to(ExportStatus.BEING_EXPORTED, new_status).value,
                updated_at=now,
            )
        )
        await add_events(
            conn,
            [item.order_id],
            OrderEventKind.EXPORT_RETRY if retry else OrderEventKind.EXPORT_FAILED,
            at=now,
            actor=owner,
            data={"error": exc.message, "attempt": item.attempts},
        )
        fix = failure_fix(exc, retry_at=now + delay if retry else None, retry="retry the export")
        # One entry when trouble starts and one when it ends in failure; the attempts in
        # between only update the scheduled export's last error.
        if item.attempts == 1 or not retry:
            await record_error(
                conn,
                title=f"Export of order {item.order_id} failed: {exc.message}",
                operation="export",
                at=now,
                connection_id=item.connection_id,
                order_id=item.order_id,
                outbox_id=item.id,
                attributes={**exc.attributes(), "attempt": item.attempts, "fix": fix},
            )
    result = "retry" if retry else "failed"
    EXPORTS.labels(kind, result).inc()
    log.warning("export_failed", order_id=item.order_id, outbox_id=item.id, result=result)
    return result
