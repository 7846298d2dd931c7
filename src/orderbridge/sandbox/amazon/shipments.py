"""confirmShipment (`POST /orders/v0/orders/{orderId}/shipmentConfirmation`): one package.

The order must be merchant-fulfilled, in the request's marketplace, and UNSHIPPED or
PARTIALLY_SHIPPED; each call confirms one package. Re-sending a packageReferenceId the order
already has replaces that package (Amazon documents this as the way to edit a shipment), which
is also allowed once the order is SHIPPED, so repeating an identical request changes
nothing. Per item, the units in all packages together may not exceed the units ordered minus
those cancelled.

Effects: the package (status SHIPPED) joins the order, the items' shipped quantities follow
the packages, the order becomes PARTIALLY_SHIPPED or SHIPPED, and lastUpdatedTime moves to
the simulator's now. Answers 204 without a body; refusals are 400 InvalidInput naming the
field, 404 for an unknown order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.amazon.custom_orders import ORDER_ID_PATTERN
from orderbridge.sandbox.amazon.errors import invalid_input, not_found
from orderbridge.sandbox.amazon.lifecycle import derived_status
from orderbridge.sandbox.amazon.pipeline import Answer, read_json_object, run_operation
from orderbridge.sandbox.amazon.records import Order, Package
from orderbridge.sandbox.amazon.shipment_request import ShipmentRequest, parse_shipment_request

if TYPE_CHECKING:
    from orderbridge.sandbox.amazon.state import AmazonSimulator

CONFIRM_SHIPMENT_PATH = "/orders/v0/orders/{orderId}/shipmentConfirmation"
_SHIPPABLE = frozenset({"UNSHIPPED", "PARTIALLY_SHIPPED"})


async def confirm_shipment(request: Request) -> Response:
    return await run_operation(request, "confirmShipment", _confirm, write=True)


async def _confirm(simulator: AmazonSimulator, request: Request) -> Answer:
    shipment = parse_shipment_request(await read_json_object(request))
    order_id = request.path_params["orderId"]
    if not ORDER_ID_PATTERN.match(order_id):
        raise invalid_input(
            f"Invalid value [orderId]: {order_id!r}.", "Order ids look like 123-1234567-1234567."
        )
    order = simulator.store.get(order_id)
    if order is None:
        raise not_found("The requested order was not found.", f"No order with orderId {order_id}.")
    apply_shipment(order, shipment, simulator.now())
    simulator.store.touch(order, max(simulator.now(), order.last_updated))
    return Answer(204)


def apply_shipment(order: Order, shipment: ShipmentRequest, now: int) -> None:
    """Add or replace the package on `order`; raises the 400 when the order refuses it."""
    if shipment.marketplace_id != order.marketplace_id:
        raise invalid_input(
            "Invalid value [marketplaceId].",
            f"Order {order.order_id} belongs to marketplace {order.marketplace_id}.",
        )
    if order.fulfilled_by != "MERCHANT":
        raise invalid_input(
            "Invalid value [orderId].",
            f"Order {order.order_id} is fulfilled by Amazon; only merchant-fulfilled orders "
            "take shipment confirmations.",
        )
    existing = next(
        (p for p in order.packages if p.package_reference_id == shipment.package_reference_id),
        None,
    )
    allowed = _SHIPPABLE | {"SHIPPED"} if existing is not None else _SHIPPABLE
    if order.status not in allowed:
        raise invalid_input(
            "Invalid value [orderId].",
            f"Order {order.order_id} is {order.status}: a new package can only be confirmed "
            "for UNSHIPPED or PARTIALLY_SHIPPED orders, an existing packageReferenceId "
            "also for SHIPPED ones.",
        )
    items = {item.order_item_id: item for item in order.items}
    previous = dict(existing.items) if existing is not None else {}
    for index, (item_id, quantity) in enumerate(shipment.items):
        field = f"packageDetail.orderItems[{index}]"
        item = items.get(item_id)
        if item is None:
            raise invalid_input(
                f"Invalid value [{field}.orderItemId].",
                f"Order {order.order_id} has no order item {item_id}.",
            )
        shipped_elsewhere = item.quantity_shipped - previous.get(item_id, 0)
        room = item.quantity - item.quantity_cancelled - shipped_elsewhere
        if quantity > room:
            raise invalid_input(
                f"Invalid value [{field}.quantity].",
                f"Order item {item_id}: {item.quantity} ordered, {item.quantity_cancelled} "
                f"cancelled, {shipped_elsewhere} in other packages; at most {room} more "
                "can be shipped.",
            )
    for item_id, quantity in previous.items():
        items[item_id].quantity_shipped -= quantity
    for item_id, quantity in shipment.items:
        items[item_id].quantity_shipped += quantity
    package = Package(
        package_reference_id=shipment.package_reference_id,
        created=existing.created if existing is not None else now,
        ship_time=shipment.ship_time,
        carrier=shipment.carrier,
        shipping_service=shipment.shipping_method,
        tracking_number=shipment.tracking_number,
        status="SHIPPED",
        detailed_status=None,
        items=list(shipment.items),
        carrier_code=shipment.carrier_code,
        carrier_name=shipment.carrier_name,
    )
    if existing is not None:
        order.packages[order.packages.index(existing)] = package
    else:
        order.packages.append(package)
    order.status = derived_status(order)
