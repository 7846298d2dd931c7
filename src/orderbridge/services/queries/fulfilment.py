"""Read models of an order's shipments, cancellations and refunds, with their lines."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import NotFound
from orderbridge.services.queries.money_text import money_text
from orderbridge.store.fulfilment_tables import (
    cancellation_lines,
    cancellations,
    refund_lines,
    refunds,
    shipment_lines,
    shipments,
)

KINDS: dict[str, tuple[Table, Table, str]] = {
    "shipments": (shipments, shipment_lines, "shipment_id"),
    "cancellations": (cancellations, cancellation_lines, "cancellation_id"),
    "refunds": (refunds, refund_lines, "refund_id"),
}
_HIDDEN = {"order_id", "connection_id"}
_LINE_HIDDEN = {"id", "shipment_id", "cancellation_id", "refund_id"}


async def fulfilment_of(
    conn: AsyncConnection, order_id: int, kind: str, record_id: int | None = None
) -> list[dict[str, Any]]:
    """Records of ``kind`` ("shipments", "cancellations", "refunds") of one order, oldest first."""
    parents, lines, key = KINDS[kind]
    query = select(parents).where(parents.c.order_id == order_id).order_by(parents.c.id)
    if record_id is not None:
        query = query.where(parents.c.id == record_id)
    records = [dict(row) for row in (await conn.execute(query)).mappings()]
    if not records:
        return []
    currency = records[0].get("currency")
    by_parent: dict[int, list[dict[str, Any]]] = defaultdict(list)
    line_query = (
        select(lines)
        .where(lines.c[key].in_([record["id"] for record in records]))
        .order_by(lines.c.id)
    )
    for line in (await conn.execute(line_query)).mappings():
        by_parent[line[key]].append(
            {k: _amount(k, v, currency) for k, v in line.items() if k not in _LINE_HIDDEN}
        )
    return [
        {
            **{k: _amount(k, v, currency) for k, v in record.items() if k not in _HIDDEN},
            "order_id": order_id,
            "lines": by_parent[record["id"]],
        }
        for record in records
    ]


def _amount(name: str, value: Any, currency: str | None) -> Any:
    if currency and isinstance(value, Decimal) and name.endswith("_amount"):
        return money_text(value, currency)
    return value


async def fulfilment_record(
    ctx: ServiceContext, order_id: int, kind: str, record_id: int
) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        found = await fulfilment_of(conn, order_id, kind, record_id)
    if not found:
        raise NotFound(f"order {order_id} has no {kind[:-1]} {record_id}")
    return found[0]


async def fulfilment_list(ctx: ServiceContext, order_id: int, kind: str) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        return await fulfilment_of(conn, order_id, kind)
