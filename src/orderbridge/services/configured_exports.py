"""Delivering the exports of export configurations, one claimed outbox row at a time.

Built like ``exporting.deliver`` and sharing its parts (``export_delivery``): claim,
call and record in separate short transactions, so no transaction stays open across the
call to the target. The idempotency key names the configuration and the order and is
stable across retries, so a target drops a repeat that a lost answer caused. The
``configuration_exports`` row records every outcome; the order's own export status and
its export events follow only when the configuration updates status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.states import ExportStatus
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
from orderbridge.services.order_export_status import move_order, walk
from orderbridge.services.retry_timing import backoff_delay
from orderbridge.store import outbox_queue
from orderbridge.store.configuration_tables import configuration_exports, export_configurations
from orderbridge.store.error_log import record_error


@dataclass(frozen=True, slots=True)
class ConfiguredExport:
    export_id: int
    configuration_id: int
    configuration: str
    update_status: bool
    target: str


def idempotency_key(configuration_id: int, order_id: int) -> str:
    return f"orderbridge-order-{order_id}-configuration-{configuration_id}"


async def deliver_configured(
    ctx: ServiceContext, item: outbox_queue.ClaimedItem, *, owner: str
) -> str:
    """Send one claimed configuration export; returns exported, retry, failed or skipped."""
    prepared = await _start(ctx, item, owner)
    if isinstance(prepared, str):
        return prepared
    job, document, config = prepared
    try:
        receipt = await send(
            ctx, config, document, idempotency_key(job.configuration_id, item.order_id)
        )
    except ExportError as exc:
        return await _failed(ctx, item, owner, job, exc, config)
    now = ctx.clock()
    async with ctx.db.write() as conn:
        if not await outbox_queue.settle(
            conn, item.id, owner=owner, status=outbox_queue.DONE, now=now
        ):
            return "skipped"  # our lease ran out and another worker owns the row now
        await _finish_export(conn, job, ExportStatus.EXPORTED, now=now, exported_at=now)
        if job.update_status:
            await _move_order(
                conn,
                item.order_id,
                ExportStatus.EXPORTED,
                now=now,
                actor=owner,
                event=OrderEventKind.EXPORT_SUCCEEDED,
                data={
                    "configuration": job.configuration,
                    "target": config.name,
                    "receipt": receipt.detail,
                },
            )
    EXPORTS.labels(config.kind, "exported").inc()
    return "exported"


async def _start(
    ctx: ServiceContext, item: outbox_queue.ClaimedItem, owner: str
) -> tuple[ConfiguredExport, dict[str, Any], TargetConfig] | str:
    """Check the export is still needed, mark it being exported, build the document."""
    now = ctx.clock()
    async with ctx.db.write() as conn:
        found = (
            (
                await conn.execute(
                    select(
                        configuration_exports.c.id,
                        configuration_exports.c.status,
                        export_configurations.c.id.label("configuration_id"),
                        export_configurations.c.name,
                        export_configurations.c.update_status,
                    )
                    .join(
                        export_configurations,
                        export_configurations.c.id == configuration_exports.c.configuration_id,
                    )
                    .where(configuration_exports.c.id == item.subject_id)
                )
            )
            .mappings()
            .first()
        )
        if found is None:
            await outbox_queue.settle(
                conn,
                item.id,
                owner=owner,
                status=outbox_queue.CANCELLED,
                now=now,
                error="the export configuration was removed",
            )
            return "skipped"
        order = await order_row(conn, item.order_id)
        if order is None or found["status"] == ExportStatus.EXPORTED:
            await outbox_queue.settle(conn, item.id, owner=owner, status=outbox_queue.DONE, now=now)
            return "skipped"
        assert item.target_id is not None  # a configuration export always names its target
        parts = await export_parts(conn, order, item.connection_id, item.target_id)
        job = ConfiguredExport(
            export_id=found["id"],
            configuration_id=found["configuration_id"],
            configuration=found["name"],
            update_status=bool(found["update_status"]),
            target=parts.target["name"],
        )
        # From scheduled; from being exported when taken over from a dead worker; from
        # export failed when the dead outbox row was retried from the scheduled exports.
        await conn.execute(
            update(configuration_exports)
            .where(
                configuration_exports.c.id == job.export_id,
                configuration_exports.c.status == found["status"],
            )
            .values(
                status=walk(ExportStatus(found["status"]), ExportStatus.BEING_EXPORTED).value,
                attempts=item.attempts,
                updated_at=now,
            )
        )
        if job.update_status:
            await move_order(
                conn,
                item.order_id,
                order["export_status"],
                ExportStatus.BEING_EXPORTED,
                now=now,
                actor=owner,
                event=OrderEventKind.EXPORT_STARTED,
                data={
                    "configuration": job.configuration,
                    "target": job.target,
                    "attempt": item.attempts,
                },
            )
    document, config = payload(ctx, parts)
    return job, document, config


async def _finish_export(
    conn: AsyncConnection,
    job: ConfiguredExport,
    goal: ExportStatus,
    *,
    now: datetime,
    exported_at: datetime | None = None,
    error: str | None = None,
) -> None:
    values: dict[str, Any] = {
        "status": walk(ExportStatus.BEING_EXPORTED, goal).value,
        "last_error": error,
        "updated_at": now,
    }
    if exported_at is not None:
        values["exported_at"] = exported_at
    await conn.execute(
        update(configuration_exports)
        .where(
            configuration_exports.c.id == job.export_id,
            configuration_exports.c.status == ExportStatus.BEING_EXPORTED.value,
        )
        .values(**values)
    )


async def _move_order(
    conn: AsyncConnection,
    order_id: int,
    goal: ExportStatus,
    *,
    now: datetime,
    actor: str,
    event: OrderEventKind,
    data: dict[str, Any],
) -> None:
    order = await order_row(conn, order_id)
    if order is not None:
        await move_order(
            conn,
            order_id,
            order["export_status"],
            goal,
            now=now,
            actor=actor,
            event=event,
            data=data,
        )


async def _failed(
    ctx: ServiceContext,
    item: outbox_queue.ClaimedItem,
    owner: str,
    job: ConfiguredExport,
    exc: ExportError,
    config: TargetConfig,
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
        goal = ExportStatus.SCHEDULED if retry else ExportStatus.EXPORT_FAILED
        await _finish_export(conn, job, goal, now=now, error=exc.message)
        if job.update_status:
            # An order another export already delivered stays exported (move_order).
            await _move_order(
                conn,
                item.order_id,
                goal,
                now=now,
                actor=owner,
                event=OrderEventKind.EXPORT_RETRY if retry else OrderEventKind.EXPORT_FAILED,
                data={
                    "configuration": job.configuration,
                    "target": config.name,
                    "error": exc.message,
                    "attempt": item.attempts,
                },
            )
        how = (
            f"retry it: POST /api/v1/export-configurations/{job.configuration}/exports/"
            f"{item.order_id}/retry or `orderbridge export-configs retry {job.configuration} "
            f"{item.order_id}`"
        )
        fix = failure_fix(exc, retry_at=now + delay if retry else None, retry=how)
        # One entry when trouble starts and one when it ends in failure, as for exports.
        if item.attempts == 1 or not retry:
            await record_error(
                conn,
                title=(
                    f"Export of order {item.order_id} by configuration {job.configuration!r} "
                    f"to {config.name!r} failed: {exc.message}"
                ),
                operation="export",
                at=now,
                connection_id=item.connection_id,
                order_id=item.order_id,
                outbox_id=item.id,
                attributes={
                    **exc.attributes(),
                    "configuration": job.configuration,
                    "target": config.name,
                    "attempt": item.attempts,
                    "fix": fix,
                },
            )
    result = "retry" if retry else "failed"
    EXPORTS.labels(config.kind, result).inc()
    log.warning(
        "configured_export_failed",
        configuration=job.configuration,
        order_id=item.order_id,
        outbox_id=item.id,
        result=result,
    )
    return result
