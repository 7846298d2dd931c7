"""What bol does when a write's process status comes due: apply it, or fail it with why.

bol accepts a shipment or cancellation that is well formed (202, PENDING) and checks it
against the order only while processing, so refusals of substance arrive as a
``FAILURE`` with an ``errorMessage``, never as the 202's status code. The messages here
follow bol's wording style: what is wrong, with the order item it concerns.
"""

from __future__ import annotations

from collections.abc import Callable

from orderbridge.sandbox.bol.records import Cancellation, Order, ProcessStatus, Shipment
from orderbridge.sandbox.bol.return_book import ReturnRefused
from orderbridge.sandbox.bol.return_writes import RETURN_EVENTS, apply_return_write
from orderbridge.sandbox.bol.store import OrderStore

NewShipmentIds = Callable[[], tuple[str, str]]


class Refused(Exception):
    """The write cannot be applied; the message becomes the process status' errorMessage."""


def apply(
    status: ProcessStatus, store: OrderStore, now: float, shipment_ids: NewShipmentIds
) -> None:
    """Finish ``status``: SUCCESS with its effect on the orders, or FAILURE with why."""
    try:
        if status.event_type == "CREATE_SHIPMENT":
            store.shipments.append(_ship(status, store, now, shipment_ids))
        elif status.event_type == "CANCEL_ORDER":
            store.cancellations.append(_cancel(status, store, now))
        elif status.event_type in RETURN_EVENTS:
            apply_return_write(status, store, now)
        else:
            raise Refused(f"Unknown event type {status.event_type}.")
    except (Refused, ReturnRefused) as refused:
        status.status = "FAILURE"
        status.error_message = str(refused)
    else:
        status.status = "SUCCESS"
    status.finished_at = now


def _order_of(store: OrderStore, order_item_id: str) -> Order:
    order = store.order_of_item(order_item_id)
    if order is None:
        raise Refused(f"Order item {order_item_id} could not be found.")
    return order


def _ship(
    status: ProcessStatus, store: OrderStore, now: float, shipment_ids: NewShipmentIds
) -> Shipment:
    request = status.request
    label = request.get("shippingLabelId")
    if label is not None:
        # The simulated retailer never bought a bol shipping label.
        raise Refused(f"Shipping label {label} could not be found.")
    lines: list[tuple[str, int]] = []
    order: Order | None = None
    for entry in request["orderItems"]:
        item_id = entry["orderItemId"]
        owner = _order_of(store, item_id)
        if order is not None and owner.order_id != order.order_id:
            raise Refused(
                f"Order item {item_id} belongs to another order than {order.order_id}; a "
                "shipment can only contain order items of one order."
            )
        order = owner
        item = owner.item(item_id)
        assert item is not None
        if item.fulfilment_method == "FBB":
            raise Refused(f"Order item {item_id} is fulfilled by bol and cannot be shipped.")
        if item.open <= 0:
            if item.quantity_cancelled > 0 and item.quantity_shipped < item.quantity:
                raise Refused(f"Order item {item_id} has been cancelled and cannot be shipped.")
            raise Refused(f"Order item {item_id} has already been shipped.")
        quantity = entry.get("quantity", item.open)
        if quantity > item.open:
            raise Refused(
                f"The quantity to ship ({quantity}) for order item {item_id} exceeds the open "
                f"quantity ({item.open})."
            )
        lines.append((item_id, quantity))
    assert order is not None
    for item_id, quantity in lines:
        item = order.item(item_id)
        assert item is not None
        item.quantity_shipped += quantity
        item.changed_at = now
    transport = request.get("transport") or {}
    shipment_id, transport_id = shipment_ids()
    return Shipment(
        shipment_id=shipment_id,
        order_id=order.order_id,
        shipped_at=now,
        reference=request.get("shipmentReference"),
        lines=lines,
        transport_id=transport_id,
        transporter_code=transport.get("transporterCode"),
        track_and_trace=transport.get("trackAndTrace"),
        fulfilment_method="FBR",
    )


def _cancel(status: ProcessStatus, store: OrderStore, now: float) -> Cancellation:
    (entry,) = status.request["orderItems"]
    item_id = entry["orderItemId"]
    order = _order_of(store, item_id)
    item = order.item(item_id)
    assert item is not None
    if item.open <= 0:
        if item.quantity_shipped >= item.quantity:
            raise Refused(f"Order item {item_id} has already been shipped and cannot be cancelled.")
        raise Refused(f"Order item {item_id} has already been cancelled.")
    quantity = item.open
    item.quantity_cancelled += quantity
    item.changed_at = now
    return Cancellation(order.order_id, item_id, quantity, entry["reasonCode"], "RETAILER", now)


def due(statuses: list[ProcessStatus], now: float) -> list[ProcessStatus]:
    """The pending statuses whose processing time has come, in the order they end."""
    pending = [s for s in statuses if s.status == "PENDING" and s.due_at <= now]
    return sorted(pending, key=lambda s: (s.due_at, s.process_status_id))


def new_status(
    process_status_id: str, event_type: str, entity_id: str, request: dict[str, object], now: float
) -> ProcessStatus:
    action = {
        "CREATE_SHIPMENT": "create shipment",
        "CANCEL_ORDER": "cancel order item",
        **RETURN_EVENTS,
    }
    return ProcessStatus(
        process_status_id=process_status_id,
        entity_id=entity_id,
        event_type=event_type,
        description=f"Processing {action.get(event_type, event_type)} for "
        f"{'rma id' if event_type == 'HANDLE_RETURN_ITEM' else 'order item'} {entity_id}.",
        created_at=now,
        due_at=now,
        request=request,
    )
