"""Recording the merchant's cancellations: whole order or lines, with a reason.

Whether lines may be cancelled one by one is the channel's rule, read from its
connector's capabilities. Nothing already shipped can be cancelled; the order becomes
cancelled when the marketplace confirms.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.fulfilment import UpdateKind, UpdateStatus
from orderbridge.domain.states import OrderStatus
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput
from orderbridge.services.fulfilment.recording import (
    locked_position,
    open_lines,
    order_context,
    pick_lines,
    queue_for_marketplace,
    require_operation,
    with_idempotency,
)
from orderbridge.services.fulfilment.requests import CancellationRequest, Idempotency, Recorded
from orderbridge.store.fulfilment_ledger import LinePosition, OrderPosition
from orderbridge.store.fulfilment_tables import cancellation_lines, cancellations
from orderbridge.store.order_events import add_events


async def record_cancellation(
    ctx: ServiceContext,
    order_id: int,
    request: CancellationRequest,
    *,
    actor: str,
    source: str,
    idempotency: Idempotency | None = None,
) -> Recorded:
    context = await order_context(ctx, order_id)
    require_operation(context, "cancel", "cancellations")
    if request.lines and not context.capabilities.partial_cancel:
        raise InvalidInput(
            "this marketplace cancels whole orders only: send the cancellation without lines",
            field="lines",
        )
    now = ctx.clock()

    async def work() -> Recorded:
        position = await locked_position(conn, order_id)
        status = OrderStatus(position.order["status"])
        if status is OrderStatus.CANCELED:
            raise Conflict("the order is cancelled already", field="order_id")
        if status in (OrderStatus.SHIPPED, OrderStatus.COMPLETE):
            raise Conflict(
                "the order is shipped: it cannot be cancelled; refund it instead",
                field="order_id",
            )
        lines = _cancelled_lines(position, request)
        whole = not request.lines
        cancellation_id = await _insert(conn, position, request, lines, whole, source, now)
        await queue_for_marketplace(
            ctx, conn, UpdateKind.CANCELLATION, position.order, cancellation_id, now=now
        )
        await add_events(
            conn,
            [order_id],
            OrderEventKind.CANCELLATION_REQUESTED,
            at=now,
            actor=actor,
            data={
                "cancellation_id": cancellation_id,
                "reason": request.reason.value,
                "whole_order": whole,
                "lines": lines,
            },
        )
        return Recorded(UpdateKind.CANCELLATION.value, cancellation_id, order_id)

    async with ctx.db.write() as conn:
        recorded = await with_idempotency(conn, idempotency, now, work)
    ctx.wake()
    return recorded


def _cancelled_lines(position: OrderPosition, request: CancellationRequest) -> dict[str, int]:
    if request.lines:
        return pick_lines(position, request.lines, _too_many)
    shipped = [line for line in position.lines.values() if line.shipped_total > 0]
    if shipped:
        names = ", ".join(f"{line.external_line_id} ({line.sku})" for line in shipped)
        raise Conflict(
            f"part of the order is shipped already ({names}): cancel the open lines "
            "instead of the whole order",
            field="lines",
        )
    lines = open_lines(position)
    if not lines:
        raise Conflict("nothing is left to cancel on this order", field="order_id")
    return lines


def _too_many(line: LinePosition, total: int, field: str) -> Conflict:
    note = f", {line.shipped_total} shipped already" if line.shipped_total else ""
    return Conflict(
        f"line {line.external_line_id} (SKU {line.sku}) has {line.open_quantity} "
        f"unit(s) left to cancel, not {total}{note}",
        field=field,
    )


async def _insert(
    conn: AsyncConnection,
    position: OrderPosition,
    request: CancellationRequest,
    lines: dict[str, int],
    whole: bool,
    source: str,
    now: object,
) -> int:
    cancellation_id = (
        await conn.execute(
            cancellations.insert()
            .values(
                order_id=position.order["id"],
                connection_id=position.order["connection_id"],
                reason=request.reason.value,
                note=request.note,
                whole_order=whole,
                status=UpdateStatus.PENDING.value,
                source=source,
                created_at=now,
                updated_at=now,
            )
            .returning(cancellations.c.id)
        )
    ).scalar_one()
    await conn.execute(
        cancellation_lines.insert(),
        [
            {"cancellation_id": cancellation_id, "external_line_id": line_id, "quantity": qty}
            for line_id, qty in lines.items()
        ],
    )
    return int(cancellation_id)
