"""The write operations of the Orders API: acknowledge, shipping, cancel and refund.

Each answers 200 with the changed order, `{"order": {…}}`, as the official examples do;
an unknown purchase order is 404 CONTENT_NOT_FOUND and a refused request 400
INVALID_REQUEST_CONTENT naming the field. Walmart keeps no idempotency key: sending a
shipment twice ships twice, and a second cancellation of the same units is refused, so a
client's repeats are visible, as they would be at Walmart. Acknowledging again is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.walmart import lifecycle
from orderbridge.sandbox.walmart.cancellation import apply_cancellation
from orderbridge.sandbox.walmart.errors import invalid_content, not_found
from orderbridge.sandbox.walmart.pipeline import Handler, read_json_object, run_operation
from orderbridge.sandbox.walmart.records import Order
from orderbridge.sandbox.walmart.refunds import apply_refund
from orderbridge.sandbox.walmart.shipping import apply_shipping
from orderbridge.sandbox.walmart.views import render_order

if TYPE_CHECKING:
    from orderbridge.sandbox.walmart.state import WalmartSimulator

Apply = Callable[["WalmartSimulator", Order, dict[str, Any], str], None]


async def acknowledge(request: Request) -> Response:
    return await run_operation(request, "acknowledgeOrders", _ack, write=True)


async def shipping(request: Request) -> Response:
    handler = _writing("orderShipment", _ship)
    return await run_operation(request, "shippingUpdates", handler, write=True)


async def cancel(request: Request) -> Response:
    handler = _writing("orderCancellation", _cancel)
    return await run_operation(request, "cancelOrderLines", handler, write=True)


async def refund(request: Request) -> Response:
    handler = _writing("orderRefund", _refund)
    return await run_operation(request, "refundOrderLines", handler, write=True)


def _order(simulator: WalmartSimulator, request: Request) -> Order:
    order = simulator.store.get(request.path_params["purchaseOrderId"])
    if order is None:
        raise not_found("No order found with the given purchaseOrderId.")
    return order


async def _ack(simulator: WalmartSimulator, request: Request) -> dict[str, Any]:
    order = _order(simulator, request)
    try:
        lifecycle.acknowledge(order, simulator.now_ms())
    except lifecycle.TransitionError as refused:
        raise invalid_content(str(refused), "purchaseOrderId") from None
    simulator.record_write(order, "acknowledgeOrders")
    return {"order": render_order(order)}


def _writing(root: str, apply: Apply) -> Handler:
    """A write whose body is ``{root: {…}}``, applied to the order of the path."""

    async def handler(simulator: WalmartSimulator, request: Request) -> dict[str, Any]:
        order = _order(simulator, request)
        body = await read_json_object(request, root)
        apply(simulator, order, body, request.path_params["purchaseOrderId"])
        return {"order": render_order(order)}

    return handler


def _ship(simulator: WalmartSimulator, order: Order, body: dict[str, Any], _: str) -> None:
    apply_shipping(order, body, simulator.now_ms())
    simulator.record_write(order, "shippingUpdates")


def _cancel(simulator: WalmartSimulator, order: Order, body: dict[str, Any], _: str) -> None:
    apply_cancellation(order, body, simulator.now_ms())
    simulator.record_write(order, "cancelOrderLines")


def _refund(simulator: WalmartSimulator, order: Order, body: dict[str, Any], path_id: str) -> None:
    apply_refund(order, body, path_id, simulator.now_ms())
    simulator.record_write(order, "refundOrderLines")
