"""Return records → the v10 `ReducedReturn` (lists) and `Return` (one) JSON.

Times are Dutch local ISO 8601 with offset, as bol writes them. The list shows the reduced
items; one return adds the product title, the return transport and the customer's
details.
"""

from __future__ import annotations

from typing import Any

from orderbridge.sandbox.bol.dutch_time import local_iso
from orderbridge.sandbox.bol.return_records import Return, ReturnItem


def reduced_return(found: Return) -> dict[str, Any]:
    return _return(found, [_reduced_item(item) for item in found.items])


def full_return(found: Return) -> dict[str, Any]:
    items = []
    for item in found.items:
        rendered = _reduced_item(item)
        rendered["title"] = item.title
        if item.track_and_trace:
            rendered["trackAndTrace"] = item.track_and_trace
        if item.transporter_name:
            rendered["transporterName"] = item.transporter_name
        rendered["customerDetails"] = dict(item.customer)
        items.append(rendered)
    return _return(found, items)


def _return(found: Return, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "returnId": found.return_id,
        "registrationDateTime": local_iso(found.registered_at),
        "fulfilmentMethod": found.fulfilment_method,
        "returnItems": items,
    }


def _reduced_item(item: ReturnItem) -> dict[str, Any]:
    reason: dict[str, Any] = {"mainReason": item.main_reason}
    if item.detailed_reason:
        reason["detailedReason"] = item.detailed_reason
    reason["customerComments"] = item.customer_comments
    return {
        "rmaId": item.rma_id,
        "orderId": item.order_id,
        "ean": item.ean,
        "expectedQuantity": item.expected_quantity,
        "returnReason": reason,
        "handled": item.handled,
        "processingResults": [
            {
                "quantity": result.quantity,
                "processingResult": result.processing_result,
                "handlingResult": result.handling_result,
                "processingDateTime": local_iso(result.at),
            }
            for result in item.results
        ],
    }
