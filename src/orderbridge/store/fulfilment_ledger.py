"""One order's fulfilment position per line: ordered, shipped, cancelled, refunded.

Read inside the write transaction that records a new shipment, cancellation or refund,
so the checks against over-shipping and over-refunding see every earlier record.
Failed records do not count: the marketplace never took them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.fulfilment import UpdateStatus
from orderbridge.store.fulfilment_tables import (
    cancellation_lines,
    cancellations,
    refund_lines,
    refunds,
    shipment_lines,
    shipments,
)
from orderbridge.store.tables import order_lines, orders

FAILED = UpdateStatus.FAILED.value


@dataclass(slots=True)
class LinePosition:
    external_line_id: str
    sku: str
    quantity_ordered: int
    marketplace_shipped: int  # what the marketplace reported on the last import
    marketplace_cancelled: int = 0
    shipped: int = 0  # what the OMS reported through orderbridge
    cancelled: int = 0
    refunded_quantity: int = 0
    item_paid: Decimal = Decimal(0)
    tax_paid: Decimal = Decimal(0)
    shipping_paid: Decimal = Decimal(0)
    item_refunded: Decimal = Decimal(0)
    tax_refunded: Decimal = Decimal(0)
    shipping_refunded: Decimal = Decimal(0)

    @property
    def shipped_total(self) -> int:
        # A marketplace that already shows units shipped (shipped outside orderbridge, or our
        # own shipment confirmed) counts as much as our own record of them.
        return max(self.shipped, self.marketplace_shipped)

    @property
    def cancelled_total(self) -> int:
        # A cancellation the marketplace shows (the buyer's, or ours applied) counts as ours.
        return max(self.cancelled, self.marketplace_cancelled)

    @property
    def open_quantity(self) -> int:
        return max(self.quantity_ordered - self.shipped_total - self.cancelled_total, 0)


@dataclass(slots=True)
class OrderPosition:
    order: dict[str, Any]
    lines: dict[str, LinePosition] = field(default_factory=dict)

    def line_by_sku(self, sku: str) -> list[LinePosition]:
        return [line for line in self.lines.values() if line.sku == sku]

    @property
    def fully_shipped(self) -> bool:
        shipped = sum(line.shipped_total for line in self.lines.values())
        return shipped > 0 and all(line.open_quantity == 0 for line in self.lines.values())

    @property
    def anything_shipped(self) -> bool:
        return any(line.shipped_total > 0 for line in self.lines.values())

    @property
    def fully_cancelled(self) -> bool:
        return all(line.cancelled_total >= line.quantity_ordered for line in self.lines.values())


async def order_position(conn: AsyncConnection, order_id: int) -> OrderPosition | None:
    order = (await conn.execute(select(orders).where(orders.c.id == order_id))).mappings().first()
    if order is None:
        return None
    position = OrderPosition(dict(order))
    for row in await conn.execute(
        select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.id)
    ):
        position.lines[row.external_line_id] = LinePosition(
            external_line_id=row.external_line_id,
            sku=row.sku,
            quantity_ordered=row.quantity_ordered,
            marketplace_shipped=row.quantity_shipped,
            marketplace_cancelled=row.quantity_cancelled,
            item_paid=row.item_price,
            tax_paid=row.item_tax,
            shipping_paid=row.shipping_price,
        )
    for line_id, quantity in await _sums(conn, shipment_lines, shipments, "shipment_id", order_id):
        if line_id in position.lines:
            position.lines[line_id].shipped = quantity
    for line_id, quantity in await _sums(
        conn, cancellation_lines, cancellations, "cancellation_id", order_id
    ):
        if line_id in position.lines:
            position.lines[line_id].cancelled = quantity
    await _refunded(conn, order_id, position)
    return position


async def _sums(
    conn: AsyncConnection, lines: Any, parents: Any, parent_key: str, order_id: int
) -> list[tuple[str, int]]:
    query = (
        select(lines.c.external_line_id, func.sum(lines.c.quantity))
        .join(parents, parents.c.id == lines.c[parent_key])
        .where(parents.c.order_id == order_id, parents.c.status != FAILED)
        .group_by(lines.c.external_line_id)
    )
    return [(row[0], int(row[1])) for row in await conn.execute(query)]


async def _refunded(conn: AsyncConnection, order_id: int, position: OrderPosition) -> None:
    query = (
        select(refund_lines)
        .join(refunds, refunds.c.id == refund_lines.c.refund_id)
        .where(refunds.c.order_id == order_id, refunds.c.status != FAILED)
    )
    totals: dict[str, list[Any]] = defaultdict(list)
    for row in await conn.execute(query):
        totals[row.external_line_id].append(row)
    for line_id, rows in totals.items():
        line = position.lines.get(line_id)
        if line is None:
            continue
        line.refunded_quantity = sum(row.quantity for row in rows)
        line.item_refunded = sum((row.item_amount for row in rows), Decimal(0))
        line.tax_refunded = sum((row.tax_amount for row in rows), Decimal(0))
        line.shipping_refunded = sum((row.shipping_amount for row in rows), Decimal(0))
