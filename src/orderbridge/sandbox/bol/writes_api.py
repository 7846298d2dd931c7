"""``POST /retailer/shipments``, ``PUT /retailer/orders/cancellation`` and the shipment list.

A write that is well formed is accepted at once (202 with a PENDING process status whose
``entityId`` is the first order item) and applied when it comes due (`processing.py`);
a malformed one is a 400 Problem naming each violation. The checks follow the v10
schemas: ``ShipmentRequest`` (1..100 items, a positive quantity if given, a reference of
1..90 characters, a shipping label or a transport with a known ``transporterCode``) and
``CancellationRequest`` (exactly one item, a ``reasonCode`` from the list).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.bol.endpoint import bol_api, json_body
from orderbridge.sandbox.bol.problems import bad_request, invalid_value
from orderbridge.sandbox.bol.views import BolJSONResponse, process_status, reduced_shipment

if TYPE_CHECKING:
    from orderbridge.sandbox.bol.state import BolSimulator

# The transporter codes of bol's 2023 contract, the last that enumerated them.
TRANSPORTERS = (
    "AMPERE", "BPOST_BE", "BPOST_BRIEF", "BRIEFPOST", "BUDBEE", "COURIER", "CYCLOON", "DHL",
    "DHL-GLOBAL-MAIL", "DHL-SD", "DHLFORYOU", "DHL_DE", "DPD-BE", "DPD-NL", "DYL", "FEDEX_BE",
    "FEDEX_NL", "GLS", "OTHER", "PACKS", "PARCEL-NL", "PES", "TNT", "TNT-EXPRESS", "TNT-EXTRA",
    "TNT_BRIEF", "TRANSMISSION", "TRUNKRS", "TSN", "UPS",
)  # fmt: skip
REASON_CODES = (
    "OUT_OF_STOCK", "REQUESTED_BY_CUSTOMER", "BAD_CONDITION", "HIGHER_SHIPCOST",
    "INCORRECT_PRICE", "NOT_AVAIL_IN_TIME", "NO_BOL_GUARANTEE", "ORDERED_TWICE", "RETAIN_ITEM",
    "TECH_ISSUE", "UNFINDABLE_ITEM", "OTHER",
)  # fmt: skip
PAGE_SIZE = 50


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _items(body: Mapping[str, Any], most: int, violations: list[tuple[str, str]]) -> list[Any]:
    items = body.get("orderItems")
    if items is None:
        violations.append(("orderItems", "must not be null"))
        return []
    if not isinstance(items, list) or not 1 <= len(items) <= most:
        violations.append(("orderItems", f"size must be between 1 and {most}"))
        return []
    for index, item in enumerate(items):
        where = f"orderItems[{index}]"
        if not isinstance(item, Mapping):
            violations.append((where, "must be an object"))
            continue
        item_id = item.get("orderItemId")
        if not isinstance(item_id, str) or not item_id.strip():
            violations.append((f"{where}.orderItemId", "must not be blank"))
    return items


@bol_api("create-shipment", body=True, write=True)
async def create_shipment(request: Request, simulator: BolSimulator) -> Response:
    body = await json_body(request)
    if not isinstance(body, Mapping):
        raise bad_request([("body", "must be a ShipmentRequest object")])
    violations: list[tuple[str, str]] = []
    items = _items(body, 100, violations)
    for index, item in enumerate(items):
        quantity = item.get("quantity") if isinstance(item, Mapping) else None
        if quantity is not None and (
            isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1
        ):
            violations.append(
                (f"orderItems[{index}].quantity", "must be greater than or equal to 1")
            )
    reference = body.get("shipmentReference")
    if reference is not None and (not isinstance(reference, str) or not 1 <= len(reference) <= 90):
        violations.append(("shipmentReference", "size must be between 1 and 90"))
    transport = body.get("transport")
    label = body.get("shippingLabelId")
    if (transport is None) == (label is None):
        violations.append(
            ("transport", "Either shippingLabelId or transport must be given, and not both.")
        )
    if transport is not None:
        code = transport.get("transporterCode") if isinstance(transport, Mapping) else None
        if code is None:
            violations.append(("transport.transporterCode", "must not be null"))
        elif code not in TRANSPORTERS:
            raise invalid_value("transport.transporterCode", code, TRANSPORTERS)
        tracking = transport.get("trackAndTrace") if isinstance(transport, Mapping) else None
        if tracking is not None and not isinstance(tracking, str):
            violations.append(("transport.trackAndTrace", "must be a string"))
    if violations:
        raise bad_request(violations)
    status = simulator.submit("CREATE_SHIPMENT", items[0]["orderItemId"], dict(body))
    return BolJSONResponse(process_status(status, _base(request)), status_code=202)


@bol_api("cancel-order-item", body=True, write=True)
async def cancel_order_item(request: Request, simulator: BolSimulator) -> Response:
    body = await json_body(request)
    if not isinstance(body, Mapping):
        raise bad_request([("body", "must be a CancellationRequest object")])
    violations: list[tuple[str, str]] = []
    items = _items(body, 1, violations)
    if violations:
        raise bad_request(violations)
    (item,) = items
    reason = item.get("reasonCode")
    if reason not in REASON_CODES:
        raise invalid_value("orderItems[0].reasonCode", reason, REASON_CODES)
    status = simulator.submit("CANCEL_ORDER", item["orderItemId"], dict(body))
    return BolJSONResponse(process_status(status, _base(request)), status_code=202)


@bol_api("get-shipments")
async def list_shipments(request: Request, simulator: BolSimulator) -> Response:
    raw_page = request.query_params.get("page", "1")
    if not raw_page.isdigit() or int(raw_page) < 1:
        raise bad_request([("page", "must be greater than or equal to 1")])
    page = int(raw_page)
    order_id = request.query_params.get("order-id")
    method = request.query_params.get("fulfilment-method", "FBR")
    if order_id is None and method not in ("FBR", "FBB"):
        raise invalid_value("fulfilment-method", method, ("FBR", "FBB"))
    store = simulator.store
    shipments = (
        store.shipments_of(order_id)
        if order_id is not None
        else [s for s in store.shipments if s.fulfilment_method == method]
    )
    shipments = sorted(shipments, key=lambda s: (s.shipped_at, s.shipment_id), reverse=True)
    start = (page - 1) * PAGE_SIZE
    rendered = []
    for shipment in shipments[start : start + PAGE_SIZE]:
        order = store.get(shipment.order_id)
        if order is not None:
            rendered.append(reduced_shipment(shipment, order))
    return BolJSONResponse({"shipments": rendered})
