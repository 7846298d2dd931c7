"""Deciding that orders go to the OMS: the eligibility rule and putting them in the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.states import (
    ExportStatus,
    ImportStatus,
    OrderStatus,
    can_transition,
    export_hold,
)
from orderbridge.services.context import ServiceContext
from orderbridge.store.order_events import add_events
from orderbridge.store.order_writer import PageOutcome
from orderbridge.store.outbox_queue import add_exports_for_new_orders, schedule_exports
from orderbridge.store.tables import orders


def ineligibility(import_status: str, export_status: str, status: str) -> str | None:
    """Why an order may not be exported now, or None when it may."""
    if import_status != ImportStatus.COMPLETE:
        return "not fully imported"
    held = export_hold(OrderStatus(status))
    if held and export_status == ExportStatus.NOT_EXPORTED:
        return held
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


def exports_new_orders(connection: dict[str, Any]) -> bool:
    """Whether a connection's new orders go to the OMS by themselves."""
    return (
        bool(connection["auto_export"])
        and connection["export_target_id"] is not None
        and not connection["visible_only"]
    )


async def queue_imported(
    ctx: ServiceContext,
    conn: AsyncConnection,
    connection: dict[str, Any],
    outcome: PageOutcome,
    *,
    now: datetime,
) -> list[int]:
    """Automatic export after a stored page: new fulfillable orders (created already marked
    "scheduled", so only their outbox rows are added) and orders that just became
    fulfillable, such as a pending order whose payment went through."""
    if not exports_new_orders(connection):
        return []
    target_id = connection["export_target_id"]
    rows = [(order_id, connection["id"], target_id) for order_id in outcome.created_for_export]
    await add_exports_for_new_orders(
        conn, rows, now=now, max_attempts=ctx.settings.export_max_attempts
    )
    later = [(order_id, connection["id"], target_id) for order_id in outcome.became_exportable]
    scheduled = await schedule(ctx, conn, later, now=now, actor="auto-export")
    return outcome.created_for_export + scheduled
