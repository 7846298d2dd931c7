"""`POST /v3/orders/{purchaseOrderId}/shipping`: order lines to `Shipped`, with tracking.

The body is `{"orderShipment": {"processMode"?, "orderLines": {"orderLine": [{lineNumber,
sellerOrderId, intentToCancelOverride?, orderLineStatuses: {orderLineStatus: [{status:
"Shipped", statusQuantity, trackingInfo: {shipDateTime, carrierName: {carrier |
otherCarrier}, methodCode, trackingNumber, trackingURL?}}]}}]}}}`. Each status entry is a
package: a partial shipment names fewer lines or fewer units. Checked as Walmart does:
`shipDateTime` in epoch milliseconds, `carrier` from Walmart's list or `otherCarrier` with
a `trackingURL`, the order's own `methodCode` ("Method code is not supported in line
number …" otherwise), units acknowledged first and not more than are left, and
`intentToCancelOverride` on a line the customer asked to cancel. `processMode:
PARTIAL_UPDATE` with `currentTrackingInfo` replaces the tracking of units already shipped.
The whole request is checked before anything changes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from orderbridge.sandbox.walmart import lifecycle
from orderbridge.sandbox.walmart.errors import invalid_content
from orderbridge.sandbox.walmart.records import Line, Order, Tracking
from orderbridge.sandbox.walmart.request_fields import (
    entries,
    flag,
    obj,
    optional_text,
    quantity,
    required_text,
)

PARTIAL_UPDATE = "PARTIAL_UPDATE"
METHOD_CODES = ("Standard", "Express", "OneDay", "Freight", "WhiteGlove", "Value")
# The CarrierNameType.carrier enum of the Orders API.
CARRIERS = frozenset(
    {
        *("UPS", "USPS", "FedEx", "Airborne", "OnTrac", "DHL Ecommerce - US", "DHL", "LS"),
        *("UDS", "UPSMI", "FDX", "PILOT", "ESTES", "SAIA", "FDS Express", "Seko Worldwide"),
        *("HIT Delivery", "FEDEXSP", "RL Carriers", "Metropolitan Warehouse & Delivery"),
        *("China Post", "YunExpress", "Yellow Freight Sys", "AIT Worldwide Logistics"),
        *("Chukou1", "Sendle", "Landmark Global", "Sunyou", "Yanwen", "4PX", "GLS"),
        *("OSM Worldwide", "FIRST MILE", "AM Trucking", "CEVA", "India Post", "SF Express"),
        *("CNE", "TForce Freight", "AxleHire", "LSO", "Royal Mail", "ABF Freight System"),
        *("WanB", "Roadrunner Freight", "Meyer Distribution", "AAA Cooper", "Canada Post"),
        *("Southeastern Freight Lines", "Japan Post", "Correos de Mexico", "XPO Logistics"),
        *("JD Logistics", "YDH", "JCEX", "Flyt", "Deutsche Post", "Better Trucks", "Asendia"),
        *("SFC", "UBI", "ePost Global", "YF Logistics", "RXO", "Estes Express", "Shypmax"),
        *("WIN.IT America", "PITT OHIO", "PostNord Sweden", "Equick", "Whistl", "Tusou"),
        *("Shiprocket", "DTDC", "PTS"),
    }
)
# Epoch milliseconds of 2001-09-09: anything smaller is seconds sent by mistake.
_EARLIEST_MS = 1_000_000_000_000


def apply_shipping(order: Order, body: dict[str, Any], now_ms: int) -> None:
    mode = body.get("processMode")
    if mode not in (None, PARTIAL_UPDATE):
        raise invalid_content("processMode must be PARTIAL_UPDATE when given.", "processMode")
    shipments: list[tuple[Line, int, Tracking]] = []
    retracks: list[tuple[Line, str, Tracking]] = []
    where = "orderShipment.orderLines.orderLine"
    for index, entry in enumerate(
        entries(obj(body, "orderLines", "orderLines"), "orderLine", where)
    ):
        path = f"{where}[{index}]"
        line = _line(order, required_text(entry, "lineNumber", f"{path}.lineNumber"))
        required_text(entry, "sellerOrderId", f"{path}.sellerOrderId")
        override = flag(entry, "intentToCancelOverride", f"{path}.intentToCancelOverride")
        statuses = entries(
            obj(entry, "orderLineStatuses", f"{path}.orderLineStatuses"),
            "orderLineStatus",
            f"{path}.orderLineStatuses.orderLineStatus",
        )
        for number, status in enumerate(statuses):
            spath = f"{path}.orderLineStatuses.orderLineStatus[{number}]"
            if status.get("status") != "Shipped":
                raise invalid_content(f"{spath}.status must be Shipped.", "status")
            units = quantity(status, f"{spath}.statusQuantity")
            tracking = _tracking(order, line, obj(status, "trackingInfo", f"{spath}.trackingInfo"))
            if mode == PARTIAL_UPDATE:
                current = obj(status, "currentTrackingInfo", f"{spath}.currentTrackingInfo")
                sent = required_text(
                    current, "trackingNumber", f"{spath}.currentTrackingInfo.trackingNumber"
                )
                retracks.append((line, sent, tracking))
            else:
                shipments.append((line, units, tracking))
        if mode != PARTIAL_UPDATE and line.intent_to_cancel and not override:
            raise invalid_content(
                f"The customer asked to cancel line {line.line_number}; send "
                "intentToCancelOverride true to ship it anyway.",
                "intentToCancelOverride",
            )
    _check_units(shipments)
    for line, sent, _ in retracks:
        if not any(
            entry.tracking is not None and entry.tracking.tracking_number == sent
            for entry in line.statuses
        ):
            raise invalid_content(
                f"Line {line.line_number} has no shipment with tracking number {sent}.",
                "currentTrackingInfo",
            )
    for line, units, tracking in shipments:
        lifecycle.ship(line, units, tracking, now_ms)
    for line, sent, tracking in retracks:
        lifecycle.retrack(line, sent, tracking, now_ms)


def _line(order: Order, number: str) -> Line:
    line = order.line(number)
    if line is None:
        raise invalid_content(f"Order line {number} is not found in this order.", "lineNumber")
    return line


def _tracking(order: Order, line: Line, info: dict[str, Any]) -> Tracking:
    ship_ms = info.get("shipDateTime")
    if isinstance(ship_ms, bool) or not isinstance(ship_ms, int) or ship_ms < _EARLIEST_MS:
        raise invalid_content(
            "trackingInfo.shipDateTime must be a date in epoch milliseconds.", "shipDateTime"
        )
    names = obj(info, "carrierName", "trackingInfo.carrierName")
    carrier = optional_text(names, "carrier", "trackingInfo.carrierName.carrier")
    other = optional_text(names, "otherCarrier", "trackingInfo.carrierName.otherCarrier")
    url = optional_text(info, "trackingURL", "trackingInfo.trackingURL")
    if (carrier is None) == (other is None):
        raise invalid_content(
            "trackingInfo.carrierName needs exactly one of carrier and otherCarrier.",
            "carrierName",
        )
    if carrier is not None and carrier not in CARRIERS:
        raise invalid_content(f"Carrier {carrier!r} is not supported.", "carrier")
    if other is not None and url is None:
        raise invalid_content("trackingURL is required when otherCarrier is used.", "trackingURL")
    method = info.get("methodCode")
    if method not in METHOD_CODES:
        raise invalid_content(
            f"trackingInfo.methodCode must be one of {', '.join(METHOD_CODES)}.", "methodCode"
        )
    if method != order.method_code:
        raise invalid_content(
            f"Method code is not supported in line number {line.line_number}.", "methodCode"
        )
    return Tracking(
        ship_ms=ship_ms,
        method_code=method,
        tracking_number=required_text(info, "trackingNumber", "trackingInfo.trackingNumber"),
        carrier=carrier,
        other_carrier=other,
        tracking_url=url,
    )


def _check_units(shipments: list[tuple[Line, int, Tracking]]) -> None:
    asked: Counter[str] = Counter()
    lines: dict[str, Line] = {}
    for line, units, _ in shipments:
        asked[line.line_number] += units
        lines[line.line_number] = line
    for number, units in asked.items():
        line = lines[number]
        acknowledged = line.units("Acknowledged")
        if units <= acknowledged:
            continue
        if line.units("Created"):
            raise invalid_content(
                f"Line {number} is not acknowledged: acknowledge the order before shipping it.",
                "lineNumber",
            )
        raise invalid_content(
            f"Line {number} has {acknowledged} unit(s) left to ship, not {units} "
            f"({line.shipped_units} shipped, {line.units('Cancelled')} cancelled).",
            "statusQuantity",
        )
