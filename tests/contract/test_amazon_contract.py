"""Contract: the Amazon simulator's responses against Amazon's official Orders API model.

Reads `$ORDERBRIDGE_MARKETPLACE_SPECS/amazon-sp-api/orders_2026-01-01.json` and validates every
kind of simulator response with jsonschema over the model's swagger 2.0 `definitions`. To catch
misspelt or invented fields, every object schema that lists properties is closed
(`additionalProperties: false`) before validating: the model's own examples pass that way too.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator, FormatChecker

from orderbridge.sandbox.amazon import (
    AmazonSimulator,
    AmazonSimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)
from orderbridge.sandbox.amazon.app import GET_ORDER_PATH, SEARCH_ORDERS_PATH
from orderbridge.sandbox.amazon.lifecycle import FULFILLED_BY, FULFILLMENT_STATUSES
from orderbridge.sandbox.amazon.query import GET_ORDER_PARAMS, SEARCH_ORDERS_PARAMS
from orderbridge.sandbox.amazon.throttle import USAGE_PLANS
from orderbridge.sandbox.amazon.views import INCLUDED_DATA
from tests.sandbox.conftest import FIXED_NOW

pytestmark = pytest.mark.contract

SPEC_ENV = "ORDERBRIDGE_MARKETPLACE_SPECS"
MODEL = Path("amazon-sp-api") / "orders_2026-01-01.json"
LONG_AGO = "2020-01-01T00:00:00Z"
ALL_DATA = ",".join(INCLUDED_DATA)


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# jsonschema checks "date-time" only with an optional extra installed; check it ourselves
FORMATS = FormatChecker()


@FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(RFC3339.match(value))


SPECS_UNSET = (
    "ORDERBRIDGE_MARKETPLACE_SPECS is not set: contract tests need the official "
    "marketplace specs (CI points it at ../shared/marketplace-specs)"
)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    root = os.environ.get(SPEC_ENV)
    if not root:
        pytest.skip(reason=SPECS_UNSET)
    path = Path(root) / MODEL
    if not path.is_file():
        pytest.fail(f"{SPEC_ENV}={root} but the official model {path} is missing")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _closed(definitions: dict[str, Any]) -> dict[str, Any]:
    closed = copy.deepcopy(definitions)

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
    definitions = _closed(spec["definitions"])

    def check(definition: str, instance: Any) -> None:
        schema = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
        validator = Draft4Validator(schema, format_checker=FORMATS)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])

    return check


def _start(stack: ExitStack, speed_factor: float) -> tuple[httpx.Client, AmazonSimulator]:
    settings = AmazonSimulatorSettings(
        seed=21,
        speed_factor=speed_factor,
        initial_orders_per_marketplace=60,
        marketplace_ids=("ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A1VC38T7YXB528"),
    )
    app = create_app(settings, clock=SimulatorClock(FIXED_NOW, frozen=True))
    base_url = stack.enter_context(serve_in_background(app))
    client = stack.enter_context(httpx.Client(base_url=base_url))
    response = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": settings.refresh_token,
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
        },
    )
    client.headers["x-amz-access-token"] = response.json()["access_token"]
    return client, app.state.simulator


@pytest.fixture(scope="module")
def amazon() -> Iterator[tuple[httpx.Client, AmazonSimulator]]:
    """Throttling off: these tests make more calls than a usage plan's burst allows."""
    with ExitStack() as stack:
        yield _start(stack, speed_factor=0)


@pytest.fixture
def throttled_amazon() -> Iterator[tuple[httpx.Client, AmazonSimulator]]:
    with ExitStack() as stack:
        yield _start(stack, speed_factor=1.0)


def _operation(spec: dict[str, Any], path: str) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][path]["get"]
    return operation


def _declared_headers(spec: dict[str, Any], path: str, status: int) -> set[str]:
    return set(_operation(spec, path)["responses"][str(status)].get("headers", {}))


def _check_headers(
    spec: dict[str, Any], path: str, response: httpx.Response, *, throttling: bool = False
) -> None:
    """Declared headers are present; the rate header is best-effort (Usage-Plans doc), so a
    simulator that does not throttle leaves it out, and one that does sends it where declared.
    """
    declared = _declared_headers(spec, path, response.status_code)
    rate = "x-amzn-RateLimit-Limit"
    for header in declared - {rate}:
        assert header in response.headers, (response.status_code, header)
    assert (rate in response.headers) == (throttling and rate in declared)


