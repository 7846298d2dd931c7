"""Deciding that orders go to the OMS: the eligibility rule and putting them in the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.states import ExportStatus, ImportStatus, can_transition
from orderbridge.services.context import ServiceContext
from orderbridge.store.order_events import add_events
from orderbridge.store.outbox_queue import schedule_exports
from orderbridge.store.tables import orders


def ineligibility(import_status: str, export_status: str) -> str | None:
    """Why an order may not be exported now, or None when it may."""
    if import_status != ImportStatus.COMPLETE:
        return "not fully imported"
    if export_status == ExportStatus.EXPORTED:
        return "already exported"
    if export_status in (ExportStatus.SCHEDULED, ExportStatus.BEING_EXPORTED):
        return "already scheduled for export"
    if not can_transition(ExportStatus(export_status), ExportStatus.SCHEDULED):
        return f"export status {export_status} does not allow a new export"
    return None


async def schedule(
    ctx: ServiceContext,
    conn: AsyncConnection,
    rows: list[tuple[int, int, int]],
    *,
    now: datetime,
    actor: str,
) -> list[int]:
    """Queue (order id, connection id, target id) exports and mark the orders scheduled."""
    queued = await schedule_exports(
        conn, rows, now=now, max_attempts=ctx.settings.export_max_attempts
    )
    if queued:
        await conn.execute(
            update(orders)
            .where(orders.c.id.in_(queued))
            .values(export_status=ExportStatus.SCHEDULED.value, updated_at=now)
        )
        await add_events(conn, queued, OrderEventKind.EXPORT_SCHEDULED, at=now, actor=actor)
    return queued


async def schedule_for_connection(
    ctx: ServiceContext,
    conn: AsyncConnection,
    connection: dict[str, Any],
    new_order_ids: list[int],
    *,
    now: datetime,
) -> list[int]:
    """Automatic export of freshly imported orders, when the connection asks for it."""
    target_id = connection["export_target_id"]
    if not new_order_ids or not connection["auto_export"] or target_id is None:
        return []
    rows = [(order_id, connection["id"], target_id) for order_id in new_order_ids]
    return await schedule(ctx, conn, rows, now=now, actor="auto-export")
