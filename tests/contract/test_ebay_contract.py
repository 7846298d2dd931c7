"""Contract: the eBay simulator's answers and the eBay connector's requests against eBay's
official Fulfillment API file.

Reads ``$ORDERBRIDGE_MARKETPLACE_SPECS/ebay/sell_fulfillment_v1_oas3.yaml`` (v1.20.7) and
validates with jsonschema over its ``components/schemas``, ``$ref``s resolved. To catch
misspelt or invented fields, every object schema that lists properties is closed
(``additionalProperties: false``) first. Error answers are checked twice: their shape
against ``Error``, and their ``errorId`` against the ids the contract lists for that
method (``x-response-codes``). The Post-Order API has no contract file; it is not here.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import yaml
from jsonschema import Draft4Validator

from orderbridge.domain.fulfilment import RefundReason
from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.ebay import EbayConnector, EbaySettings
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.marketplaces.updates import RefundLine, RefundUpdate, ShipmentUpdate, UpdateLine
from orderbridge.sandbox.ebay import (
    EbaySimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)

pytestmark = pytest.mark.contract

SPEC_ENV = "ORDERBRIDGE_MARKETPLACE_SPECS"
CONTRACT = Path("ebay") / "sell_fulfillment_v1_oas3.yaml"
SPECS_UNSET = (
    "ORDERBRIDGE_MARKETPLACE_SPECS is not set: contract tests need the official "
    "marketplace specs (CI points it at ../shared/marketplace-specs)"
)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BASE = "/sell/fulfillment/v1"
# The documented filter grammar (getOrders' ``filter`` parameter description).
FILTER = re.compile(
    r"^lastmodifieddate:\[\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\.\."
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\]$"
)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    root = os.environ.get(SPEC_ENV)
    if not root:
        pytest.skip(reason=SPECS_UNSET)
    path = Path(root) / CONTRACT
    if not path.is_file():
        pytest.fail(f"{SPEC_ENV}={root} but the official contract {path} is missing")
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def _closed(schemas: dict[str, Any]) -> dict[str, Any]:
    closed = copy.deepcopy(schemas)

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


@pytest.fixture(scope="module")
def validate(spec: dict[str, Any]) -> Any:
    components = {"schemas": _closed(spec["components"]["schemas"])}

    def check(schema_name: str, instance: Any) -> None:
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
        errors = sorted(Draft4Validator(schema).iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])

    return check


@pytest.fixture(scope="module")
def validate_errors(validate: Any) -> Any:
    def check(body: Any) -> None:
        assert isinstance(body, dict) and set(body) == {"errors"}, body
        assert body["errors"], body
        for error in body["errors"]:
            validate("Error", error)

    return check


def operation(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"][path][method]
    return found


def documented_ids(spec: dict[str, Any], path: str, method: str) -> set[int]:
    ids: set[int] = set()
    for answer in operation(spec, path, method)["responses"].values():
        ids.update(int(i) for i in answer.get("x-response-codes", {}).get("errors", {}))
    return ids


@dataclass
class Simulator:
    client: httpx.Client
    url: str
    settings: EbaySimulatorSettings

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.token}"}
        return self.client.request(method, path, headers=headers, **kwargs)

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.request(method, path, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    @property
    def token(self) -> str:
        s = self.settings
        response = self.client.post(
            "/identity/v1/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": s.refresh_token},
            auth=(s.client_id, s.client_secret),
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token


@pytest.fixture(scope="module")
def simulator(spec: dict[str, Any]) -> Iterator[Simulator]:
    settings = EbaySimulatorSettings(seed=21, speed_factor=0, initial_orders=80)
    app = create_app(settings, clock=SimulatorClock(NOW, frozen=True))
    with ExitStack() as stack:
        url = stack.enter_context(serve_in_background(app))
        client = stack.enter_context(httpx.Client(base_url=url, timeout=10))
        sim = Simulator(client, url, settings)
        _make_history(sim)
        yield sim


def _make_history(sim: Simulator) -> None:
    """Orders in every state a write can leave them in, next to the generated ones."""
    shipped, refunded, asked = (
        sim.control("POST", "/_sandbox/orders", {"order": partial})["orderIds"][0]
        for partial in (
            {"marketplaceId": "EBAY_US", "lineItems": [{"quantity": 3}, {"quantity": 1}]},
            {"marketplaceId": "EBAY_DE", "lineItems": [{"quantity": 2}]},
            {"marketplaceId": "EBAY_DE"},
        )
    )
    lines = sim.call("GET", f"{BASE}/order/{shipped}").json()["lineItems"]
    package = {"lineItems": [{"lineItemId": lines[0]["lineItemId"], "quantity": 1}]}
    assert sim.call("POST", f"{BASE}/order/{shipped}/shipping_fulfillment", json=package).is_success
    line = sim.call("GET", f"{BASE}/order/{refunded}").json()["lineItems"][0]
    refund = {
        "reasonForRefund": "BUYER_RETURN",
        "refundItems": [
            {"lineItemId": line["lineItemId"], "refundAmount": {"value": "1.00", "currency": "EUR"}}
        ],
    }
    assert sim.call("POST", f"{BASE}/order/{refunded}/issue_refund", json=refund).is_success
    sim.control("POST", f"/_sandbox/orders/{asked}/status", {"cancelState": "IN_PROGRESS"})


def test_every_served_fulfillment_path_is_in_the_contract(spec: dict[str, Any]) -> None:
    app = create_app(EbaySimulatorSettings(initial_orders=0))
    served = {
        (route.path.removeprefix(BASE), method.lower())
        for route in app.routes
        if getattr(route, "path", "").startswith(BASE)
        for method in (getattr(route, "methods", None) or ())
        if method != "HEAD"
    }
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert served and served <= documented, served - documented


def test_get_orders_pages_match_the_contract(simulator: Simulator, validate: Any) -> None:
    for params in (
        {"limit": "200"},
        {"limit": "200", "fieldGroups": "TAX_BREAKDOWN"},
        {"limit": "25", "offset": "25"},
        {"filter": "orderfulfillmentstatus:{FULFILLED|IN_PROGRESS}"},
    ):
        response = simulator.call("GET", f"{BASE}/order", params=params)
        assert response.status_code == 200, response.text
        validate("OrderSearchPagedCollection", response.json())
    body = simulator.call("GET", f"{BASE}/order", params={"limit": "200"}).json()
    assert body["total"] >= 83


def test_every_order_matches_the_contract(simulator: Simulator, validate: Any) -> None:
    orders = simulator.call("GET", f"{BASE}/order", params={"limit": "200"}).json()["orders"]
    states = set()
    for listed in orders:
        for params in ({}, {"fieldGroups": "TAX_BREAKDOWN"}):
            response = simulator.call("GET", f"{BASE}/order/{listed['orderId']}", params=params)
            assert response.status_code == 200
            order = response.json()
            validate("Order", order)
        states.add(
            (
                order["orderFulfillmentStatus"],
                order["orderPaymentStatus"],
                order["cancelStatus"]["cancelState"],
            )
        )
    # The sample holds the states the connector has to read.
    assert {s[0] for s in states} == {"NOT_STARTED", "IN_PROGRESS", "FULFILLED"}
    assert {s[1] for s in states} >= {"PAID", "PENDING", "FULLY_REFUNDED"}
    assert {s[2] for s in states} == {"NONE_REQUESTED", "IN_PROGRESS", "CANCELED"}


def test_fulfillments_and_refunds_match_the_contract(simulator: Simulator, validate: Any) -> None:
    orders = simulator.call("GET", f"{BASE}/order", params={"limit": "200"}).json()["orders"]
    shipped = [o for o in orders if o["orderFulfillmentStatus"] != "NOT_STARTED"]
    assert shipped
    for order in shipped:
        listed = simulator.call("GET", f"{BASE}/order/{order['orderId']}/shipping_fulfillment")
        validate("ShippingFulfillmentPagedCollection", listed.json())
        for fulfillment in listed.json()["fulfillments"]:
            path = f"{BASE}/order/{order['orderId']}/shipping_fulfillment"
            one = simulator.call("GET", f"{path}/{fulfillment['fulfillmentId']}")
            validate("ShippingFulfillment", one.json())
    open_order = next(
        o
        for o in orders
        if o["orderPaymentStatus"] == "PAID"
        and o["orderFulfillmentStatus"] == "NOT_STARTED"
        and o["cancelStatus"]["cancelState"] == "NONE_REQUESTED"
    )
    line = open_order["lineItems"][0]
    refund = {
        "reasonForRefund": "OTHER_ADJUSTMENT",
        "refundItems": [
            {
                "lineItemId": line["lineItemId"],
                "refundAmount": {"value": "0.50", "currency": line["lineItemCost"]["currency"]},
            }
        ],
    }
    validate("IssueRefundRequest", refund)
    answer = simulator.call(
        "POST", f"{BASE}/order/{open_order['orderId']}/issue_refund", json=refund
    )
    assert answer.status_code == 200
    validate("Refund", answer.json())


@pytest.mark.parametrize(
    ("method", "path", "template", "request_args", "status"),
    [
        ("GET", "/order", "/order", {"params": {"filter": "x:[1..]"}}, 400),
        ("GET", "/order", "/order", {"params": {"limit": "500"}}, 400),
        ("GET", "/order", "/order", {"params": {"offset": "minus"}}, 400),
        ("GET", "/order/not-an-order", "/order/{orderId}", {}, 400),
        ("GET", "/order/01-00000-00000", "/order/{orderId}", {}, 404),
        (
            "POST",
            "/order/{open}/shipping_fulfillment",
            "/order/{orderId}/shipping_fulfillment",
            {"json": {"lineItems": [{"lineItemId": "1"}]}},
            400,
        ),
        (
            "POST",
            "/order/{open}/shipping_fulfillment",
            "/order/{orderId}/shipping_fulfillment",
            {"json": {"lineItems": "LINE", "shippedDate": "now"}},
            400,
        ),
        (
            "GET",
            "/order/{open}/shipping_fulfillment/nothing",
            "/order/{orderId}/shipping_fulfillment/{fulfillmentId}",
            {},
            404,
        ),
        (
            "POST",
            "/order/{open}/issue_refund",
            "/order/{order_id}/issue_refund",
            {"json": {"reasonForRefund": "OTHER_ADJUSTMENT"}},
            400,
        ),
        (
            "POST",
            "/order/{open}/issue_refund",
            "/order/{order_id}/issue_refund",
            {"json": "TOO_MUCH"},
            409,
        ),
        (
            "POST",
            "/order/01-00000-00000/issue_refund",
            "/order/{order_id}/issue_refund",
            {"json": {}},
            404,
        ),
    ],
)
def test_errors_match_the_contract_and_its_error_ids(
    spec: dict[str, Any],
    simulator: Simulator,
    validate_errors: Any,
    method: str,
    path: str,
    template: str,
    request_args: dict[str, Any],
    status: int,
) -> None:
    order_id = simulator.control(
        "POST",
        "/_sandbox/orders",
        {"order": {"marketplaceId": "EBAY_DE", "lineItems": [{"quantity": 1}, {"quantity": 1}]}},
    )["orderIds"][0]
    order = simulator.call("GET", f"{BASE}/order/{order_id}").json()
    line = order["lineItems"][0]
    args = dict(request_args)
    if args.get("json") == "TOO_MUCH":
        args["json"] = {
            "reasonForRefund": "OTHER_ADJUSTMENT",
            "refundItems": [
                {
                    "lineItemId": line["lineItemId"],
                    "refundAmount": {"value": line["total"]["value"], "currency": "EUR"},
                }
            ],
        }
        args["json"]["refundItems"][0]["refundAmount"]["value"] = str(
            Decimal(line["total"]["value"]) + 1
        )
        # More than the line holds, less than the order: the line's own limit answers.
        assert Decimal(args["json"]["refundItems"][0]["refundAmount"]["value"]) < Decimal(
            order["pricingSummary"]["total"]["value"]
        )
    elif isinstance(args.get("json"), dict) and args["json"].get("lineItems") == "LINE":
        args["json"] = {**args["json"], "lineItems": [{"lineItemId": line["lineItemId"]}]}
    response = simulator.call(method, BASE + path.replace("{open}", order_id), **args)
    assert response.status_code == status, response.text
    assert str(status) in operation(spec, template, method.lower())["responses"]
    body = response.json()
    validate_errors(body)
    assert body["errors"][0]["errorId"] in documented_ids(spec, template, method.lower())


def test_access_errors_have_the_error_shape(simulator: Simulator, validate_errors: Any) -> None:
    unauthorised = simulator.client.get(f"{BASE}/order")
    assert unauthorised.status_code == 401
    validate_errors(unauthorised.json())
    simulator.control("POST", "/_sandbox/faults", {"fault_rate_500": 1.0})
    try:
        failing = simulator.call("GET", f"{BASE}/order")
    finally:
        simulator.control("POST", "/_sandbox/faults", {"fault_rate_500": 0})
    assert failing.status_code == 500
    validate_errors(failing.json())
    assert failing.json()["errors"][0]["errorId"] == 30500


class RecordingTransport(httpx.AsyncBaseTransport):
    """Real sockets, every request kept for the test to inspect."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def recorded(simulator: Simulator) -> AsyncIterator[RecordingTransport]:
    """The connector's requests for a read, two packages and a refund."""
    transport = RecordingTransport()
    s = simulator.settings
    settings = EbaySettings.parse(
        {
            "client_id": s.client_id,
            "client_secret": s.client_secret,
            "refresh_token": s.refresh_token,
        },
        {"base_url": simulator.url, "marketplace_id": "EBAY_DE"},
    )
    connector = EbayConnector(
        settings, transport=transport, retry=RetryPolicy(attempts=1, base_delay=0, max_delay=0)
    )
    try:
        now = await connector.marketplace_now()
        window = ReadWindow(now - timedelta(days=30), now - timedelta(minutes=2))
        async for _ in connector.read_orders(window):
            pass
        order_id = simulator.control(
            "POST",
            "/_sandbox/orders",
            {"order": {"marketplaceId": "EBAY_DE", "lineItems": [{"quantity": 2}]}},
        )["orderIds"][0]
        line = (await connector.get_order(order_id)).lines[0].external_line_id
        for tracking in ("00340434161094042557", None):
            await connector.push_update(
                ShipmentUpdate(
                    "5",
                    order_id,
                    "EBAY_DE",
                    (UpdateLine(line, 1),),
                    now,
                    "DHL",
                    None,
                    tracking,
                    None,
                ),
                retry=tracking is None,
            )
        await connector.push_update(
            RefundUpdate(
                "orderbridge-refund-1",
                order_id,
                "EBAY_DE",
                "EUR",
                RefundReason.CUSTOMER_RETURN,
                (RefundLine(line, 1, Decimal("5.00"), Decimal("1.00"), Decimal("0")),),
            ),
            retry=False,
        )
    finally:
        await connector.aclose()
    yield transport


