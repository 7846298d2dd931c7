"""Shipments: one package per ``POST /v3/orders/{purchaseOrderId}/shipping``.

Each line of the package becomes one ``orderLine`` with one ``orderLineStatus`` of status
``Shipped``, its quantity and the package's ``trackingInfo``; a partial shipment is a
subset of the lines or a quantity below the line's. The order is read first: its
``shippingInfo.methodCode`` is the method code sent (Walmart refuses one that does not fit
the line) unless the OMS named one of Walmart's six codes, its lines must hold the units
shipped, and a line the customer asked to cancel is shipped with
``intentToCancelOverride``, since the package is on its way anyway.

Walmart keeps no reference of ours on a shipment, so a retry recognises its earlier
attempt by the tracking number: when every line of the package already shows shipped
units under that number, the update is there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import Applied, ShipmentUpdate
from orderbridge.marketplaces.walmart.capabilities import SHIP
from orderbridge.marketplaces.walmart.carriers import (
    OTHER_CARRIER_CODE,
    WALMART_CARRIERS,
    walmart_carrier_named,
)
from orderbridge.marketplaces.walmart.client import WalmartClient
from orderbridge.marketplaces.walmart.line_states import LineState, states_for_write

METHOD_CODES: tuple[str, ...] = ("Standard", "Express", "OneDay", "Freight", "WhiteGlove", "Value")
_METHODS_BY_NAME = {code.lower(): code for code in METHOD_CODES}


def quantities(update: ShipmentUpdate) -> Counter[str]:
    """Units per line; two entries for one line add up, as Walmart keeps one per line."""
    totals: Counter[str] = Counter()
    for line in update.lines:
        totals[line.external_line_id] += line.quantity
    return totals


def check_shipment(update: ShipmentUpdate) -> dict[str, str]:
    """What can be checked without Walmart; returns the ``carrierName`` object to send."""
    where = _where(update)
    if not update.tracking_number:
        raise PermanentError(
            f"Walmart requires a tracking number ({where} has none)", operation=SHIP
        )
    if not update.lines or any(line.quantity < 1 for line in update.lines):
        raise PermanentError(f"{where} has no line or a line without units", operation=SHIP)
    if update.shipped_at.utcoffset() is None:
        raise PermanentError(
            f"{where}: the ship date {update.shipped_at} has no time zone", operation=SHIP
        )
    return carrier_name(update)


def carrier_name(update: ShipmentUpdate) -> dict[str, str]:
    code = update.carrier_code
    if code is not None and code != OTHER_CARRIER_CODE:
        if code not in WALMART_CARRIERS:
            raise PermanentError(
                f"{_where(update)}: {code!r} is not a carrier Walmart knows", operation=SHIP
            )
        return {"carrier": code}
    name = (update.carrier_name or "").strip()
    if not name:
        raise PermanentError(
            f"Walmart requires a carrier ({_where(update)} has none)", operation=SHIP
        )
    listed = walmart_carrier_named(name)
    if listed is not None:
        return {"carrier": listed}
    if update.tracking_url:
        return {"otherCarrier": name}
    raise PermanentError(
        f"{_where(update)}: carrier {name!r} is not on Walmart's carrier list, and Walmart takes "
        "another carrier only with a link to its tracking page: report the shipment with "
        "its tracking_url, or ship with a carrier Walmart lists (UPS, USPS, FedEx, OnTrac, "
        "LaserShip, …)",
        operation=SHIP,
    )


def shipment_present(states: Mapping[str, LineState], update: ShipmentUpdate) -> bool:
    """Whether every line of the package already shows its units under its tracking number."""
    number = update.tracking_number or ""
    return all(
        line in states and states[line].shipped_by_tracking[number] >= quantity
        for line, quantity in quantities(update).items()
    )


def shipping_request(
    update: ShipmentUpdate,
    order: Mapping[str, Any],
    states: Mapping[str, LineState],
    carrier: dict[str, str],
) -> dict[str, Any]:
    """The ``orderShipment`` body for one package, or a PermanentError saying why not."""
    where = _where(update)
    tracking: dict[str, Any] = {
        "shipDateTime": int(update.shipped_at.timestamp() * 1000),
        "carrierName": carrier,
        "methodCode": _method_code(update.shipping_method, order),
        "trackingNumber": update.tracking_number,
    }
    if "otherCarrier" in carrier:
        tracking["trackingURL"] = update.tracking_url
    lines: list[dict[str, Any]] = []
    for line_number, quantity in quantities(update).items():
        state = states.get(line_number)
        if state is None:
            raise PermanentError(
                f"{where}: Walmart order {update.order_external_id} has no line {line_number}",
                operation=SHIP,
            )
        if state.open < quantity:
            raise PermanentError(
                f"{where}: line {line_number} has {state.open} unit(s) left to ship at Walmart, "
                f"not {quantity} ({state.shipped} shipped, {state.cancelled} cancelled)",
                operation=SHIP,
            )
        entry: dict[str, Any] = {
            "lineNumber": line_number,
            "sellerOrderId": update.order_external_id,
            "orderLineStatuses": {
                "orderLineStatus": [
                    {
                        "status": "Shipped",
                        "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(quantity)},
                        "trackingInfo": tracking,
                    }
                ]
            },
        }
        if _customer_asked_to_cancel(state):
            entry["intentToCancelOverride"] = True
        lines.append(entry)
    return {"orderShipment": {"orderLines": {"orderLine": lines}}}


async def ship(client: WalmartClient, update: ShipmentUpdate, *, retry: bool) -> Applied:
    """Send the package to Walmart, or find it there already when ``retry`` is set."""
    carrier = check_shipment(update)
    order = await client.get_order(update.order_external_id)
    states = states_for_write(order, SHIP)
    if retry and shipment_present(states, update):
        return Applied(
            already=True,
            detail=f"tracking number {update.tracking_number} is on Walmart order "
            f"{update.order_external_id} already",
        )
    body = shipping_request(update, order, states, carrier)
    # Sent once: a lost answer goes back to the core, whose retry reads the order first.
    await client.order_action(SHIP, update.order_external_id, "shipping", body, once=True)
    return Applied()


def _method_code(named: str | None, order: Mapping[str, Any]) -> str:
    if named and named.strip().lower() in _METHODS_BY_NAME:
        return _METHODS_BY_NAME[named.strip().lower()]
    shipping = order.get("shippingInfo")
    ordered = shipping.get("methodCode") if isinstance(shipping, Mapping) else None
    if isinstance(ordered, str) and ordered.lower() in _METHODS_BY_NAME:
        return _METHODS_BY_NAME[ordered.lower()]
    return "Standard"


def _customer_asked_to_cancel(state: LineState) -> bool:
    flag = state.raw.get("intentToCancel")
    return flag is True or (isinstance(flag, str) and flag.strip().lower() in ("true", "yes"))


def _where(update: ShipmentUpdate) -> str:
    return f"shipment {update.reference} of Walmart order {update.order_external_id}"
