"""Contract: the bol simulator's answers and the bol connector's requests against bol's own
OpenAPI files, ``bol-com/retailer.json`` and ``bol-com/shared.json`` (Retailer API v10).

Schemas are taken from each file's ``components/schemas`` with ``$ref`` resolved inside
that file. To catch misspelt or invented fields, every object schema that lists
properties is closed (``additionalProperties: false``) before validating.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator, FormatChecker

from orderbridge.domain.fulfilment import CancelReason
from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.bol import BolConnector, BolSettings
from orderbridge.marketplaces.bol import capabilities as ops
from orderbridge.marketplaces.bol.client import MEDIA_TYPE
from orderbridge.marketplaces.bol.process_status import CANCEL_ORDER, CREATE_SHIPMENT, STATUSES
from orderbridge.marketplaces.bol.reasons import CANCEL_REASONS
from orderbridge.marketplaces.bol.shipping import MAX_ITEMS, MAX_REFERENCE
from orderbridge.marketplaces.bol.transporters import OTHER_TRANSPORTER, TRANSPORTER_CODES
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.marketplaces.updates import CancellationUpdate, ShipmentUpdate, UpdateLine
from orderbridge.sandbox.bol import (
    BolSimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)
from orderbridge.sandbox.bol.orders_api import METHODS
from orderbridge.sandbox.bol.orders_api import STATUSES as LIST_STATUSES
from orderbridge.sandbox.bol.process_status_api import BULK_MAX, EVENT_TYPES
from orderbridge.sandbox.bol.writes_api import REASON_CODES, TRANSPORTERS

pytestmark = pytest.mark.contract

SPEC_ENV = "ORDERBRIDGE_MARKETPLACE_SPECS"
FIXED_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SPECS_UNSET = (
    "ORDERBRIDGE_MARKETPLACE_SPECS is not set: contract tests need the official "
    "marketplace specs (CI points it at ../shared/marketplace-specs)"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FORMATS = FormatChecker()


@FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(RFC3339.match(value))


@dataclass
class Specs:
    retailer: dict[str, Any]
    shared: dict[str, Any]

    def operation(self, path: str, method: str) -> dict[str, Any]:
        spec = self.shared if path.startswith("/shared") else self.retailer
        found: dict[str, Any] = spec["paths"][path][method]
        return found

    def schema(self, name: str, *, shared: bool = False) -> dict[str, Any]:
        spec = self.shared if shared else self.retailer
        found: dict[str, Any] = spec["components"]["schemas"][name]
        return found


@pytest.fixture(scope="module")
def specs() -> Specs:
    root = os.environ.get(SPEC_ENV)
    if not root:
        pytest.skip(reason=SPECS_UNSET)
    loaded = []
    for name in ("retailer.json", "shared.json"):
        path = Path(root) / "bol-com" / name
        if not path.is_file():
            pytest.fail(f"{SPEC_ENV}={root} but the official file {path} is missing")
        loaded.append(json.loads(path.read_text(encoding="utf-8")))
    return Specs(*loaded)


def _closed(components: dict[str, Any]) -> dict[str, Any]:
    closed = copy.deepcopy(components)

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(closed)
    return closed


class Validate:
    def __init__(self, specs: Specs) -> None:
        self._components = {
            False: _closed(specs.retailer["components"]),
            True: _closed(specs.shared["components"]),
        }

    def __call__(self, name: str, instance: Any, *, shared: bool = False) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": self._components[shared]}
        validator = Draft4Validator(schema, format_checker=FORMATS)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, f"{name}: " + "\n".join(
            f"{list(e.path)}: {e.message}" for e in errors[:10]
        )


@pytest.fixture(scope="module")
def validate(specs: Specs) -> Validate:
    return Validate(specs)


# -- names, parameters and vocabularies ------------------------------------------------------

USED = [
    ("/retailer/orders", "get", ops.GET_ORDERS),
    ("/retailer/orders/{order-id}", "get", ops.GET_ORDER),
    ("/retailer/orders/cancellation", "put", ops.CANCEL_ORDER_ITEM),
    ("/retailer/shipments", "post", ops.CREATE_SHIPMENT),
    ("/retailer/shipments", "get", ops.GET_SHIPMENTS),
    ("/shared/process-status/{process-status-id}", "get", ops.GET_PROCESS_STATUS),
    ("/shared/process-status", "get", ops.GET_PROCESS_STATUSES),
    ("/shared/process-status", "post", ops.GET_PROCESS_STATUS_BULK),
]


@pytest.mark.parametrize(("path", "method", "operation_id"), USED)
def test_every_operation_used_is_in_the_contract_under_its_name(
    specs: Specs, path: str, method: str, operation_id: str
) -> None:
    operation = specs.operation(path, method)
    assert operation["operationId"] == operation_id
    for response in operation["responses"].values():
        assert MEDIA_TYPE in response.get("content", {MEDIA_TYPE: {}})
    if "requestBody" in operation:
        assert MEDIA_TYPE in operation["requestBody"]["content"]


def _enum(parameters: list[dict[str, Any]], name: str) -> list[str]:
    (found,) = [p for p in parameters if p["name"] == name]
    enum: list[str] = found["schema"]["enum"]
    return enum


def test_vocabularies_match_the_contract(specs: Specs) -> None:
    listing = specs.operation("/retailer/orders", "get")["parameters"]
    assert {p["name"] for p in listing} == {
        "page",
        "fulfilment-method",
        "status",
        "change-interval-minute",
        "latest-change-date",
        "vvb-only",
    }
    assert _enum(listing, "fulfilment-method") == list(METHODS)
    assert _enum(listing, "status") == list(LIST_STATUSES)
    (interval,) = [p for p in listing if p["name"] == "change-interval-minute"]
    assert interval["schema"]["maximum"] == 60

    reason_enum = specs.schema("OrderItemCancellation")["properties"]["reasonCode"]["enum"]
    assert reason_enum == list(REASON_CODES)
    assert set(CANCEL_REASONS.values()) <= set(reason_enum)
    assert set(CANCEL_REASONS) == set(CancelReason)

    events = _enum(specs.operation("/shared/process-status", "get")["parameters"], "event-type")
    assert events == list(EVENT_TYPES)
    assert {CREATE_SHIPMENT, CANCEL_ORDER} <= set(events)
    status_enum = specs.schema("ProcessStatus", shared=True)["properties"]["status"]["enum"]
    assert set(status_enum) == STATUSES

    request = specs.schema("ShipmentRequest")["properties"]
    assert request["orderItems"]["maxItems"] == MAX_ITEMS
    assert request["shipmentReference"]["maxLength"] == MAX_REFERENCE
    assert specs.schema("CancellationRequest")["properties"]["orderItems"]["maxItems"] == 1
    bulk = specs.schema("BulkProcessStatusRequest", shared=True)["properties"]
    assert bulk["processStatusQueries"]["maxItems"] == BULK_MAX
    # The current contract leaves transporterCode free; every code sent is one bol listed.
    assert set(TRANSPORTER_CODES.values()) | {OTHER_TRANSPORTER} <= set(TRANSPORTERS)


# -- the simulator's answers ----------------------------------------------------------------


@dataclass
class Running:
    url: str
    client: httpx.Client

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params)

    def send(self, method: str, path: str, body: Any) -> httpx.Response:
        return self.client.request(method, path, json=body, headers={"content-type": MEDIA_TYPE})

    def control(self, method: str, path: str, body: Any = None) -> Any:
        return self.client.request(method, path, json=body).json()


@pytest.fixture(scope="module")
def bol() -> Iterator[Running]:
    """Throttling off and a frozen clock: the answers, not the budgets, are tested here."""
    settings = BolSimulatorSettings(seed=21, speed_factor=0, initial_orders=120)
    clock = SimulatorClock(FIXED_NOW, frozen=True)
    with ExitStack() as stack:
        app = create_app(settings, clock=clock)
        url = stack.enter_context(serve_in_background(app))
        client = stack.enter_context(httpx.Client(base_url=url, timeout=10))
        token = client.post(
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(settings.client_id, settings.client_secret),
        ).json()["access_token"]
        client.headers.update({"authorization": f"Bearer {token}", "accept": MEDIA_TYPE})
        yield Running(url, client)


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    return response.json()


def test_order_lists_and_details_validate(bol: Running, validate: Validate) -> None:
    seen: list[str] = []
    days = [(FIXED_NOW - timedelta(days=back)).date().isoformat() for back in range(16)]
    variants: list[dict[str, Any]] = [
        {"status": "ALL", "fulfilment-method": "ALL", "latest-change-date": day} for day in days
    ]
    variants += [
        {"status": "OPEN"},
        {"status": "SHIPPED", "fulfilment-method": "FBB"},
        {"status": "ALL", "change-interval-minute": 60, "vvb-only": "false"},
    ]
    for params in variants:
        page = 1
        while True:
            body = _ok(bol.get("/retailer/orders", page=page, **params))
            validate("ReducedOrders", body)
            if not body["orders"]:
                break
            seen.extend(order["orderId"] for order in body["orders"])
            page += 1
    assert len(set(seen)) == 120
    for order_id in sorted(set(seen)):
        validate("Order", _ok(bol.get(f"/retailer/orders/{order_id}")))


def test_writes_and_process_statuses_validate(bol: Running, validate: Validate) -> None:
    (order_id,) = bol.control(
        "POST", "/_sandbox/orders", {"order": {"orderItems": [{"quantity": 2}, {"quantity": 1}]}}
    )["orderIds"]
    first, second = (
        item["orderItemId"] for item in _ok(bol.get(f"/retailer/orders/{order_id}"))["orderItems"]
    )
    shipped = _ok(
        bol.send(
            "POST",
            "/retailer/shipments",
            {
                "orderItems": [{"orderItemId": first, "quantity": 1}],
                "shipmentReference": "OB-1",
                "transport": {"transporterCode": "TNT", "trackAndTrace": "3SBOL0987654321"},
            },
        ),
        202,
    )
    cancelled = _ok(
        bol.send(
            "PUT",
            "/retailer/orders/cancellation",
            {"orderItems": [{"orderItemId": second, "reasonCode": "OUT_OF_STOCK"}]},
        ),
        202,
    )
    too_many = _ok(
        bol.send(
            "POST",
            "/retailer/shipments",
            {
                "orderItems": [{"orderItemId": first, "quantity": 5}],
                "transport": {"transporterCode": "UPS"},
            },
        ),
        202,
    )
    for answer in (shipped, cancelled, too_many):
        validate("ProcessStatus", answer)
    bol.control("POST", "/_sandbox/clock", {"advance_seconds": 60})
    finished = [
        _ok(bol.get(f"/shared/process-status/{answer['processStatusId']}"))
        for answer in (shipped, cancelled, too_many)
    ]
    assert [s["status"] for s in finished] == ["SUCCESS", "SUCCESS", "FAILURE"]
    for status in finished:
        validate("ProcessStatus", status, shared=True)
    by_entity = _ok(
        bol.get("/shared/process-status", **{"entity-id": first, "event-type": "CREATE_SHIPMENT"})
    )
    validate("ProcessStatusResponse", by_entity, shared=True)
    assert len(by_entity["processStatuses"]) == 2
    bulk = _ok(
        bol.send(
            "POST",
            "/shared/process-status",
            {"processStatusQueries": [{"processStatusId": s["processStatusId"]} for s in finished]},
        )
    )
    validate("ProcessStatusResponse", bulk, shared=True)
    for params in ({"order-id": order_id}, {"fulfilment-method": "FBR"}, {"page": 2}):
        validate("ShipmentsResponse", _ok(bol.get("/retailer/shipments", **params)))


def test_problems_validate(bol: Running, validate: Validate) -> None:
    answers = [
        bol.get("/retailer/orders", status="CLOSED"),
        bol.get("/retailer/orders/NOPE"),
        bol.get("/shared/process-status/1"),
        bol.client.get("/retailer/orders", headers={"authorization": "Bearer nope"}),
        bol.client.get("/retailer/orders", headers={"accept": "application/json"}),
        bol.client.post("/retailer/shipments", json={"orderItems": []}),
        bol.send("POST", "/retailer/shipments", {"orderItems": []}),
        bol.client.get("/retailer/no-such-thing"),
    ]
    assert [a.status_code for a in answers] == [400, 404, 404, 401, 406, 415, 400, 404]
    for answer in answers:
        assert answer.headers["content-type"] == MEDIA_TYPE
        validate("Problem", answer.json())
        validate("Problem", answer.json(), shared=True)


def test_a_429_validates(validate: Validate) -> None:
    settings = BolSimulatorSettings(seed=2, speed_factor=1.0, initial_orders=0)
    app = create_app(settings, clock=SimulatorClock(FIXED_NOW, frozen=True))
    with serve_in_background(app) as url, httpx.Client(base_url=url) as client:
        token = client.post(
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(settings.client_id, settings.client_secret),
        ).json()["access_token"]
        headers = {"authorization": f"Bearer {token}", "accept": MEDIA_TYPE}
        answers = [client.get("/retailer/orders/A1", headers=headers) for _ in range(9)]
    assert answers[-1].status_code == 429
    assert answers[-1].headers["retry-after"] == "60"
    validate("Problem", answers[-1].json())


# -- the connector's requests ---------------------------------------------------------------


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_the_connectors_requests_validate(specs: Specs, validate: Validate) -> None:
    settings = BolSimulatorSettings(seed=4, speed_factor=0, initial_orders=30, processing_seconds=0)
    app = create_app(settings, clock=SimulatorClock(FIXED_NOW, frozen=True))
    with serve_in_background(app) as url, httpx.Client(base_url=url) as control:
        (order_id,) = control.post(
            "/_sandbox/orders",
            json={"order": {"orderItems": [{"quantity": 2}, {"quantity": 1}, {"quantity": 1}]}},
        ).json()["orderIds"]
        items = [
            item["orderItemId"]
            for item in control.get(f"/_sandbox/orders/{order_id}").json()["order"]["orderItems"]
        ]
        transport = RecordingTransport()
        connector = BolConnector(
            BolSettings.parse(
                {"client_id": settings.client_id, "client_secret": settings.client_secret},
                {"base_url": url, "token_url": f"{url}/token", "rate_limit_scale": 10_000},
            ),
            retry=RetryPolicy(attempts=1),
            transport=transport,
        )
        try:
            await _exercise(connector, order_id, items)
        finally:
            await connector.aclose()

    bodies = {"POST /retailer/shipments": 0, "PUT /retailer/orders/cancellation": 0}
    for request in transport.requests:
        if request.url.path == "/token":
            assert request.headers["authorization"].startswith("Basic ")
            assert request.content == b"grant_type=client_credentials"
            continue
        key = f"{request.method} {request.url.path}"
        assert request.headers["accept"] == MEDIA_TYPE, key
        assert request.headers["authorization"].startswith("Bearer "), key
        if request.method == "GET":
            _check_query(specs, request)
            continue
        assert request.headers["content-type"] == MEDIA_TYPE, key
        body = json.loads(request.content)
        if key == "POST /retailer/shipments":
            validate("ShipmentRequest", body)
        elif key == "PUT /retailer/orders/cancellation":
            validate("CancellationRequest", body)
        else:
            assert key == "POST /shared/process-status"
            validate("BulkProcessStatusRequest", body, shared=True)
        bodies[key] = bodies.get(key, 0) + 1
    assert bodies == {
        "POST /retailer/shipments": 1,
        "PUT /retailer/orders/cancellation": 2,
        "POST /shared/process-status": 1,
    }


async def _exercise(connector: BolConnector, order_id: str, items: list[str]) -> None:
    now = await connector.marketplace_now()
    async for _ in connector.read_orders(ReadWindow(now - timedelta(days=2), now)):
        pass
    shipment = ShipmentUpdate(
        reference="17",
        order_external_id=order_id,
        marketplace_id=None,
        lines=(UpdateLine(items[0], 1),),
        shipped_at=FIXED_NOW,
        carrier_code="TNT",
        carrier_name=None,
        tracking_number="3SBOL0987654321",
        shipping_method=None,
    )
    shipped = await connector.push_update(shipment, retry=False)
    await connector.check_update(shipment, getattr(shipped, "handle", ""))
    await connector.push_update(shipment, retry=True)
    cancellation = CancellationUpdate(
        reference="orderbridge-cancel-3",
        order_external_id=order_id,
        marketplace_id=None,
        reason=CancelReason.OUT_OF_STOCK,
        whole_order=False,
        lines=(UpdateLine(items[1], 1), UpdateLine(items[2], 1)),
    )
    cancelled = await connector.push_update(cancellation, retry=False)
    await connector.check_update(cancellation, getattr(cancelled, "handle", ""))


def _check_query(specs: Specs, request: httpx.Request) -> None:
    path = request.url.path
    templates = {
        "/retailer/orders": "/retailer/orders",
        "/retailer/shipments": "/retailer/shipments",
        "/shared/process-status": "/shared/process-status",
    }
    template = templates.get(path) or (
        "/retailer/orders/{order-id}"
        if path.startswith("/retailer/orders/")
        else "/shared/process-status/{process-status-id}"
    )
    declared = {
        p["name"]: p["schema"]
        for p in specs.operation(template, "get").get("parameters", [])
        if p["in"] == "query"
    }
    for name, value in request.url.params.multi_items():
        assert name in declared, f"{path}: {name} is not a parameter of the contract"
        schema = declared[name]
        if "enum" in schema:
            assert value in schema["enum"], (path, name, value)
        if schema.get("type") == "integer":
            number = int(value)
            assert number >= schema.get("minimum", number) and number <= schema.get(
                "maximum", number
            )
