"""What recording a shipment, cancellation or refund shares: the order, its channel's
capabilities, the lines named in the request, and the idempotency key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.fulfilment import UpdateKind
from orderbridge.marketplaces.base import Capabilities
from orderbridge.services.connections import connector_for
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput, NotFound, ServiceError
from orderbridge.services.fulfilment.requests import Idempotency, LineRequest, Recorded
from orderbridge.store import outbox_queue
from orderbridge.store.fulfilment_ledger import LinePosition, OrderPosition, order_position
from orderbridge.store.idempotency import claim_key, complete_key
from orderbridge.store.tables import connections, orders


@dataclass(frozen=True, slots=True)
class OrderContext:
    order_id: int
    connection: dict[str, Any]
    capabilities: Capabilities


async def order_context(ctx: ServiceContext, order_id: int) -> OrderContext:
    async with ctx.db.read() as conn:
        row = (
            (
                await conn.execute(
                    select(connections)
                    .join(orders, orders.c.connection_id == connections.c.id)
                    .where(orders.c.id == order_id)
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"order {order_id} does not exist", field="order_id")
    connector = await connector_for(ctx, dict(row))
    return OrderContext(order_id, dict(row), connector.capabilities)


async def find_order_id(
    ctx: ServiceContext, *, external_id: str, connection: str | None = None
) -> int:
    """The orderbridge id of a marketplace order id, for status files and polling."""
    query = select(orders.c.id, connections.c.name).join(
        connections, connections.c.id == orders.c.connection_id
    )
    query = query.where(orders.c.external_id == external_id)
    if connection:
        query = query.where(connections.c.name == connection)
    async with ctx.db.read() as conn:
        found = (await conn.execute(query)).all()
    if not found:
        where = f" on connection {connection!r}" if connection else ""
        raise NotFound(
            f"no order {external_id!r}{where}: orderbridge only updates orders it imported; "
            "check the order id (and the connection), or import the order first",
            field="order",
        )
    if len(found) > 1:
        names = ", ".join(sorted(row.name for row in found))
        raise InvalidInput(
            f"order id {external_id!r} exists on several connections ({names}); "
            "name the connection",
            field="connection",
        )
    return int(found[0].id)


async def locked_position(conn: AsyncConnection, order_id: int) -> OrderPosition:
    if conn.dialect.name == "postgresql":
        # Serialise writers of one order (SQLite's BEGIN IMMEDIATE already does).
        await conn.execute(select(orders.c.id).where(orders.c.id == order_id).with_for_update())
    position = await order_position(conn, order_id)
    if position is None:
        raise NotFound(f"order {order_id} does not exist", field="order_id")
    return position


def resolve_line(
    position: OrderPosition, *, line_id: str | None, sku: str | None, field: str
) -> LinePosition:
    """The order line a request names, by marketplace line id or by SKU."""
    if line_id:
        line = position.lines.get(line_id)
        if line is None:
            known = ", ".join(position.lines)
            raise InvalidInput(
                f"order has no line {line_id!r} (its lines: {known})", field=f"{field}.line_id"
            )
        return line
    if sku:
        matches = position.line_by_sku(sku)
        if not matches:
            known = ", ".join(sorted({line.sku for line in position.lines.values()}))
            raise InvalidInput(
                f"order has no line with SKU {sku!r} (its SKUs: {known})", field=f"{field}.sku"
            )
        if len(matches) > 1:
            raise InvalidInput(
                f"SKU {sku!r} is on several lines of this order; name the line by line_id",
                field=f"{field}.sku",
            )
        return matches[0]
    raise InvalidInput("each line needs a line_id or a sku", field=field)


def require_operation(context: OrderContext, operation: str, what: str) -> None:
    """Refuse now, while the OMS is listening, what the channel's API cannot take."""
    if context.connection["visible_only"]:
        raise InvalidInput(
            f"connection {context.connection['name']!r} is visible-only: its orders are managed "
            "in the marketplace's seller portal, not through orderbridge",
            field="order_id",
        )
    if operation not in context.capabilities.operations:
        channel = context.connection["channel"]
        raise InvalidInput(
            f"{channel} takes no {what} through its API; do it in the marketplace's seller "
            "portal (or, for refunds, through the return)",
            field="order_id",
        )


def open_lines(position: OrderPosition) -> dict[str, int]:
    """Every line's quantity still to ship (or cancel): what "no lines" means in a request."""
    return {
        line.external_line_id: line.open_quantity
        for line in position.lines.values()
        if line.open_quantity > 0
    }


def pick_lines(
    position: OrderPosition,
    wanted: Sequence[LineRequest],
    refuse: Callable[[LinePosition, int, str], ServiceError],
) -> dict[str, int]:
    """The requested quantity per line, never more than is open; ``refuse`` words the error
    for a line asked for more (given the line, the total asked and the field)."""
    chosen: dict[str, int] = {}
    for index, request in enumerate(wanted):
        field = f"lines[{index}]"
        check_quantity(request.quantity, field)
        line = resolve_line(position, line_id=request.line_id, sku=request.sku, field=field)
        total = chosen.get(line.external_line_id, 0) + request.quantity
        if total > line.open_quantity:
            raise refuse(line, total, f"{field}.quantity")
        chosen[line.external_line_id] = total
    return chosen


async def queue_for_marketplace(
    ctx: ServiceContext,
    conn: AsyncConnection,
    kind: UpdateKind,
    order: dict[str, Any],
    subject_id: int,
    *,
    now: datetime,
    due_at: datetime | None = None,
) -> None:
    """The outbox row that takes a recorded shipment, cancellation or refund to the marketplace."""
    await outbox_queue.schedule_update(
        conn,
        kind=kind.value,
        order_id=order["id"],
        connection_id=order["connection_id"],
        subject_id=subject_id,
        now=now,
        due_at=due_at or now,
        max_attempts=ctx.settings.export_max_attempts,
    )


def check_quantity(quantity: int, field: str) -> None:
    if quantity < 1:
        raise InvalidInput("quantity must be at least 1", field=f"{field}.quantity")


async def with_idempotency(
    conn: AsyncConnection,
    idempotency: Idempotency | None,
    now: Any,
    work: Callable[[], Awaitable[Recorded]],
) -> Recorded:
    """Run ``work`` once per key; a repeat with the same body gets the first result."""
    if idempotency is None:
        return await work()
    stored = await claim_key(
        conn,
        scope=idempotency.scope,
        key=idempotency.key,
        request_hash=idempotency.request_hash,
        now=now,
    )
    if stored is not None:
        if stored["request_hash"] != idempotency.request_hash:
            raise Conflict(
                "this Idempotency-Key was used before with a different request; "
                "use a new key for a new request",
                field="Idempotency-Key",
            )
        first = stored["response"]
        return Recorded(first["kind"], first["id"], first["order_id"], replayed=True, changed=False)
    recorded = await work()
    await complete_key(
        conn,
        scope=idempotency.scope,
        key=idempotency.key,
        status_code=201,
        response={"kind": recorded.kind, "id": recorded.id, "order_id": recorded.order_id},
    )
    return recorded
