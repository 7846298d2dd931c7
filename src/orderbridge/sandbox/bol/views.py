"""The simulator's records in bol's v10 JSON shapes, with exact decimal prices.

bol types prices as JSON numbers. They are written from Decimal straight into the JSON
text (``12.99``, never a float's binary approximation), through `BolJSONResponse`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from starlette.responses import JSONResponse

from orderbridge.sandbox.bol.dutch_time import local_iso
from orderbridge.sandbox.bol.problems import MEDIA_TYPE
from orderbridge.sandbox.bol.records import Order, OrderItem, ProcessStatus, Shipment

_MARK = "\u0000decimal:"
_MARKED = re.compile(r'"\\u0000decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def _mark(value: object) -> str:
    if isinstance(value, Decimal):
        # Fixed-point, so the number is written as digits, never as 1E+1.
        return f"{_MARK}{value:f}"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(content: Any) -> bytes:
    """JSON with every Decimal written as the number it is."""
    text = json.dumps(content, default=_mark, ensure_ascii=False, separators=(",", ":"))
    return _MARKED.sub(r"\1", text).encode("utf-8")


class BolJSONResponse(JSONResponse):
    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return dumps(content)


def reduced_order(order: Order, items: Iterable[OrderItem]) -> dict[str, Any]:
    return {
        "orderId": order.order_id,
        "orderPlacedDateTime": local_iso(order.placed_at),
        "orderItems": [
            {
                "orderItemId": item.order_item_id,
                "ean": item.ean,
                "fulfilmentMethod": item.fulfilment_method,
                "fulfilmentStatus": item.fulfilment_status,
                "quantity": item.quantity,
                "quantityShipped": item.quantity_shipped,
                "quantityCancelled": item.quantity_cancelled,
                "cancellationRequest": item.cancellation_request,
                "latestChangedDateTime": local_iso(item.changed_at),
            }
            for item in items
        ],
    }


def order_detail(order: Order) -> dict[str, Any]:
    return {
        "orderId": order.order_id,
        "pickupPoint": order.pickup_point,
        "orderPlacedDateTime": local_iso(order.placed_at),
        "shipmentDetails": dict(order.shipment_details),
        "billingDetails": dict(order.billing_details),
        "orderItems": [_detail_item(item) for item in order.items],
    }


def _detail_item(item: OrderItem) -> dict[str, Any]:
    fulfilment: dict[str, Any] = {
        "method": item.fulfilment_method,
        "distributionParty": "BOL" if item.fulfilment_method == "FBB" else "RETAILER",
        "expiryDate": item.expiry_date.isoformat(),
        "timeFrameType": item.time_frame_type,
    }
    if item.exact_delivery_date is not None:
        fulfilment["exactDeliveryDate"] = item.exact_delivery_date.isoformat()
    elif item.latest_delivery_date is not None:
        fulfilment["latestDeliveryDate"] = item.latest_delivery_date.isoformat()
    offer: dict[str, Any] = {"offerId": item.offer_id}
    if item.offer_reference:
        offer["reference"] = item.offer_reference
    return {
        "orderItemId": item.order_item_id,
        "cancellationRequest": item.cancellation_request,
        "fulfilment": fulfilment,
        "offer": offer,
        "product": {"ean": item.ean, "title": item.title},
        "quantity": item.quantity,
        "quantityShipped": item.quantity_shipped,
        "quantityCancelled": item.quantity_cancelled,
        "unitPrice": item.unit_price,
        "totalPrice": item.total_price,
        "discounts": [{"title": title, "amount": amount} for title, amount in item.discounts],
        "commission": item.commission,
        "latestChangedDateTime": local_iso(item.changed_at),
    }


def process_status(status: ProcessStatus, base_url: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "processStatusId": status.process_status_id,
        "entityId": status.entity_id,
        "eventType": status.event_type,
        "description": status.description,
        "status": status.status,
        "createTimestamp": local_iso(status.created_at),
        "links": [
            {
                "rel": "self",
                "href": f"{base_url}/shared/process-status/{status.process_status_id}",
            }
        ],
    }
    if status.error_message:
        body["errorMessage"] = status.error_message
    return body


def reduced_shipment(shipment: Shipment, order: Order) -> dict[str, Any]:
    eans = {item.order_item_id: item.ean for item in order.items}
    return {
        "shipmentId": shipment.shipment_id,
        "shipmentDateTime": local_iso(shipment.shipped_at),
        # Required by the contract; a shipment sent without a reference has an empty one.
        "shipmentReference": shipment.reference or "",
        "order": {"orderId": order.order_id, "orderPlacedDateTime": local_iso(order.placed_at)},
        "shipmentItems": [
            {"orderItemId": item_id, "ean": eans.get(item_id, "")} for item_id, _ in shipment.lines
        ],
        "transport": {"transportId": shipment.transport_id},
    }