def _requests_to(transport: RecordingTransport, suffix: str, method: str) -> list[httpx.Request]:
    return [r for r in transport.requests if r.method == method and r.url.path.endswith(suffix)]


async def test_the_connectors_request_bodies_match_the_contract(
    recorded: RecordingTransport, validate: Any
) -> None:
    packages = _requests_to(recorded, "/shipping_fulfillment", "POST")
    assert len(packages) == 2
    for request in packages:
        assert request.headers["content-type"] == "application/json"
        validate("ShippingFulfillmentDetails", json.loads(request.content))
    (refund,) = _requests_to(recorded, "/issue_refund", "POST")
    assert refund.headers["content-type"] == "application/json"
    validate("IssueRefundRequest", json.loads(refund.content))


async def test_the_connectors_queries_use_documented_parameters(
    spec: dict[str, Any], recorded: RecordingTransport
) -> None:
    documented = {p["name"] for p in operation(spec, "/order", "get")["parameters"]}
    pages = [r for r in recorded.requests if r.method == "GET" and r.url.path == f"{BASE}/order"]
    assert pages
    for request in pages:
        # The brackets travel percent-encoded, as the filter's description demands.
        assert "%5B" in request.url.query.decode() and "[" not in request.url.query.decode()
        params = dict(parse_qsl(urlsplit(str(request.url)).query))
        assert set(params) <= documented
        assert FILTER.match(params["filter"]), params["filter"]
        assert 1 <= int(params["limit"]) <= 200
        assert params["fieldGroups"] == "TAX_BREAKDOWN"
    get_order = operation(spec, "/order/{orderId}", "get")
    allowed = {p["name"] for p in get_order["parameters"] if p["in"] == "query"}
    for request in recorded.requests:
        path = request.url.path.removeprefix(BASE)
        if request.method == "GET" and re.fullmatch(r"/order/[^/]+", path):
            assert set(dict(parse_qsl(request.url.query.decode()))) <= allowed
