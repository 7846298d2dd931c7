"""Order records → the Orders API's ``Order`` JSON, as in the official examples.

Dates are epoch milliseconds, quantities decimal strings, money JSON numbers in US
dollars. A line's charges are for its whole quantity. `productInfo=true` adds the item's
image and weight; `replacementInfo=true` adds `orderType` (and the original order of a
replacement). A line's refunds show as one `refund` object: the latest refund's id and
comments with every refund charge given so far.
"""

from __future__ import annotations

from typing import Any

from orderbridge.sandbox.walmart.records import Line, Order, StatusEntry, Tracking

CURRENCY = "USD"


def money(cents: int) -> int | float:
    """Cents as a JSON number of dollars: whole dollars stay integers, as Walmart sends."""
    return cents // 100 if cents % 100 == 0 else cents / 100


def amount(cents: int) -> dict[str, Any]:
    return {"currency": CURRENCY, "amount": money(cents)}


def render_order(
    order: Order, *, product_info: bool = False, replacement_info: bool = False
) -> dict[str, Any]:
    address = order.address
    postal: dict[str, Any] = {"name": address.name, "address1": address.address1}
    if address.address2:
        postal["address2"] = address.address2
    postal.update(
        {
            "city": address.city,
            "state": address.state,
            "postalCode": address.postal_code,
            "country": address.country,
            "addressType": address.address_type,
        }
    )
    rendered: dict[str, Any] = {
        "purchaseOrderId": order.purchase_order_id,
        "customerOrderId": order.customer_order_id,
        "customerEmailId": order.customer_email,
    }
    if replacement_info:
        rendered["orderType"] = order.order_type
    rendered["orderDate"] = order.order_ms
    rendered["shippingInfo"] = {
        "phone": order.phone,
        "estimatedDeliveryDate": order.deliver_by_ms,
        "estimatedShipDate": order.ship_by_ms,
        "methodCode": order.method_code,
        "postalAddress": postal,
    }
    rendered["orderLines"] = {
        "orderLine": [render_line(order, line, product_info) for line in order.lines]
    }
    rendered["shipNode"] = {"type": order.ship_node_type}
    return rendered


def render_line(order: Order, line: Line, product_info: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"productName": line.product_name, "sku": line.sku}
    if product_info:
        item["imageUrl"] = f"https://i5.walmartimages.com/asr/{line.sku.lower()}.jpeg"
        item["weight"] = {"value": line.weight_lb, "unit": "Pounds"}
    charges = [_charge("PRODUCT", "ItemPrice", line.product, "Tax1", line.product_tax)]
    if line.shipping or line.shipping_tax:
        charges.append(_charge("SHIPPING", "Shipping", line.shipping, "Tax2", line.shipping_tax))
    rendered: dict[str, Any] = {
        "lineNumber": line.line_number,
        "item": item,
        "charges": {"charge": charges},
        "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": str(line.quantity)},
        "statusDate": line.status_ms,
        "orderLineStatuses": {"orderLineStatus": [_status(entry) for entry in line.statuses]},
    }
    if line.refunds:
        rendered["refund"] = _refund(line)
    rendered["fulfillment"] = {
        "fulfillmentOption": "S2H",
        "shipMethod": order.method_code.upper(),
        "pickUpDateTime": order.deliver_by_ms,
    }
    if order.shipping_program:
        rendered["fulfillment"]["shippingProgramType"] = order.shipping_program
    if line.intent_to_cancel:
        rendered["intentToCancel"] = "true"
    return rendered


def render_tracking(tracking: Tracking) -> dict[str, Any]:
    carrier = (
        {"carrier": tracking.carrier}
        if tracking.carrier
        else {"otherCarrier": tracking.other_carrier}
    )
    rendered: dict[str, Any] = {
        "shipDateTime": tracking.ship_ms,
        "carrierName": carrier,
        "methodCode": tracking.method_code,
        "trackingNumber": tracking.tracking_number,
    }
    if tracking.tracking_url:
        rendered["trackingURL"] = tracking.tracking_url
    return rendered


def _charge(kind: str, name: str, cents: int, tax_name: str, tax: int) -> dict[str, Any]:
    return {
        "chargeType": kind,
        "chargeName": name,
        "chargeAmount": amount(cents),
        "tax": {"taxName": tax_name, "taxAmount": amount(tax)},
    }


def _status(entry: StatusEntry) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "status": entry.status,
        "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(entry.quantity)},
    }
    if entry.cancellation_reason:
        rendered["cancellationReason"] = entry.cancellation_reason
    if entry.tracking is not None:
        rendered["trackingInfo"] = render_tracking(entry.tracking)
    return rendered


def _refund(line: Line) -> dict[str, Any]:
    latest = line.refunds[-1]
    rendered: dict[str, Any] = {"refundId": latest.refund_id}
    if latest.comments:
        rendered["refundComments"] = latest.comments
    charges = []
    for refund in line.refunds:
        for charge in refund.charges:
            body: dict[str, Any] = {
                "chargeType": charge.charge_type,
                "chargeName": charge.charge_name,
                "chargeAmount": amount(charge.amount),
            }
            if charge.tax_name is not None:
                body["tax"] = {"taxName": charge.tax_name, "taxAmount": amount(charge.tax)}
            charges.append({"refundReason": charge.reason, "charge": body})
    rendered["refundCharges"] = {"refundCharge": charges}
    return rendered
