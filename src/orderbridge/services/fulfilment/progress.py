"""Moving an order along its lifecycle as fulfilment happens, through the one guard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.states import OrderStatus, can_transition
from orderbridge.store.fulfilment_ledger import OrderPosition
from orderbridge.store.order_events import add_events
from orderbridge.store.tables import orders


async def move_order_status(
    conn: AsyncConnection,
    position: OrderPosition,
    target: OrderStatus,
    *,
    now: datetime,
    actor: str,
) -> bool:
    """Move to ``target`` when the table allows it; a move it refuses is not ours to make
    (the order is already further along, e.g. complete), so it is left as it is."""
    current = OrderStatus(position.order["status"])
    if current == target or not can_transition(current, target):
        return False
    await conn.execute(
        update(orders)
        .where(orders.c.id == position.order["id"])
        .values(status=target.value, updated_at=now)
    )
    await add_events(
        conn,
        [position.order["id"]],
        OrderEventKind.STATUS_CHANGED,
        at=now,
        actor=actor,
        data={"from": current.value, "to": target.value},
    )
    position.order["status"] = target.value
    return True