def test_paths_parameters_and_enums_match_the_model(spec: dict[str, Any]) -> None:
    assert set(spec["paths"]) == {SEARCH_ORDERS_PATH, GET_ORDER_PATH}
    search = _operation(spec, SEARCH_ORDERS_PATH)["parameters"]
    get = _operation(spec, GET_ORDER_PATH)["parameters"]
    assert {p["name"] for p in search if p["in"] == "query"} == set(SEARCH_ORDERS_PARAMS)
    assert {p["name"] for p in get if p["in"] == "query"} == set(GET_ORDER_PARAMS)
    enums = {p["name"]: p["items"]["enum"] for p in search if "enum" in p.get("items", {})}
    assert enums["fulfillmentStatuses"] == list(FULFILLMENT_STATUSES)
    assert enums["fulfilledBy"] == list(FULFILLED_BY)
    assert enums["includedData"] == list(INCLUDED_DATA)
    assert spec["definitions"]["FulfillmentStatus"]["enum"] == list(FULFILLMENT_STATUSES)


def test_usage_plans_match_the_model(spec: dict[str, Any]) -> None:
    for path, operation_id in ((SEARCH_ORDERS_PATH, "searchOrders"), (GET_ORDER_PATH, "getOrder")):
        description = _operation(spec, path)["description"]
        match = re.search(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|", description)
        assert match, description
        assert USAGE_PLANS[operation_id] == (float(match.group(1)), int(match.group(2)))


# a valid value for every query parameter the model declares for searchOrders
SEARCH_VALUES: dict[str, Any] = {
    "lastUpdatedAfter": LONG_AGO,
    "lastUpdatedBefore": "2026-03-01T00:00:00Z",
    "createdAfter": LONG_AGO,
    "createdBefore": "2026-03-01T00:00:00Z",
    "fulfillmentStatuses": "UNSHIPPED,SHIPPED",
    "marketplaceIds": "ATVPDKIKX0DER",
    "fulfilledBy": "MERCHANT,AMAZON",
    "maxResultsPerPage": 2,
    "includedData": ALL_DATA,
    "paginationToken": None,  # filled from the first page
}


def test_every_declared_parameter_is_accepted(
    spec: dict[str, Any], amazon: tuple[httpx.Client, AmazonSimulator]
) -> None:
    client, _ = amazon
    declared = {p["name"] for p in _operation(spec, SEARCH_ORDERS_PATH)["parameters"]}
    assert set(SEARCH_VALUES) == declared
    # created* and lastUpdated* exclude each other, so two requests cover all of them
    for family in ("created", "lastUpdated"):
        other = "lastUpdated" if family == "created" else "created"
        params = {
            k: v for k, v in SEARCH_VALUES.items() if not k.startswith(other) and v is not None
        }
        first = client.get(SEARCH_ORDERS_PATH, params=params)
        assert first.status_code == 200, first.text
        params["paginationToken"] = first.json()["pagination"]["nextToken"]
        assert client.get(SEARCH_ORDERS_PATH, params=params).status_code == 200
    order_id = next(iter(amazon[1].store)).order_id
    declared_get = {p["name"] for p in _operation(spec, GET_ORDER_PATH)["parameters"]}
    assert declared_get == {"orderId", "includedData"}
    path = GET_ORDER_PATH.format(orderId=order_id)
    assert client.get(path, params={"includedData": ALL_DATA}).status_code == 200
    # a name the model does not declare (v0 spelling) is refused, not silently ignored
    undeclared = {"createdAfter": LONG_AGO, "NextToken": "x"}
    assert client.get(SEARCH_ORDERS_PATH, params=undeclared).status_code == 400


def test_search_orders_responses_match_the_model(
    spec: dict[str, Any], validate: Any, amazon: tuple[httpx.Client, AmazonSimulator]
) -> None:
    client, simulator = amazon
    statuses: set[str] = set()
    next_token = None
    pages = 0
    while True:
        params: dict[str, Any] = {
            "createdAfter": LONG_AGO,
            "includedData": ALL_DATA,
            "maxResultsPerPage": 100,
        }
        if next_token:
            params["paginationToken"] = next_token
        response = client.get(SEARCH_ORDERS_PATH, params=params)
        assert response.status_code == 200, response.text
        _check_headers(spec, SEARCH_ORDERS_PATH, response)
        body = response.json()
        validate("SearchOrdersResponse", body)
        statuses |= {o["fulfillment"]["fulfillmentStatus"] for o in body["orders"]}
        pages += 1
        next_token = body.get("pagination", {}).get("nextToken")
        if not next_token:
            break
    assert pages == 3  # 240 orders
    assert {"UNSHIPPED", "PENDING", "SHIPPED", "PARTIALLY_SHIPPED", "CANCELLED"} <= statuses
    bare = client.get(SEARCH_ORDERS_PATH, params={"lastUpdatedAfter": LONG_AGO}).json()
    validate("SearchOrdersResponse", bare)
    assert len(simulator.store) == 240


def test_get_order_responses_match_the_model(
    spec: dict[str, Any], validate: Any, amazon: tuple[httpx.Client, AmazonSimulator]
) -> None:
    client, simulator = amazon
    # one order of every (status, fulfilled by, marketplace) combination the generator made
    samples = {(o.status, o.fulfilled_by, o.marketplace_id): o.order_id for o in simulator.store}
    for order_id in sorted(samples.values()):
        for included in (ALL_DATA, ""):
            params = {"includedData": included} if included else {}
            response = client.get(GET_ORDER_PATH.format(orderId=order_id), params=params)
            assert response.status_code == 200
            _check_headers(spec, GET_ORDER_PATH, response)
            validate("GetOrderResponse", response.json())


def test_model_examples_pass_the_closed_schemas(spec: dict[str, Any], validate: Any) -> None:
    # guards the strictness added in _closed: Amazon's own examples must still validate
    for path, definition in (
        (SEARCH_ORDERS_PATH, "SearchOrdersResponse"),
        (GET_ORDER_PATH, "GetOrderResponse"),
    ):
        response = _operation(spec, path)["responses"]["200"]
        for case in response["x-amzn-api-sandbox"]["static"]:
            validate(definition, case["response"])


def test_error_responses_match_the_model(
    spec: dict[str, Any],
    validate: Any,
    amazon: tuple[httpx.Client, AmazonSimulator],
    throttled_amazon: tuple[httpx.Client, AmazonSimulator],
) -> None:
    client, simulator = amazon
    cases: list[tuple[str, httpx.Response]] = [
        (SEARCH_ORDERS_PATH, client.get(SEARCH_ORDERS_PATH, params={})),
        (
            SEARCH_ORDERS_PATH,
            client.get(
                SEARCH_ORDERS_PATH,
                params={"createdAfter": LONG_AGO},
                headers={"x-amz-access-token": "Atza|bogus"},
            ),
        ),
        (GET_ORDER_PATH, client.get(GET_ORDER_PATH.format(orderId="999-9999999-9999999"))),
    ]
    simulator.faults.config.fault_rate_500 = 1.0
    cases.append((GET_ORDER_PATH, client.get(GET_ORDER_PATH.format(orderId="999-9999999-9999999"))))
    simulator.faults.config.fault_rate_500 = 0.0
    simulator.faults.config.fault_rate_503 = 1.0
    cases.append((GET_ORDER_PATH, client.get(GET_ORDER_PATH.format(orderId="999-9999999-9999999"))))
    simulator.faults.config.fault_rate_503 = 0.0
    throttled = None
    limited_client, _ = throttled_amazon
    for _ in range(25):  # burst 20 at speed 1 with a frozen clock: some call must be refused
        response = limited_client.get(SEARCH_ORDERS_PATH, params={"createdAfter": LONG_AGO})
        if response.status_code == 200:
            _check_headers(spec, SEARCH_ORDERS_PATH, response, throttling=True)
        if response.status_code == 429:
            throttled = response
            break
    assert throttled is not None
    cases.append((SEARCH_ORDERS_PATH, throttled))
    assert sorted(r.status_code for _, r in cases) == [400, 403, 404, 429, 500, 503]
    for path, response in cases:
        validate("ErrorList", response.json())
        _check_headers(spec, path, response)
        assert response.headers["x-amzn-ErrorType"]
