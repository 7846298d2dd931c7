"""createShippingFulfillment, getShippingFulfillments and getShippingFulfillment.

A created fulfillment answers 201 with an empty body and ``Location:
…/order/{orderId}/shipping_fulfillment/{fulfillmentId}``. Its id is the tracking number
when one is given, else an arbitrary number (eBay's example: 999). Carrier and tracking
number go together; tracking numbers are letters and digits only. eBay does not dedupe:
sending a package again without tracking makes a second fulfillment while units are left,
and a tracking number an order holds already is refused 409, so a replay always shows.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.ebay.errors import EbayApiError, business_error, not_found, request_error
from orderbridge.sandbox.ebay.lifecycle import touch
from orderbridge.sandbox.ebay.orders_api import ORDER_ID, base_url
from orderbridge.sandbox.ebay.pipeline import (
    READ_SCOPES,
    WRITE_SCOPES,
    Answer,
    read_json_object,
    run_operation,
)
from orderbridge.sandbox.ebay.records import Fulfillment, Order
from orderbridge.sandbox.ebay.views import render_fulfillment

if TYPE_CHECKING:
    from orderbridge.sandbox.ebay.state import EbaySimulator

FULFILLMENTS_PATH = "/sell/fulfillment/v1/order/{orderId}/shipping_fulfillment"
FULFILLMENT_PATH = "/sell/fulfillment/v1/order/{orderId}/shipping_fulfillment/{fulfillmentId}"
# ShippingCarrierCodeType values the simulated seller's marketplaces take.
CARRIER_CODES = frozenset(
    {
        "UPS",
        "USPS",
        "FedEx",
        "DHL",
        "DeutschePost",
        "Hermes",
        "DPD",
        "GLS",
        "RoyalMail",
        "CanadaPost",
        "Colissimo",
        "OnTrac",
        "PostNL",
        "TNT",
        "iLoxx",
        "Other",
    }
)
_TRACKING = re.compile(r"^[A-Za-z0-9]{4,40}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$")
_FUTURE_SLACK_SECONDS = 300


async def create_fulfillment(request: Request) -> Response:
    return await run_operation(
        request, "createShippingFulfillment", _create, scopes=WRITE_SCOPES, write=True
    )


async def list_fulfillments(request: Request) -> Response:
    return await run_operation(request, "getShippingFulfillments", _list, scopes=READ_SCOPES)


async def get_fulfillment(request: Request) -> Response:
    return await run_operation(request, "getShippingFulfillment", _one, scopes=READ_SCOPES)


def _order(simulator: EbaySimulator, request: Request) -> Order:
    order_id = request.path_params["orderId"]
    order = simulator.store.get(order_id) if ORDER_ID.match(order_id) else None
    if order is None:
        raise request_error(
            32100, "Invalid order ID", f"Invalid Order Id: {order_id}", orderId=order_id
        )
    return order


async def _list(simulator: EbaySimulator, request: Request) -> Answer:
    order = _order(simulator, request)
    fulfillments = [render_fulfillment(f) for f in order.fulfillments]
    return Answer(200, {"fulfillments": fulfillments, "total": len(fulfillments)})


async def _one(simulator: EbaySimulator, request: Request) -> Answer:
    order = _order(simulator, request)
    wanted = request.path_params["fulfillmentId"]
    for fulfillment in order.fulfillments:
        if fulfillment.fulfillment_id == wanted:
            return Answer(200, render_fulfillment(fulfillment))
    raise not_found(32110, "Invalid shipping fulfillment ID", fulfillmentId=wanted)


async def _create(simulator: EbaySimulator, request: Request) -> Answer:
    order = _order(simulator, request)
    body = await read_json_object(request)
    now = simulator.clock.timestamp()
    lines = _lines(order, body.get("lineItems"))
    carrier, tracking = _tracking(order, body)
    shipped_at = _shipped_date(order, body.get("shippedDate"), now)
    if order.cancel_state == "CANCELED":
        raise business_error(409, 32600, "Invalid input data", "The order is cancelled.")
    if order.paid_at is None:
        raise business_error(409, 32600, "Invalid input data", "The buyer has not paid yet.")
    if tracking is None:
        order.fulfillment_counter += 1
        fulfillment_id = str(998 + order.fulfillment_counter)
    else:
        fulfillment_id = tracking
    order.fulfillments.append(Fulfillment(fulfillment_id, lines, shipped_at, carrier, tracking))
    touch(order, now)
    location = (
        f"{base_url(request)}/sell/fulfillment/v1/order/{order.order_id}"
        f"/shipping_fulfillment/{fulfillment_id}"
    )
    return Answer(201, None, {"Location": location})


def _lines(order: Order, entries: Any) -> dict[str, int]:
    if not isinstance(entries, list) or not entries:
        raise request_error(32600, "Invalid input data", "lineItems must list at least one line.")
    lines: dict[str, int] = {}
    for entry in entries:
        line_id = entry.get("lineItemId") if isinstance(entry, dict) else None
        if not isinstance(line_id, str) or order.line(line_id) is None:
            raise request_error(
                32200,
                "Invalid line item id",
                f"Invalid line item id: {line_id}",
                lineItemId=str(line_id),
            )
        if line_id in lines:
            raise request_error(
                32210, "Duplicate line item in the request", None, lineItemId=line_id
            )
        quantity = entry.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise request_error(32600, "Invalid input data", "quantity must be a whole number > 0.")
        lines[line_id] = quantity
    for line_id, quantity in lines.items():
        line = order.line(line_id)
        assert line is not None
        left = line.quantity - order.shipped(line_id)
        if quantity > left:
            raise _too_many(line_id, quantity, left)
    return lines


def _too_many(line_id: str, quantity: int, left: int) -> EbayApiError:
    return request_error(
        32600,
        "Invalid input data",
        f"Line item {line_id} has {left} unit(s) left to ship, not {quantity}.",
        lineItemId=line_id,
    )


def _tracking(order: Order, body: dict[str, Any]) -> tuple[str | None, str | None]:
    carrier = body.get("shippingCarrierCode")
    tracking = body.get("trackingNumber")
    if carrier is None and tracking is None:
        return None, None
    if not isinstance(carrier, str) or not isinstance(tracking, str):
        raise request_error(
            32300,
            "Invalid shipment tracking number or carrier",
            "shippingCarrierCode and trackingNumber go together.",
        )
    if carrier not in CARRIER_CODES or not _TRACKING.match(tracking):
        raise request_error(
            32300,
            "Invalid shipment tracking number or carrier",
            f"Carrier {carrier!r} or tracking number {tracking!r} is not valid.",
        )
    if any((f.tracking or "").upper() == tracking.upper() for f in order.fulfillments):
        raise EbayApiError(
            409,
            32600,
            "Conflict",
            long_message=f"The order already has a fulfillment with tracking number {tracking}.",
        )
    return carrier, tracking


def _shipped_date(order: Order, value: Any, now: float) -> float:
    if value is None:
        return now
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        raise request_error(32500, "Invalid shipped date", f"Invalid shipped date: {value}")
    moment = datetime.fromisoformat(value).timestamp()
    if moment > now + _FUTURE_SLACK_SECONDS or moment < order.created - 86400:
        raise request_error(
            32500, "Invalid shipped date", "The date lies in the future or before the sale."
        )
    return moment
