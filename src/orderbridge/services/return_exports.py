"""Export returns to the OMS, by the orders' rule: only a return fully imported and not yet
exported goes, once, to its connection's export target.

Delivery is claim → call → record in separate short transactions, as for orders; the
idempotency key stays the same across retries so the OMS can drop a repeat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import ReturnEventKind
from orderbridge.domain.states import ExportStatus, ImportStatus, can_transition, transition_to
from orderbridge.observability import EXPORTS, log
from orderbridge.oms.base import ExportError, TargetConfig
from orderbridge.oms.return_document import return_document
from orderbridge.services.connections import target_config
from orderbridge.services.context import ServiceContext
from orderbridge.services.export_delivery import failure_fix, send
from orderbridge.services.exporting import ExportDecision
from orderbridge.services.retry_timing import backoff_delay
from orderbridge.store import outbox_queue
from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.error_log import record_error
from orderbridge.store.return_tables import return_lines, returns
from orderbridge.store.return_writer import add_return_events
from orderbridge.store.tables import connections, export_targets, orders, outbox

EXPORT_RETURN = "export_return"


def return_export_key(return_id: int, target_id: int) -> str:
    return f"{EXPORT_RETURN}:{return_id}:{target_id}"


def return_ineligibility(import_status: str, export_status: str) -> str | None:
    """Why a return may not be exported now, or None when it may."""
    if import_status != ImportStatus.COMPLETE:
        return "not fully imported: a returned line names no line of its order"
    if export_status == ExportStatus.EXPORTED:
        return "already exported"
    if export_status in (ExportStatus.SCHEDULED, ExportStatus.BEING_EXPORTED):
        return "already scheduled for export"
    if not can_transition(ExportStatus(export_status), ExportStatus.SCHEDULED):
        return f"export status {export_status} does not allow a new export"
    return None


async def schedule_return_exports(
    ctx: ServiceContext,
    conn: AsyncConnection,
    pairs: list[tuple[int, int]],
    *,
    now: datetime,
    actor: str,
) -> list[int]:
    """Queue (return id, target id) exports; returns the returns newly queued. A return
    queued already for that target is left alone, so scheduling twice is harmless."""
    if not pairs:
        return []
    found = {
        row.id: row
        for row in await conn.execute(
            select(returns.c.id, returns.c.order_id, returns.c.connection_id).where(
                returns.c.id.in_([return_id for return_id, _ in pairs])
            )
        )
    }
    rows = [
        {
            "kind": EXPORT_RETURN,
            "lane": outbox_queue.OMS_LANE,
            "dedup_key": return_export_key(return_id, target_id),
            "order_id": found[return_id].order_id,
            "connection_id": found[return_id].connection_id,
            "target_id": target_id,
            "subject_id": return_id,
            "status": outbox_queue.PENDING,
            "attempts": 0,
            "max_attempts": ctx.settings.export_max_attempts,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for return_id, target_id in pairs
        if return_id in found
    ]
    if not rows:
        return []
    statement = (
        insert_for(conn, outbox)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(outbox.c.subject_id)
    )
    queued = [int(row.subject_id) for row in await conn.execute(statement, rows)]
    if queued:
        await conn.execute(
            update(returns)
            .where(returns.c.id.in_(queued))
            .values(export_status=ExportStatus.SCHEDULED.value, updated_at=now)
        )
        await add_return_events(conn, queued, ReturnEventKind.EXPORT_SCHEDULED, at=now, actor=actor)
    return queued


async def export_returns(
    ctx: ServiceContext, return_ids: list[int], *, actor: str
) -> list[ExportDecision]:
    """Manual export of chosen returns; answers per return, with the reason for refused ones.
    (``ExportDecision.order_id`` carries the return's id here.)"""
    decisions: dict[int, ExportDecision] = {}
    now = ctx.clock()
    async with ctx.db.write() as conn:
        rows = {
            row.id: row
            for row in await conn.execute(
                select(
                    returns.c.id,
                    returns.c.import_status,
                    returns.c.export_status,
                    connections.c.name,
                    connections.c.export_target_id,
                    connections.c.visible_only,
                )
                .join(connections, connections.c.id == returns.c.connection_id)
                .where(returns.c.id.in_(return_ids))
            )
        }
        to_schedule: list[tuple[int, int]] = []
        for return_id in dict.fromkeys(return_ids):
            row = rows.get(return_id)
            if row is None:
                decisions[return_id] = ExportDecision(return_id, False, "return does not exist")
                continue
            reason = _refusal(row)
            if reason:
                decisions[return_id] = ExportDecision(return_id, False, reason)
            elif row.export_status == ExportStatus.EXPORT_FAILED:
                await _requeue_failed(ctx, conn, return_id, row.export_target_id, now, actor)
                decisions[return_id] = ExportDecision(return_id, True, "export scheduled again")
            else:
                to_schedule.append((return_id, row.export_target_id))
        queued = set(await schedule_return_exports(ctx, conn, to_schedule, now=now, actor=actor))
        for return_id, _ in to_schedule:
            ok = return_id in queued
            message = "export scheduled" if ok else "already scheduled"
            decisions[return_id] = ExportDecision(return_id, ok, message)
    ctx.wake()
    return [decisions[return_id] for return_id in dict.fromkeys(return_ids)]


def _refusal(row: Any) -> str | None:
    if row.export_status == ExportStatus.EXPORT_FAILED and row.import_status == "complete":
        reason = None
    else:
        reason = return_ineligibility(row.import_status, row.export_status)
    if reason is None and row.visible_only:
        reason = (
            f"connection {row.name!r} is visible-only: its returns are managed in the "
            "marketplace's seller portal and never exported"
        )
    if reason is None and row.export_target_id is None:
        reason = (
            f"connection {row.name!r} has no export target; set one with "
            f"`orderbridge connections update {row.name} --export-target NAME`"
        )
    return reason


async def _requeue_failed(
    ctx: ServiceContext,
    conn: AsyncConnection,
    return_id: int,
    target_id: int,
    now: datetime,
    actor: str,
) -> None:
    """An operator's retry of a failed export: the same outbox row, fresh attempts."""
    key = return_export_key(return_id, target_id)
    found = (await conn.execute(select(outbox.c.id).where(outbox.c.dedup_key == key))).scalar()
    if found is None:
        await conn.execute(
            update(returns)
            .where(returns.c.id == return_id)
            .values(export_status=ExportStatus.NOT_EXPORTED.value)
        )
        await schedule_return_exports(ctx, conn, [(return_id, target_id)], now=now, actor=actor)
        return
    await outbox_queue.requeue(conn, int(found), now=now)
    await conn.execute(
        update(returns)
        .where(returns.c.id == return_id)
        .values(
            export_status=transition_to(ExportStatus.EXPORT_FAILED, ExportStatus.SCHEDULED).value,
            updated_at=now,
        )
    )
    await add_return_events(
        conn, [return_id], ReturnEventKind.EXPORT_SCHEDULED, at=now, actor=actor
    )


async def deliver_return(ctx: ServiceContext, item: outbox_queue.ClaimedItem, *, owner: str) -> str:
    """Send one claimed return export; returns the outcome (exported, retry, failed, skipped)."""
    prepared = await _start(ctx, item, owner)
    if isinstance(prepared, str):
        return prepared
    document, config = prepared
    return_id = int(item.subject_id or 0)
    key = f"orderbridge-return-{return_id}-target-{item.target_id}"
    try:
        receipt = await send(ctx, config, document, key)
    except ExportError as exc:
        return await _failed(ctx, item, owner, exc, config.kind)
    now = ctx.clock()
    async with ctx.db.write() as conn:
        if not await outbox_queue.settle(
            conn, item.id, owner=owner, status=outbox_queue.DONE, now=now
        ):
            return "skipped"
        await conn.execute(
            update(returns)
            .where(returns.c.id == return_id)
            .values(
                export_status=transition_to(
                    ExportStatus.BEING_EXPORTED, ExportStatus.EXPORTED
                ).value,
                exported_at=now,
                updated_at=now,
            )
        )
        await add_return_events(
            conn,
            [return_id],
            ReturnEventKind.EXPORT_SUCCEEDED,
            at=now,
            actor=owner,
            data={"target": config.name, "receipt": receipt.detail},
        )
    EXPORTS.labels(config.kind, "return_exported").inc()
    return "exported"


async def _start(
    ctx: ServiceContext, item: outbox_queue.ClaimedItem, owner: str
) -> tuple[dict[str, Any], TargetConfig] | str:
    now = ctx.clock()
    return_id = int(item.subject_id or 0)
    async with ctx.db.write() as conn:
        stored = (
            (await conn.execute(select(returns).where(returns.c.id == return_id)))
            .mappings()
            .first()
        )
        if stored is None or stored["export_status"] == ExportStatus.EXPORTED:
            await outbox_queue.settle(conn, item.id, owner=owner, status=outbox_queue.DONE, now=now)
            return "skipped"
        target_row = (
            (
                await conn.execute(
                    select(export_targets).where(export_targets.c.id == item.target_id)
                )
            )
            .mappings()
            .one()
        )
        connection = (
            (await conn.execute(select(connections).where(connections.c.id == item.connection_id)))
            .mappings()
            .one()
        )
        order_external_id = (
            await conn.execute(
                select(orders.c.external_id).where(orders.c.id == stored["order_id"])
            )
        ).scalar_one()
        lines = (
            (
                await conn.execute(
                    select(return_lines)
                    .where(return_lines.c.return_id == return_id)
                    .order_by(return_lines.c.id)
                )
            )
            .mappings()
            .all()
        )
        current = ExportStatus(stored["export_status"])
        if current != ExportStatus.BEING_EXPORTED:
            await conn.execute(
                update(returns)
                .where(returns.c.id == return_id)
                .values(
                    export_status=transition_to(current, ExportStatus.BEING_EXPORTED).value,
                    updated_at=now,
                )
            )
        await add_return_events(
            conn,
            [return_id],
            ReturnEventKind.EXPORT_STARTED,
            at=now,
            actor=owner,
            data={"target": target_row["name"], "attempt": item.attempts},
        )
    document = return_document(
        dict(stored),
        [dict(line) for line in lines],
        order_external_id=order_external_id,
        connection_name=connection["name"],
        channel=connection["channel"],
    )
    return document, target_config(ctx, dict(target_row))


async def _failed(
    ctx: ServiceContext,
    item: outbox_queue.ClaimedItem,
    owner: str,
    exc: ExportError,
    kind: str,
) -> str:
    now = ctx.clock()
    return_id = int(item.subject_id or 0)
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
        new_status = ExportStatus.SCHEDULED if retry else ExportStatus.EXPORT_FAILED
        await conn.execute(
            update(returns)
            .where(returns.c.id == return_id)
            .values(
                export_status=transition_to(ExportStatus.BEING_EXPORTED, new_status).value,
                updated_at=now,
            )
        )
        await add_return_events(
            conn,
            [return_id],
            ReturnEventKind.EXPORT_RETRY if retry else ReturnEventKind.EXPORT_FAILED,
            at=now,
            actor=owner,
            data={"error": exc.message, "attempt": item.attempts},
        )
        fix = failure_fix(
            exc,
            retry_at=now + delay if retry else None,
            retry="export the return again",
            what="return",
        )
        if item.attempts == 1 or not retry:
            await record_error(
                conn,
                title=f"Export of return {return_id} failed: {exc.message}",
                operation="export_return",
                at=now,
                connection_id=item.connection_id,
                order_id=item.order_id,
                outbox_id=item.id,
                attributes={
                    **exc.attributes(),
                    "return_id": return_id,
                    "attempt": item.attempts,
                    "fix": fix,
                },
            )
    result = "retry" if retry else "failed"
    EXPORTS.labels(kind, f"return_{result}").inc()
    log.warning("return_export_failed", return_id=return_id, outbox_id=item.id, result=result)
    return result
