"""What the control API shows of the write side: applied writes per order, and feeds.

Neither is part of an official response: refunds have no field in the Orders API 2026-01-01
model, and message results are only in processing reports. Keys use the model's spelling
where one exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orderbridge.sandbox.amazon.feeds import Feed
from orderbridge.sandbox.amazon.feeds_api import render_feed
from orderbridge.sandbox.amazon.marketplaces import MARKETPLACES, format_minor
from orderbridge.sandbox.amazon.records import Order
from orderbridge.sandbox.amazon.views import iso


def applied_writes(order: Order) -> dict[str, Any]:
    market = MARKETPLACES[order.marketplace_id]
    return {
        "packages": [
            {
                "packageReferenceId": p.package_reference_id,
                "carrierCode": p.carrier_code,
                "carrierName": p.carrier_name,
                "carrier": p.carrier,
                "shippingMethod": p.shipping_service,
                "trackingNumber": p.tracking_number,
                "shipTime": iso(p.ship_time),
                "items": [{"orderItemId": i, "quantity": q} for i, q in p.items],
            }
            for p in order.packages
        ],
        "cancellations": [
            {
                "orderItemId": item.order_item_id,
                "quantityCancelled": item.quantity_cancelled,
                "cancelledBy": item.cancelled_by or order.cancelled_by,
                "cancelReason": item.cancel_reason if item.cancelled_by else order.cancel_reason,
            }
            for item in order.items
            if item.quantity_cancelled
        ],
        "refunds": [
            {
                "merchantAdjustmentItemId": r.adjustment_item_id,
                "orderItemId": r.order_item_id,
                "adjustmentReason": r.reason,
                "components": {
                    kind: {
                        "amount": format_minor(amount, market.decimals),
                        "currencyCode": market.currency,
                    }
                    for kind, amount in r.components.items()
                },
                "quantityCancelled": r.quantity,
                "feedId": r.feed_id,
                "time": iso(r.at),
            }
            for r in order.refunds
        ],
        "acknowledged": order.acknowledged,
    }


def feed_listing(feeds: Iterable[Feed], now: float) -> list[dict[str, Any]]:
    """Every feed, newest first, with each message's result."""
    listed = []
    for feed in sorted(feeds, key=lambda f: int(f.feed_id), reverse=True):
        entry = render_feed(feed, now)
        entry["inputFeedDocumentId"] = feed.input_document_id
        if feed.fatal_reason is not None:
            entry["fatalReason"] = feed.fatal_reason
        entry["messages"] = [
            {"messageId": r.message_id, "amazonOrderId": r.order_id, "result": "Success"}
            if r.succeeded
            else {
                "messageId": r.message_id,
                "amazonOrderId": r.order_id,
                "result": "Error",
                "resultMessageCode": r.code,
                "resultDescription": r.description,
            }
            for r in feed.results
        ]
        listed.append(entry)
    return listed
