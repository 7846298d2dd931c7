"""Recording shipments the OMS reports: checked against what is left to ship, then queued.

A shipment without a tracking number waits for it up to the connection's tracking wait;
the OMS can add it later (same shipment reference, or the tracking endpoint) and the
shipment leaves at once. Several shipments per order make partial deliveries.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.fulfilment import UpdateKind, UpdateStatus
from orderbridge.domain.states import OrderStatus
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput
from orderbridge.services.fulfilment.carrier_choice import CarrierChoice, choose_carrier
from orderbridge.services.fulfilment.progress import move_order_status
from orderbridge.services.fulfilment.recording import (
    locked_position,
    open_lines,
    order_context,
    pick_lines,
    queue_for_marketplace,
    require_operation,
    with_idempotency,
)
from orderbridge.services.fulfilment.requests import Idempotency, Recorded, ShipmentRequest
from orderbridge.store import outbox_queue
from orderbridge.store.fulfilment_ledger import LinePosition, OrderPosition
from orderbridge.store.fulfilment_tables import shipment_lines, shipments
from orderbridge.store.order_events import add_events

# A ship date this far ahead of our clock is a typo or a wrong time zone, not a plan.
_FUTURE_SLACK = timedelta(hours=1)


async def record_shipment(
    ctx: ServiceContext,
    order_id: int,
    request: ShipmentRequest,
    *,
    actor: str,
    source: str,
    idempotency: Idempotency | None = None,
) -> Recorded:
    context = await order_context(ctx, order_id)
    require_operation(context, "ship", "shipments")
    now = ctx.clock()
    shipped_at = request.shipped_at or now
    if shipped_at.tzinfo is None:
        raise InvalidInput("shipped_at needs a time zone (UTC preferred)", field="shipped_at")
    if shipped_at > now + _FUTURE_SLACK:
        raise InvalidInput("shipped_at is in the future", field="shipped_at")
    tracking = (request.tracking_number or "").strip() or None

    async def work() -> Recorded:
        position = await locked_position(conn, order_id)
        if request.reference:
            earlier = await _by_reference(conn, order_id, request.reference)
            if earlier is not None:
                return await _repeat(ctx, conn, earlier, request, tracking, actor, now)
        status = OrderStatus(position.order["status"])
        if status in (OrderStatus.PENDING, OrderStatus.CANCELED):
            raise Conflict(
                f"order is {status.value}: "
                + (
                    "wait until the marketplace shows it paid (unshipped)"
                    if status is OrderStatus.PENDING
                    else "a cancelled order cannot be shipped"
                ),
                field="order_id",
            )
        lines = _shipped_lines(position, request)
        address = position.order.get("shipping_address") or {}
        choice = choose_carrier(
            context.capabilities,
            named=request.carrier,
            tracking_number=tracking,
            country=address.get("country_code"),
        )
        wait = timedelta(seconds=context.connection["tracking_wait_seconds"])
        waiting = tracking is None
        shipment_id = await _insert(
            conn,
            position,
            request,
            choice,
            tracking,
            shipped_at,
            lines,
            now,
            waiting,
            wait,
            source,
        )
        await queue_for_marketplace(
            ctx,
            conn,
            UpdateKind.SHIPMENT,
            position.order,
            shipment_id,
            now=now,
            due_at=now + wait if waiting else now,
        )
        await add_events(
            conn,
            [order_id],
            OrderEventKind.SHIPMENT_RECORDED,
            at=now,
            actor=actor,
            data={
                "shipment_id": shipment_id,
                "lines": dict(lines),
                "carrier": choice.name or (choice.carrier.value if choice.carrier else None),
                "tracking_number": tracking,
                "waiting_for_tracking_until": (now + wait).isoformat() if waiting else None,
            },
        )
        after = await locked_position(conn, order_id)
        target = OrderStatus.SHIPPED if after.fully_shipped else OrderStatus.PARTIALLY_SHIPPED
        await move_order_status(conn, after, target, now=now, actor=actor)
        return Recorded(UpdateKind.SHIPMENT.value, shipment_id, order_id)

    async with ctx.db.write() as conn:
        recorded = await with_idempotency(conn, idempotency, now, work)
    ctx.wake()
    return recorded


def _shipped_lines(position: OrderPosition, request: ShipmentRequest) -> dict[str, int]:
    if request.lines:
        return pick_lines(position, request.lines, _over_shipping)
    lines = open_lines(position)
    if not lines:
        raise Conflict("nothing is left to ship on this order", field="lines")
    return lines


def _over_shipping(line: LinePosition, total: int, field: str) -> InvalidInput:
    return InvalidInput(
        f"over-shipping line {line.external_line_id} (SKU {line.sku}): {total} reported but "
        f"only {line.open_quantity} left to ship (ordered {line.quantity_ordered}, shipped "
        f"{line.shipped_total}, cancelled {line.cancelled_total})",
        field=field,
    )


async def _insert(
    conn: AsyncConnection,
    position: OrderPosition,
    request: ShipmentRequest,
    choice: CarrierChoice,
    tracking: str | None,
    shipped_at: datetime,
    lines: dict[str, int],
    now: datetime,
    waiting: bool,
    wait: timedelta,
    source: str,
) -> int:
    status = UpdateStatus.WAITING_FOR_TRACKING if waiting else UpdateStatus.PENDING
    shipment_id = (
        await conn.execute(
            shipments.insert()
            .values(
                order_id=position.order["id"],
                connection_id=position.order["connection_id"],
                oms_reference=request.reference,
                carrier=choice.carrier.value if choice.carrier else None,
                carrier_name=choice.name,
                carrier_code=choice.code,
                tracking_number=tracking,
                tracking_url=request.tracking_url,
                shipping_method=request.shipping_method,
                shipped_at=shipped_at,
                tracking_deadline=now + wait if waiting else None,
                status=status.value,
                source=source,
                created_at=now,
                updated_at=now,
            )
            .returning(shipments.c.id)
        )
    ).scalar_one()
    await conn.execute(
        shipment_lines.insert(),
        [
            {"shipment_id": shipment_id, "external_line_id": line_id, "quantity": quantity}
            for line_id, quantity in lines.items()
        ],
    )
    return int(shipment_id)


async def _by_reference(
    conn: AsyncConnection, order_id: int, reference: str
) -> dict[str, Any] | None:
    row = (
        (
            await conn.execute(
                select(shipments).where(
                    shipments.c.order_id == order_id, shipments.c.oms_reference == reference
                )
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def _repeat(
    ctx: ServiceContext,
    conn: AsyncConnection,
    earlier: dict[str, Any],
    request: ShipmentRequest,
    tracking: str | None,
    actor: str,
    now: datetime,
) -> Recorded:
    """The OMS reported a shipment it reported before: harmless, or it brings the tracking."""
    shipment_id = int(earlier["id"])
    if tracking and not earlier["tracking_number"]:
        await _add_tracking(ctx, conn, earlier, request.carrier, tracking, actor, now)
        return Recorded(UpdateKind.SHIPMENT.value, shipment_id, earlier["order_id"])
    if tracking and tracking != earlier["tracking_number"]:
        raise Conflict(
            f"shipment {request.reference!r} was reported with tracking number "
            f"{earlier['tracking_number']!r}; a different one needs a new shipment reference",
            field="tracking_number",
        )
    return Recorded(UpdateKind.SHIPMENT.value, shipment_id, earlier["order_id"], changed=False)


async def add_tracking(
    ctx: ServiceContext,
    order_id: int,
    shipment_id: int,
    *,
    tracking_number: str,
    carrier: str | None,
    actor: str,
) -> Recorded:
    """The tracking number for a shipment that was reported without one."""
    tracking = tracking_number.strip()
    if not tracking:
        raise InvalidInput("tracking_number is empty", field="tracking_number")
    now = ctx.clock()
    async with ctx.db.write() as conn:
        row = (
            (
                await conn.execute(
                    select(shipments).where(
                        shipments.c.id == shipment_id, shipments.c.order_id == order_id
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise InvalidInput(
                f"order {order_id} has no shipment {shipment_id}", field="shipment_id"
            )
        if row["tracking_number"] == tracking:
            return Recorded(UpdateKind.SHIPMENT.value, shipment_id, order_id, changed=False)
        if row["tracking_number"]:
            raise Conflict(
                f"shipment {shipment_id} already has tracking number {row['tracking_number']!r}",
                field="tracking_number",
            )
        await _add_tracking(ctx, conn, dict(row), carrier, tracking, actor, now)
    ctx.wake()
    return Recorded(UpdateKind.SHIPMENT.value, shipment_id, order_id)


async def _add_tracking(
    ctx: ServiceContext,
    conn: AsyncConnection,
    row: dict[str, Any],
    carrier: str | None,
    tracking: str,
    actor: str,
    now: datetime,
) -> None:
    if row["status"] not in (UpdateStatus.WAITING_FOR_TRACKING, UpdateStatus.FAILED):
        raise Conflict(
            f"shipment {row['id']} already went to the marketplace ({row['status']}); "
            "its tracking can no longer change here",
            field="tracking_number",
        )
    context = await order_context(ctx, row["order_id"])
    position = await locked_position(conn, row["order_id"])
    address = position.order.get("shipping_address") or {}
    choice = choose_carrier(
        context.capabilities,
        named=carrier or row["carrier_name"],
        tracking_number=tracking,
        country=address.get("country_code"),
    )
    await conn.execute(
        update(shipments)
        .where(shipments.c.id == row["id"])
        .values(
            tracking_number=tracking,
            carrier=choice.carrier.value if choice.carrier else None,
            carrier_name=choice.name,
            carrier_code=choice.code,
            status=UpdateStatus.PENDING.value,
            last_error=None,
            updated_at=now,
        )
    )
    key = outbox_queue.update_key(UpdateKind.SHIPMENT.value, row["id"])
    if not await outbox_queue.make_due(conn, key, now=now):
        # Failed for want of tracking earlier: give it a fresh set of attempts.
        await outbox_queue.requeue_by_key(conn, key, now=now)
    await add_events(
        conn,
        [row["order_id"]],
        OrderEventKind.TRACKING_ADDED,
        at=now,
        actor=actor,
        data={"shipment_id": row["id"], "tracking_number": tracking, "carrier": choice.name},
    )
