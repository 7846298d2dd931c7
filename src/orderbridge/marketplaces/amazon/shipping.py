"""Shipments: one package per ``confirmShipment`` call (Orders API v0).

The update's ``reference`` is the package's ``packageReferenceId``. Amazon treats a
second confirmation with the same id as an edit of that package, so a resend cannot
create a second package; a retry still reads the order first (``getOrder`` with its
packages), which makes the repeat visible and saves the write when the package is there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from orderbridge.marketplaces.amazon.capabilities import CONFIRM_SHIPMENT
from orderbridge.marketplaces.amazon.carriers import OTHER_CARRIER_CODE
from orderbridge.marketplaces.amazon.client import AmazonClient, format_timestamp
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import Applied, ShipmentUpdate

SHIPMENT_CONFIRMATION_PATH = "/orders/v0/orders/{order_id}/shipmentConfirmation"
# Packages to compare with, and fulfilment so the order reads like every other getOrder.
PACKAGE_DATA: tuple[str, ...] = ("PACKAGES", "FULFILLMENT")


def confirm_shipment_request(update: ShipmentUpdate, marketplace_id: str) -> dict[str, Any]:
    """The ``ConfirmShipmentRequest`` body for one package, or a PermanentError why not."""
    where = f"shipment {update.reference} of order {update.order_external_id}"
    if not update.tracking_number:
        raise PermanentError(
            f"Amazon requires a tracking number ({where} has none)", operation=CONFIRM_SHIPMENT
        )
    if not (update.reference.isdigit() and int(update.reference) > 0):
        raise PermanentError(
            f"{where}: Amazon's packageReferenceId must be a positive number, got "
            f"{update.reference!r}",
            operation=CONFIRM_SHIPMENT,
        )
    if not update.lines:
        raise PermanentError(f"{where} has no line", operation=CONFIRM_SHIPMENT)
    if any(line.quantity < 1 for line in update.lines):
        raise PermanentError(f"{where} has a line without quantity", operation=CONFIRM_SHIPMENT)
    code = update.carrier_code
    if code is None and update.carrier_name:
        code = OTHER_CARRIER_CODE
    if code is None:
        raise PermanentError(
            f"Amazon requires a carrier ({where} has none)", operation=CONFIRM_SHIPMENT
        )
    if code == OTHER_CARRIER_CODE and not update.carrier_name:
        raise PermanentError(
            f'{where}: carrier code "Other" needs the carrier\'s name', operation=CONFIRM_SHIPMENT
        )
    try:
        ship_date = format_timestamp(update.shipped_at)
    except ValueError:
        raise PermanentError(
            f"{where}: the ship date {update.shipped_at} has no time zone",
            operation=CONFIRM_SHIPMENT,
        ) from None
    package: dict[str, Any] = {
        # A string: Amazon refuses a JSON number here.
        "packageReferenceId": update.reference,
        "carrierCode": code,
    }
    if code == OTHER_CARRIER_CODE:
        package["carrierName"] = update.carrier_name
    if update.shipping_method:
        package["shippingMethod"] = update.shipping_method
    package["trackingNumber"] = update.tracking_number
    package["shipDate"] = ship_date
    package["orderItems"] = [
        {"orderItemId": line_id, "quantity": quantity}
        for line_id, quantity in _quantities(update).items()
    ]
    return {"marketplaceId": marketplace_id, "packageDetail": package}


def package_present(order: Mapping[str, Any], update: ShipmentUpdate) -> bool:
    """Whether the order already holds this package (same reference, same items)."""
    packages = order.get("packages")
    for package in packages if isinstance(packages, list) else []:
        if not isinstance(package, Mapping):
            continue
        if package.get("packageReferenceId") != update.reference:
            continue
        held: Counter[str] = Counter()
        items = package.get("packageItems")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and isinstance(item.get("quantity"), int):
                held[str(item.get("orderItemId"))] += item["quantity"]
        if held == _quantities(update):
            return True
    return False


async def confirm_shipment(
    client: AmazonClient, update: ShipmentUpdate, marketplace_id: str, *, retry: bool
) -> Applied:
    """Send the package to Amazon, or find it there already when ``retry`` is set."""
    body = confirm_shipment_request(update, marketplace_id)
    if retry:
        order = await client.get_order(update.order_external_id, included_data=PACKAGE_DATA)
        if package_present(order, update):
            return Applied(
                already=True,
                detail=f"package {update.reference} is on Amazon order "
                f"{update.order_external_id} already",
            )
    path = SHIPMENT_CONFIRMATION_PATH.format(order_id=quote(update.order_external_id, safe=""))
    # Sent once: a lost answer goes back to the core, whose retry reads the order first.
    await client.send(CONFIRM_SHIPMENT, "POST", path, body=body, once=True)
    return Applied()


def _quantities(update: ShipmentUpdate) -> Counter[str]:
    # Two lines of the update naming one item add up: Amazon keeps one entry per item.
    totals: Counter[str] = Counter()
    for line in update.lines:
        totals[line.external_line_id] += line.quantity
    return totals
