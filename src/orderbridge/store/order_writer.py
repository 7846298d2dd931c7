"""Writes one page of imported orders: idempotent, monotonic, with its events.

Runs inside the caller's write transaction. The unique key (connection, external id)
decides what is new, so two importers racing on the same orders cannot both create one:
the loser's insert does nothing and its order is handled as an update instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.changes import diff_fields
from orderbridge.domain.errors import InvalidTransition
from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.order import OrderSnapshot
from orderbridge.domain.states import (
    FULFILLABLE,
    ExportStatus,
    ImportStatus,
    OrderStatus,
    lags_behind,
    transition_to,
)
from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.key_lists import one_of
from orderbridge.store.order_rows import comparable, comparable_from_rows, line_values, order_values
from orderbridge.store.tables import order_events, order_lines, orders

# Given the orders about to be created, those to hold, with their blockers.
Hold = Callable[[list[OrderSnapshot]], dict[str, list[dict[str, Any]]]]


@dataclass(slots=True)
class PageOutcome:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    # Created already scheduled for export (with ``export_new``): their outbox rows are due.
    created_for_export: list[int] = field(default_factory=list)
    # Not exported and now fulfillable (e.g. pending → unshipped): ready to be scheduled.
    became_exportable: list[int] = field(default_factory=list)
    unchanged: int = 0
    stale: int = 0  # older than what we hold: an overlap re-read or an out-of-order page
    # Created ready to be fulfilled (not pending, not cancelled, not held).
    created_fulfillable: list[int] = field(default_factory=list)
    # Created on hold: the catalog cannot serve them yet.
    created_blocked: list[int] = field(default_factory=list)
    # Cancelled by the marketplace in this page after the OMS had heard of the order.
    cancelled_after_export: list[int] = field(default_factory=list)
    status_conflicts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def touched(self) -> list[int]:
        return self.created + self.updated


async def upsert_page(
    conn: AsyncConnection,
    connection_id: int,
    snapshots: list[OrderSnapshot],
    *,
    now: datetime,
    actor: str,
    export_new: bool = False,
    hold: Hold | None = None,
) -> PageOutcome:
    """Store a page. With ``export_new``, new orders are created already scheduled for export
    (the caller adds their outbox rows in the same transaction), saving an update per page.
    ``hold`` decides, for the orders about to be created, which cannot be created yet: those
    are stored blocked, with their blockers, and are neither scheduled nor acknowledged.
    """
    outcome = PageOutcome()
    by_id = _latest_per_order(snapshots)
    if not by_id:
        return outcome
    existing = await _lock_existing(conn, connection_id, list(by_id))
    fresh = [snap for ext, snap in by_id.items() if ext not in existing]
    held = hold(fresh) if hold is not None and fresh else {}
    created = await _insert_new(conn, connection_id, fresh, now, export_new, held)
    outcome.created.extend(created.values())
    outcome.created_fulfillable = [
        created[snap.external_id]
        for snap in fresh
        if snap.external_id in created
        and snap.status in FULFILLABLE
        and snap.external_id not in held
    ]
    events: list[dict[str, Any]] = [
        _event(order_id, OrderEventKind.IMPORTED, now, actor, {"external_id": ext})
        for ext, order_id in created.items()
    ]
    outcome.created_blocked = [created[ext] for ext in held if ext in created]
    events += [
        _event(created[ext], OrderEventKind.IMPORT_BLOCKED, now, actor, {"blockers": blockers})
        for ext, blockers in held.items()
        if ext in created
    ]
    if export_new:
        outcome.created_for_export = list(outcome.created_fulfillable)
        events += [
            _event(order_id, OrderEventKind.EXPORT_SCHEDULED, now, "auto-export", {})
            for order_id in outcome.created_for_export
        ]
    lines = [
        line_values(created[snap.external_id], line)
        for snap in fresh
        if snap.external_id in created
        for line in snap.lines
    ]
    # Lost the race for these: another importer inserted them between our read and insert.
    raced = [snap.external_id for snap in fresh if snap.external_id not in created]
    if raced:
        existing.update(await _lock_existing(conn, connection_id, raced))
    for ext, row in existing.items():
        await _apply_update(conn, row, by_id[ext], now, actor, outcome, events, lines)
    if lines:
        await conn.execute(order_lines.insert(), lines)
    if events:
        await conn.execute(order_events.insert(), events)
    return outcome


def _latest_per_order(snapshots: list[OrderSnapshot]) -> dict[str, OrderSnapshot]:
    latest: dict[str, OrderSnapshot] = {}
    for snap in snapshots:
        held = latest.get(snap.external_id)
        if held is None or snap.last_updated_at >= held.last_updated_at:
            latest[snap.external_id] = snap
    return latest


async def _lock_existing(
    conn: AsyncConnection, connection_id: int, external_ids: list[str]
) -> dict[str, Any]:
    query = select(orders).where(
        orders.c.connection_id == connection_id, one_of(conn, orders.c.external_id, external_ids)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    rows = (await conn.execute(query)).mappings().all()
    return {row["external_id"]: row for row in rows}


async def _insert_new(
    conn: AsyncConnection,
    connection_id: int,
    fresh: list[OrderSnapshot],
    now: datetime,
    export_new: bool,
    held: Mapping[str, list[dict[str, Any]]],
) -> dict[str, int]:
    if not fresh:
        return {}
    values = [
        {
            **order_values(snap),
            "connection_id": connection_id,
            "external_id": snap.external_id,
            "status": snap.status.value,
            "import_status": (
                ImportStatus.BLOCKED if snap.external_id in held else ImportStatus.COMPLETE
            ).value,
            "import_blockers": held.get(snap.external_id),
            "export_status": (
                ExportStatus.SCHEDULED
                if export_new and snap.status in FULFILLABLE and snap.external_id not in held
                else ExportStatus.NOT_EXPORTED
            ).value,
            "created_at": now,
            "updated_at": now,
        }
        for snap in fresh
    ]
    statement = (
        insert_for(conn, orders)
        .on_conflict_do_nothing(index_elements=["connection_id", "external_id"])
        .returning(orders.c.id, orders.c.external_id)
    )
    result = await conn.execute(statement, values)
    return {row.external_id: row.id for row in result}


async def _apply_update(
    conn: AsyncConnection,
    row: Any,
    snap: OrderSnapshot,
    now: datetime,
    actor: str,
    outcome: PageOutcome,
    events: list[dict[str, Any]],
    lines: list[dict[str, Any]],
) -> None:
    order_id = row["id"]
    if snap.last_updated_at < row["last_updated_at"]:
        outcome.stale += 1
        return
    stored_lines = (
        (
            await conn.execute(
                select(order_lines)
                .where(order_lines.c.order_id == order_id)
                .order_by(order_lines.c.id)
            )
        )
        .mappings()
        .all()
    )
    changes = diff_fields(comparable_from_rows(row, list(stored_lines)), comparable(snap))
    if not changes:
        outcome.unchanged += 1
        if snap.raw != row["raw"]:
            # Nothing we map changed, but the payload kept for audit must be the latest.
            await conn.execute(update(orders).where(orders.c.id == order_id).values(raw=snap.raw))
        return
    values = order_values(snap)
    new_status = OrderStatus(row["status"])
    if snap.status.value != row["status"] and not lags_behind(new_status, snap.status):
        try:
            new_status = transition_to(OrderStatus(row["status"]), snap.status)
            events.append(
                _event(
                    order_id,
                    OrderEventKind.STATUS_CHANGED,
                    now,
                    actor,
                    {"from": row["status"], "to": snap.status.value},
                )
            )
        except InvalidTransition as refused:
            # The marketplace moved an order out of an end state; keep ours and say so.
            outcome.status_conflicts.append((snap.external_id, str(refused)))
    changes.pop("status", None)
    await conn.execute(
        update(orders)
        .where(orders.c.id == order_id)
        .values(**values, status=new_status.value, updated_at=now)
    )
    await conn.execute(delete(order_lines).where(order_lines.c.order_id == order_id))
    lines.extend(line_values(order_id, line) for line in snap.lines)
    if changes:
        events.append(_event(order_id, OrderEventKind.UPDATED, now, actor, {"changes": changes}))
    outcome.updated.append(order_id)
    if (
        new_status is OrderStatus.CANCELED
        and row["status"] != OrderStatus.CANCELED
        and row["export_status"] != ExportStatus.NOT_EXPORTED
    ):
        outcome.cancelled_after_export.append(order_id)
    if (
        row["export_status"] == ExportStatus.NOT_EXPORTED
        and OrderStatus(row["status"]) not in FULFILLABLE
        and new_status in FULFILLABLE
    ):
        outcome.became_exportable.append(order_id)


def _event(
    order_id: int, kind: OrderEventKind, at: datetime, actor: str, data: dict[str, Any]
) -> dict[str, Any]:
    return {"order_id": order_id, "kind": kind.value, "at": at, "actor": actor, "data": data}
