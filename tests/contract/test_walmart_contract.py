"""Contract: the Walmart simulator's answers and the Walmart connector's requests against
Walmart's official OpenAPI files.

Reads `$ORDERBRIDGE_MARKETPLACE_SPECS/walmart/walmart-marketplace-{orders,authentication}-
openapi-original.yml`. Schemas are validated with jsonschema: each is placed in a document
holding the file's `components`, so `#/components/…` references resolve (Walmart's files
happen to inline everything today). To catch misspelt or invented fields, every object
schema that lists properties is closed (`additionalProperties: false`) first.

One deviation is deliberate and shown here: `getAnOrder`'s example answers `{"order": …}`
with epoch-millisecond dates, the shape of every write answer, while its schema shows a
bare order with an ISO `orderDate`. The simulator follows the example and the connector
reads both.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import yaml
from jsonschema import Draft4Validator

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.updates import (
    AcknowledgementUpdate,
    CancellationUpdate,
    RefundLine,
    RefundUpdate,
    ShipmentUpdate,
    UpdateLine,
)
from orderbridge.marketplaces.walmart import WalmartConnector, WalmartSettings
from orderbridge.marketplaces.walmart.carriers import CARRIER_CODES, WALMART_CARRIERS
from orderbridge.marketplaces.walmart.reasons import CANCEL_REASONS, REFUND_REASONS
from orderbridge.marketplaces.walmart.shipping import METHOD_CODES
from orderbridge.sandbox.walmart import (
    SimulatorClock,
    WalmartSimulatorSettings,
    create_app,
    serve_in_background,
)
from orderbridge.sandbox.walmart import cancellation as sim_cancellation
from orderbridge.sandbox.walmart import refunds as sim_refunds
from orderbridge.sandbox.walmart import shipping as sim_shipping
from orderbridge.sandbox.walmart.listing import LINE_STATUSES

pytestmark = pytest.mark.contract

SPEC_ENV = "ORDERBRIDGE_MARKETPLACE_SPECS"
ORDERS_FILE = Path("walmart") / "walmart-marketplace-orders-openapi-original.yml"
AUTH_FILE = Path("walmart") / "walmart-marketplace-authentication-openapi-original.yml"
SPECS_UNSET = (
    "ORDERBRIDGE_MARKETPLACE_SPECS is not set: contract tests need the official "
    "marketplace specs (CI points it at ../shared/marketplace-specs)"
)
FIXED_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
JSON = "application/json"


@pytest.fixture(scope="module")
def specs() -> dict[str, dict[str, Any]]:
    root = os.environ.get(SPEC_ENV)
    if not root:
        pytest.skip(reason=SPECS_UNSET)
    loaded: dict[str, dict[str, Any]] = {}
    for name, relative in (("orders", ORDERS_FILE), ("auth", AUTH_FILE)):
        path = Path(root) / relative
        if not path.is_file():
            pytest.fail(f"{SPEC_ENV}={root} but the official file {path} is missing")
        loaded[name] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def _closed(node: Any) -> Any:
    node = copy.deepcopy(node)

    def close(part: Any) -> None:
        if isinstance(part, dict):
            if "properties" in part and "additionalProperties" not in part:
                part["additionalProperties"] = False
            for value in part.values():
                close(value)
        elif isinstance(part, list):
            for value in part:
                close(value)

    close(node)
    return node


def operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"][path][method]
    return found


def validator(
    spec: dict[str, Any], schema: dict[str, Any], *, closed: bool = True
) -> Draft4Validator:
    """A validator for ``schema`` whose ``#/components/…`` references resolve in ``spec``."""
    document = {**schema, "components": spec.get("components", {})}
    return Draft4Validator(_closed(document) if closed else document)


