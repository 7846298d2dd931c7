"""Shipments: one ``createShippingFulfillment`` per package.

eBay keeps no reference of ours on a fulfillment and makes a new one for every call, so a
retry after a lost answer reads the order's fulfillments first and stops when one holds
the same package: the same tracking number (or, for a package without one, the same ship
date) and the same lines and quantities.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from orderbridge.marketplaces.ebay.capabilities import CREATE_SHIPPING_FULFILLMENT
from orderbridge.marketplaces.ebay.carriers import OTHER_CARRIER_CODE
from orderbridge.marketplaces.ebay.client import EbayClient
from orderbridge.marketplaces.ebay.order_queries import format_timestamp
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import Applied, ShipmentUpdate

# eBay takes letters and digits only; the separators people write are dropped.
_SEPARATORS = re.compile(r"[\s\-]+")
_ALPHANUMERIC = re.compile(r"^[A-Za-z0-9]+$")


def tracking_for_ebay(tracking_number: str | None) -> str | None:
    if tracking_number is None:
        return None
    cleaned = _SEPARATORS.sub("", tracking_number)
    return cleaned or None


def fulfillment_request(update: ShipmentUpdate) -> dict[str, Any]:
    """The ``ShippingFulfillmentDetails`` body for one package, or a PermanentError why not."""
    where = f"shipment {update.reference} of order {update.order_external_id}"
    quantities = _quantities(update)
    if not quantities:
        raise PermanentError(f"{where} has no line", operation=CREATE_SHIPPING_FULFILLMENT)
    if any(quantity < 1 for quantity in quantities.values()):
        raise PermanentError(
            f"{where} has a line without quantity", operation=CREATE_SHIPPING_FULFILLMENT
        )
    try:
        shipped_date = format_timestamp(update.shipped_at)
    except ValueError:
        raise PermanentError(
            f"{where}: the ship date {update.shipped_at} has no time zone",
            operation=CREATE_SHIPPING_FULFILLMENT,
        ) from None
    body: dict[str, Any] = {
        "lineItems": [
            {"lineItemId": line_id, "quantity": quantity}
            for line_id, quantity in quantities.items()
        ],
        "shippedDate": shipped_date,
    }
    tracking = tracking_for_ebay(update.tracking_number)
    if tracking is not None:
        if not _ALPHANUMERIC.match(tracking):
            raise PermanentError(
                f"{where}: eBay takes tracking numbers of letters and digits only, got "
                f"{update.tracking_number!r}",
                operation=CREATE_SHIPPING_FULFILLMENT,
            )
        # Carrier and tracking number go together or not at all.
        body["shippingCarrierCode"] = update.carrier_code or OTHER_CARRIER_CODE
        body["trackingNumber"] = tracking
    return body


def fulfillment_present(fulfillments: list[dict[str, Any]], body: Mapping[str, Any]) -> str | None:
    """The id of a fulfillment that already holds the package ``body`` describes."""
    wanted = Counter({line["lineItemId"]: line["quantity"] for line in body["lineItems"]})
    tracking = body.get("trackingNumber")
    for fulfillment in fulfillments:
        held = tracking_for_ebay(_text(fulfillment.get("shipmentTrackingNumber")))
        if tracking is not None:
            if held is None or held.upper() != str(tracking).upper():
                continue
        elif held is not None or not _same_moment(fulfillment.get("shippedDate"), body):
            continue
        if _held_lines(fulfillment) == wanted:
            fulfillment_id = fulfillment.get("fulfillmentId")
            return str(fulfillment_id) if fulfillment_id is not None else "?"
    return None


async def ship(client: EbayClient, update: ShipmentUpdate, *, retry: bool) -> Applied:
    """Send the package to eBay, or find it there already when ``retry`` is set."""
    body = fulfillment_request(update)
    if retry:
        existing = fulfillment_present(
            await client.shipping_fulfillments(update.order_external_id), body
        )
        if existing is not None:
            return Applied(
                already=True,
                detail=f"eBay order {update.order_external_id} holds the package already "
                f"(fulfillment {existing})",
            )
    fulfillment_id = await client.create_fulfillment(update.order_external_id, body)
    return Applied(detail=fulfillment_id)


def _quantities(update: ShipmentUpdate) -> Counter[str]:
    # Two lines of the update naming one line item add up: eBay refuses a repeated
    # lineItemId in one request (32210).
    totals: Counter[str] = Counter()
    for line in update.lines:
        totals[line.external_line_id] += line.quantity
    return totals


def _held_lines(fulfillment: Mapping[str, Any]) -> Counter[str]:
    held: Counter[str] = Counter()
    entries = fulfillment.get("lineItems")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("lineItemId"), str):
            quantity = entry.get("quantity", 1)
            held[entry["lineItemId"]] += quantity if isinstance(quantity, int) else 0
    return held


def _same_moment(value: Any, body: Mapping[str, Any]) -> bool:
    # eBay may echo the time with or without milliseconds; the second is what counts.
    if not isinstance(value, str):
        return False
    return value[:19] == str(body["shippedDate"])[:19]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
