"""Return records → the Returns API's `returnOrders` JSON, as in the official example.

Unlike the Orders API, the Returns API writes dates as ISO 8601 UTC strings and money as
`{currencyAmount, currencyUnit}`. Charges are per unit, `chargeTotals` for the line's
returned quantity. `refundedQty` tells whether the seller (or Walmart) refunded the line;
`refundChannel` and `currentRefundStatus` appear once it was.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orderbridge.sandbox.walmart.return_records import ReturnLine, ReturnOrder
from orderbridge.sandbox.walmart.views import CURRENCY, money

DAY_MS = 86_400_000
RETURN_WINDOW_MS = 30 * DAY_MS


def iso_ms(moment_ms: int) -> str:
    moment = datetime.fromtimestamp(moment_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment_ms % 1000:03d}Z"


def currency(cents: int) -> dict[str, Any]:
    return {"currencyAmount": money(cents), "currencyUnit": CURRENCY}


def render_return(found: ReturnOrder) -> dict[str, Any]:
    total = sum((line.unit_price + line.unit_tax) * line.quantity for line in found.lines)
    return {
        "returnOrderId": found.return_order_id,
        "customerEmailId": found.customer_email,
        "customerName": {"firstName": found.first_name, "lastName": found.last_name},
        "customerOrderId": found.customer_order_id,
        "refundMode": "POST_DELIVERY",
        "returnOrderDate": iso_ms(found.created_ms),
        "returnType": found.return_type,
        "returnByDate": iso_ms(found.created_ms + RETURN_WINDOW_MS),
        "totalRefundAmount": currency(total),
        "returnLineGroups": [
            {
                "groupNo": 1,
                "returnLines": [{"returnOrderLineNumber": line.number} for line in found.lines],
                "labels": [
                    {
                        "labelImageURL": "https://i5.walmartimages.com/asr/return-label-"
                        f"{found.return_order_id}.png",
                        "carrierInfoList": [
                            {
                                "carrierId": "11",
                                "carrierName": found.carrier,
                                "serviceType": "FedEx Ground",
                                "trackingNo": found.tracking_number,
                            }
                        ],
                    }
                ],
                "returnExpectedFlag": True,
            }
        ],
        "returnOrderLines": [_line(line) for line in found.lines],
        "returnChannel": {"channelName": "ONLINE"},
    }


def _line(line: ReturnLine) -> dict[str, Any]:
    quantity = {"unitOfMeasure": "EACH", "measurementValue": line.quantity}
    subtotal, taxes = line.unit_price * line.quantity, line.unit_tax * line.quantity
    refunded = line.refunded_quantity > 0
    tracking: dict[str, Any] = {
        "status": line.status,
        "statusTime": iso_ms(line.status_ms),
        "quantity": quantity,
    }
    rendered: dict[str, Any] = {
        "returnOrderLineNumber": line.number,
        "salesOrderLineNumber": int(line.purchase_line),
        "returnReason": line.reason,
        "purchaseOrderId": line.purchase_order_id,
        "purchaseOrderLineNumber": int(line.purchase_line),
        "isReturnForException": False,
        "item": {
            "sku": line.sku,
            "condition": "New",
            "productName": line.product_name,
            "itemWeight": {"unitOfMeasure": "POUND", "measurementValue": float(line.weight_lb)},
        },
        "charges": [
            {
                "chargeCategory": "PRODUCT",
                "chargeName": "ItemPrice",
                "chargePerUnit": currency(line.unit_price),
                "isDiscount": False,
                "isBillable": True,
                "tax": [
                    {
                        "taxName": "Tax1",
                        "excessTax": currency(0),
                        "taxPerUnit": currency(line.unit_tax),
                    }
                ],
                "excessCharge": currency(0),
            }
        ],
        "unitPrice": currency(line.unit_price),
        "chargeTotals": [
            {"name": "lineUnitPrice", "value": currency(line.unit_price)},
            {"name": "lineProductTaxes", "value": currency(taxes)},
            {"name": "lineTotalTaxes", "value": currency(taxes)},
            {"name": "lineSubTotal", "value": currency(subtotal)},
            {"name": "lineTotal", "value": currency(subtotal + taxes)},
        ],
        "cancellableQty": line.quantity if line.status == "INITIATED" else 0,
        "quantity": quantity,
        "returnExpectedFlag": True,
        "isFastReplacement": False,
        "isKeepIt": False,
        "lastItem": False,
        "refundedQty": line.refunded_quantity,
        "rechargeableQty": 0,
        "returnTrackingDetail": [
            {
                "sequenceNo": sequence,
                "eventTag": event.tag,
                "eventDescription": event.description,
                "eventTime": iso_ms(event.at_ms),
            }
            for sequence, event in enumerate(line.events)
        ],
        "status": line.status,
        "statusTime": iso_ms(line.status_ms),
        "currentDeliveryStatus": "NOT_SHIPPED" if line.status == "INITIATED" else "DELIVERED",
    }
    if refunded:
        rendered["refundChannel"] = line.refund_channel
        rendered["currentRefundStatus"] = "REFUND_COMPLETED"
        tracking["currentRefundStatus"] = "REFUND_COMPLETED"
        rendered["refundChannels"] = [
            {
                "refundChannelName": line.refund_channel,
                "quantity": {"unitOfMeasure": "EACH", "measurementValue": line.refunded_quantity},
            }
        ]
    rendered["currentTrackingStatuses"] = [tracking]
    return rendered