def request_schema(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = operation(spec, method, path)["requestBody"]["content"][JSON]["schema"]
    return found


def answer_schema(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = operation(spec, method, path)["responses"]["200"]["content"][JSON][
        "schema"
    ]
    return found


def problems(check: Draft4Validator, instance: Any) -> list[str]:
    errors = sorted(check.iter_errors(instance), key=lambda e: list(e.path))
    return [f"{list(e.path)}: {e.message[:200]}" for e in errors[:10]]


ORDER_PATH = "/v3/orders/{purchaseOrderId}"
WRITES = {
    "acknowledge": f"{ORDER_PATH}/acknowledge",
    "shipping": f"{ORDER_PATH}/shipping",
    "cancel": f"{ORDER_PATH}/cancel",
    "refund": f"{ORDER_PATH}/refund",
}


# -- the model itself --------------------------------------------------------------------------


def test_the_models_own_examples_pass_and_an_invented_field_fails(
    specs: dict[str, dict[str, Any]],
) -> None:
    spec = specs["orders"]
    for action in ("shipping", "cancel", "refund"):
        body = operation(spec, "post", WRITES[action])["requestBody"]["content"][JSON]
        check = validator(spec, body["schema"])
        assert problems(check, body["example"]) == []
        invented = copy.deepcopy(body["example"])
        next(iter(invented.values()))["inventedField"] = 1
        assert problems(check, invented), f"the closed {action} schema accepts any field"
    listing = operation(spec, "get", "/v3/orders")["responses"]["200"]["content"][JSON]
    assert problems(validator(spec, listing["schema"]), listing["example"]) == []


def test_the_get_an_order_example_is_wrapped_like_the_write_answers(
    specs: dict[str, dict[str, Any]],
) -> None:
    spec = specs["orders"]
    content = operation(spec, "get", ORDER_PATH)["responses"]["200"]["content"][JSON]
    examples = [example["value"] for example in content["examples"].values()]
    # Open schemas: one example also shows attributes the schemas do not list.
    wrapped = validator(spec, answer_schema(spec, "post", WRITES["acknowledge"]), closed=False)
    bare = validator(spec, content["schema"], closed=False)
    for example in examples:
        assert set(example) == {"order"}
        assert isinstance(example["order"]["orderDate"], int)
        assert problems(bare, example), "the bare schema unexpectedly takes the example"
    # The realistic example; the other one holds placeholders such as carrier "FED_EX".
    assert problems(wrapped, content["examples"]["ORDER"]["value"]) == []


def test_enums_match_the_model(specs: dict[str, dict[str, Any]]) -> None:
    schemas = specs["orders"]["components"]["schemas"]
    carriers = set(schemas["CarrierNameType"]["properties"]["carrier"]["enum"])
    assert carriers == WALMART_CARRIERS == sim_shipping.CARRIERS
    assert set(CARRIER_CODES.values()) <= carriers
    tracking = schemas["TrackingInfoType"]["properties"]
    assert tuple(tracking["methodCode"]["enum"]) == METHOD_CODES == sim_shipping.METHOD_CODES
    cancel = schemas["CancelLineStatusType"]["properties"]["cancellationReason"]["enum"]
    assert tuple(cancel) == sim_cancellation.REASONS
    assert set(CANCEL_REASONS.values()) <= set(cancel)
    refund = schemas["RefundChargeType"]["properties"]["refundReason"]["enum"]
    assert tuple(refund) == sim_refunds.REASONS
    assert set(REFUND_REASONS.values()) <= set(refund)
    statuses = schemas["OrderLineStatusType"]["properties"]["status"]["enum"]
    assert set(LINE_STATUSES) <= set(statuses)


# -- the simulator's answers -------------------------------------------------------------------


class Recorder(httpx.AsyncBaseTransport):
    """Real sockets; every request and its answer kept, read in full."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.exchanges.append((request, response))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture(scope="module")
def walmart() -> Iterator[tuple[httpx.Client, WalmartSimulatorSettings]]:
    settings = WalmartSimulatorSettings(seed=21, speed_factor=0, initial_orders=150)
    app = create_app(settings, clock=SimulatorClock(FIXED_NOW, frozen=True))
    with ExitStack() as stack:
        url = stack.enter_context(serve_in_background(app))
        client = stack.enter_context(httpx.Client(base_url=url, timeout=30))
        headers = {"WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": "c-1"}
        answer = client.post(
            "/v3/token",
            data={"grant_type": "client_credentials"},
            headers=headers,
            auth=(settings.client_id, settings.client_secret),
        )
        client.headers.update({**headers, "WM_SEC.ACCESS_TOKEN": answer.json()["access_token"]})
        # Orders released just now, and some already moving on, so every search has pages.
        for status in ("Created", "Acknowledged", "PartiallyShipped"):
            client.post("/_sandbox/orders", json={"count": 12, "status": status})
        yield client, settings


def test_token_answers_match_the_authentication_model(
    specs: dict[str, dict[str, Any]], walmart: tuple[httpx.Client, WalmartSimulatorSettings]
) -> None:
    client, settings = walmart
    answer = client.post(
        "/v3/token",
        data={"grant_type": "client_credentials"},
        auth=(settings.client_id, settings.client_secret),
    )
    assert answer.status_code == 200
    check = validator(specs["auth"], answer_schema(specs["auth"], "post", "/v3/token"))
    assert problems(check, answer.json()) == []


@pytest.mark.parametrize("path", ["/v3/orders", "/v3/orders/released"])
@pytest.mark.parametrize("flags", [{}, {"productInfo": "true", "replacementInfo": "true"}])
def test_search_answers_and_their_next_pages_match_the_model(
    specs: dict[str, dict[str, Any]],
    walmart: tuple[httpx.Client, WalmartSimulatorSettings],
    path: str,
    flags: dict[str, str],
) -> None:
    client, _ = walmart
    spec = specs["orders"]
    check = validator(spec, answer_schema(spec, "get", path))
    answer = client.get(path, params={"createdStartDate": "2026-01-01", "limit": "5", **flags})
    pages = 0
    while True:
        assert answer.status_code == 200, answer.text
        assert problems(check, answer.json()) == []
        pages += 1
        cursor = answer.json()["list"]["meta"].get("nextCursor")
        if not cursor:
            break
        answer = client.get(path + cursor)
    assert pages >= 2


def test_every_declared_search_parameter_is_accepted(
    specs: dict[str, dict[str, Any]], walmart: tuple[httpx.Client, WalmartSimulatorSettings]
) -> None:
    client, _ = walmart
    samples = {
        "sku": "WM-KTL-0101",
        "customerOrderId": "1234567890123",
        "purchaseOrderId": "1234567890123",
        "status": "Shipped",
        "createdStartDate": "2026-02-01",
        "createdEndDate": "2026-03-02T10:30:15Z",
        "fromExpectedShipDate": "2026-02-01",
        "toExpectedShipDate": "2026-03-05T00:00:00Z",
        "lastModifiedStartDate": "2026-02-01T00:00:00Z",
        "lastModifiedEndDate": "2026-03-02",
        "limit": "200",
        "productInfo": "true",
        "shipNodeType": "SellerFulfilled",
        "shippingProgramType": "TWO_DAY",
        "replacementInfo": "false",
        "orderType": "REGULAR",
    }
    for path in ("/v3/orders", "/v3/orders/released"):
        declared = [
            p["name"]
            for p in operation(specs["orders"], "get", path)["parameters"]
            if p["in"] == "query"
        ]
        for name in declared:
            answer = client.get(path, params={name: samples[name]})
            assert answer.status_code == 200, f"{path} {name}: {answer.text}"


def test_error_answers_carry_walmarts_gateway_error(
    specs: dict[str, dict[str, Any]], walmart: tuple[httpx.Client, WalmartSimulatorSettings]
) -> None:
    client, _ = walmart
    listing = answer_schema(specs["orders"], "get", "/v3/orders")
    gateway_error = listing["properties"]["list"]["properties"]["errors"]["items"]
    check = validator(specs["orders"], gateway_error)
    answers = [
        client.get("/v3/orders", params={"limit": "500"}),
        client.get("/v3/orders/1"),
        client.get("/v3/orders", headers={"WM_SEC.ACCESS_TOKEN": "expired-or-invented"}),
        client.get("/v3/orders", headers={"WM_SVC.NAME": ""}),
    ]
    assert [a.status_code for a in answers] == [400, 404, 401, 400]
    for answer in answers:
        for entry in answer.json()["errors"]["error"]:
            assert problems(check, entry) == []


# -- the connector's requests and the answers to them ------------------------------------------


def _template(path: str) -> re.Pattern[str]:
    """``/v3/orders/{purchaseOrderId}/cancel`` as a pattern matching a concrete path."""
    parts = re.split(r"\{[^}]+\}", path)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


def _operation_of(spec: dict[str, Any], request: httpx.Request) -> tuple[str, dict[str, Any]]:
    method = request.method.lower()
    for path in sorted(spec["paths"], key=lambda p: p.count("{")):
        if method in spec["paths"][path] and _template(path).match(request.url.path):
            return path, spec["paths"][path][method]
    raise AssertionError(f"{request.method} {request.url.path} is no operation of the model")


async def _drive_the_connector(
    url: str, settings: WalmartSimulatorSettings, recorder: Recorder
) -> None:
    connector = WalmartConnector(
        WalmartSettings.parse(
            {"client_id": settings.client_id, "client_secret": settings.client_secret},
            {"base_url": url, "rate_limit_scale": 1000},
        ),
        transport=recorder,
    )
    async with httpx.AsyncClient(base_url=url) as control:
        lines = [{"quantity": 2, "unitPrice": "10.00"}, {"quantity": 1, "shipping": "4.99"}]
        placed = []
        for _ in range(2):
            answer = await control.post("/_sandbox/orders", json={"order": {"lines": lines}})
            placed.append(answer.json()["purchaseOrderIds"][0])
    shipped, cancelled = placed
    try:
        now = await connector.marketplace_now()
        async for _ in connector.read_orders(ReadWindow(now.replace(hour=0), now)):
            pass
        for purchase_order_id in placed:
            await connector.push_update(
                AcknowledgementUpdate("ack", purchase_order_id, None, ()), retry=False
            )
        for reference, line_numbers in (("1", (("1", 1),)), ("2", (("1", 1), ("2", 1)))):
            await connector.push_update(
                ShipmentUpdate(
                    reference=reference,
                    order_external_id=shipped,
                    marketplace_id=None,
                    lines=tuple(UpdateLine(n, q) for n, q in line_numbers),
                    shipped_at=datetime.now(UTC),
                    carrier_code="USPS",
                    carrier_name=None,
                    tracking_number=f"94001000000000000000{reference}",
                    shipping_method=None,
                ),
                retry=reference == "2",
            )
        await connector.push_update(
            RefundUpdate(
                reference="orderbridge-refund-1",
                order_external_id=shipped,
                marketplace_id=None,
                currency="USD",
                reason=RefundReason.CUSTOMER_RETURN,
                lines=(
                    RefundLine("2", 1, Decimal("19.99"), Decimal("4.99"), Decimal("0")),
                    RefundLine("1", 1, Decimal("10.00"), Decimal("0"), Decimal("0")),
                ),
            ),
            retry=True,
        )
        await connector.push_update(
            CancellationUpdate(
                reference="orderbridge-cancel-1",
                order_external_id=cancelled,
                marketplace_id=None,
                reason=CancelReason.PRICING_ERROR,
                whole_order=True,
                lines=(UpdateLine("1", 2), UpdateLine("2", 1)),
            ),
            retry=False,
        )
        await connector.get_order(cancelled)
    finally:
        await connector.aclose()


async def test_the_connectors_requests_and_walmarts_answers_match_the_model(
    specs: dict[str, dict[str, Any]],
) -> None:
    orders, auth = specs["orders"], specs["auth"]
    settings = WalmartSimulatorSettings(seed=22, speed_factor=0, initial_orders=20)
    recorder = Recorder()
    with serve_in_background(create_app(settings)) as url:
        await _drive_the_connector(url, settings, recorder)

    seen: set[str] = set()
    for request, response in recorder.exchanges:
        assert response.status_code == 200, (request.url, response.text)
        spec = auth if request.url.path == "/v3/token" else orders
        path, declared = _operation_of(spec, request)
        seen.add(f"{request.method} {path}")
        headers = [p for p in declared.get("parameters", []) if p["in"] == "header"]
        for header in headers:
            if header.get("required"):
                assert request.headers.get(header["name"]), f"{path} lacks {header['name']}"
        # The model's security scheme (basicScheme) on every call.
        assert request.headers["authorization"].startswith("Basic ")
        queries = {p["name"] for p in declared.get("parameters", []) if p["in"] == "query"}
        cursor_keys = {"hasMoreElements", "soIndex", "poIndex", "partnerId", "sellerId"}
        assert set(request.url.params) <= queries | cursor_keys, request.url
        if path == "/v3/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            body_schema = declared["requestBody"]["content"]["application/x-www-form-urlencoded"]
            assert problems(validator(auth, body_schema["schema"]), form) == []
        elif "requestBody" in declared:
            body = json.loads(request.content)
            check = validator(orders, declared["requestBody"]["content"][JSON]["schema"])
            assert problems(check, body) == [], path
        schema = declared["responses"]["200"]["content"][JSON]["schema"]
        if path == ORDER_PATH and request.method == "GET":
            # The example's shape (see the module docstring), not the bare schema's.
            schema = answer_schema(orders, "post", WRITES["acknowledge"])
        assert problems(validator(spec, schema), response.json()) == [], path
    assert seen == {
        "POST /v3/token",
        "GET /v3/orders",
        f"GET {ORDER_PATH}",
        *(f"POST {path}" for path in WRITES.values()),
    }
