"""Appending to an order's history inside the transaction that made the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.store.tables import order_events


async def add_events(
    conn: AsyncConnection,
    order_ids: list[int],
    kind: OrderEventKind,
    *,
    at: datetime,
    actor: str,
    data: dict[str, Any] | None = None,
) -> None:
    if not order_ids:
        return
    await conn.execute(
        order_events.insert(),
        [
            {"order_id": oid, "kind": kind.value, "at": at, "actor": actor, "data": data or {}}
            for oid in order_ids
        ],
    )
