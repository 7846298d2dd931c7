"""The order's own export status, as export configurations that update it move it.

A configuration finds the order in whatever export state the connection's own export or
another configuration left it, so the status is walked along the table of
``domain/states.py`` with one guarded ``transition_to`` per step, never set directly.
An order already exported stays exported: a later failure elsewhere does not undo that.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.errors import InvalidTransition
from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.states import EXPORT_TRANSITIONS, ExportStatus, transition_to
from orderbridge.store.order_events import add_events
from orderbridge.store.tables import orders

# Where a scheduled configuration export takes the order: only from a state no export
# is working on, so the connection's own queued export keeps its status.
SCHEDULABLE_FROM = (ExportStatus.NOT_EXPORTED, ExportStatus.EXPORT_FAILED)


def walk(current: ExportStatus, goal: ExportStatus) -> ExportStatus:
    """Step from ``current`` to ``goal`` through the transition table (shortest way)."""
    previous: dict[ExportStatus, ExportStatus] = {}
    queue = deque([current])
    while queue and goal not in previous and goal != current:
        state = queue.popleft()
        for following in sorted(EXPORT_TRANSITIONS[state]):
            if following not in previous and following != current:
                previous[following] = state
                queue.append(following)
    if goal != current and goal not in previous:
        raise InvalidTransition(ExportStatus.__name__, current.value, goal.value)
    steps: list[ExportStatus] = []
    state = goal
    while state != current:
        steps.append(state)
        state = previous[state]
    for step in reversed(steps):
        current = transition_to(current, step)
    return current


async def schedule_orders(
    conn: AsyncConnection, order_ids: list[int], *, now: datetime, actor: str, data: dict[str, Any]
) -> list[int]:
    """Mark the orders of newly scheduled configuration exports as scheduled; returns those
    whose status changed (the others are exported or have an export under way)."""
    changed: list[int] = []
    if not order_ids:
        return changed
    for current in SCHEDULABLE_FROM:
        result = await conn.execute(
            update(orders)
            .where(orders.c.id.in_(order_ids), orders.c.export_status == current.value)
            .values(export_status=walk(current, ExportStatus.SCHEDULED).value, updated_at=now)
            .returning(orders.c.id)
        )
        changed += [int(row.id) for row in result]
    await add_events(
        conn, sorted(changed), OrderEventKind.EXPORT_SCHEDULED, at=now, actor=actor, data=data
    )
    return changed


async def move_order(
    conn: AsyncConnection,
    order_id: int,
    current: str,
    goal: ExportStatus,
    *,
    now: datetime,
    actor: str,
    event: OrderEventKind,
    data: dict[str, Any],
) -> bool:
    """Walk one order from ``current`` (as just read) to ``goal`` and record ``event``.

    Nothing changes for an exported order, or when the status moved meanwhile (the update
    only applies to the status that was read).
    """
    if current == ExportStatus.EXPORTED:
        return False
    values: dict[str, Any] = {
        "export_status": walk(ExportStatus(current), goal).value,
        "updated_at": now,
    }
    if goal is ExportStatus.EXPORTED:
        values["exported_at"] = now
    result = await conn.execute(
        update(orders)
        .where(orders.c.id == order_id, orders.c.export_status == current)
        .values(**values)
    )
    if not result.rowcount:
        return False
    await add_events(conn, [order_id], event, at=now, actor=actor, data=data)
    return True
