"""Contract: the Amazon simulator's write side against Amazon's official models.

confirmShipment requests and responses are checked against `ordersV0.json`, every Feeds API
response against `feeds_2021-06-30.json`, and orders changed by writes against
`orders_2026-01-01.json` (all under `$ORDERBRIDGE_MARKETPLACE_SPECS/amazon-sp-api/`). As in
test_amazon_contract.py, object schemas that list properties are closed before validating,
so an invented or misspelt field fails; each status answered must be one the operation
declares, with the headers declared for it.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
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
from orderbridge.sandbox.amazon.feeds_api import (
    DOCUMENT_PATH,
    DOCUMENTS_PATH,
    FEED_PATH,
    FEEDS_PATH,
)
from orderbridge.sandbox.amazon.shipments import CONFIRM_SHIPMENT_PATH
from orderbridge.sandbox.amazon.throttle import USAGE_PLANS
from tests.sandbox.conftest import FIXED_NOW

pytestmark = pytest.mark.contract

SPEC_ENV = "ORDERBRIDGE_MARKETPLACE_SPECS"
MODELS = {
    "v0": "ordersV0.json",
    "orders": "orders_2026-01-01.json",
    "feeds": "feeds_2021-06-30.json",
}
US = "ATVPDKIKX0DER"
XML = "text/xml; charset=UTF-8"
ALL_DATA = "BUYER,RECIPIENT,PROCEEDS,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FORMATS = FormatChecker()


@FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(RFC3339.match(value))


Validate = Callable[[str, str, Any], list[str]]


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


@pytest.fixture(scope="module")
def specs() -> dict[str, dict[str, Any]]:
    root = os.environ.get(SPEC_ENV)
    if not root:
        pytest.skip(reason=f"{SPEC_ENV} is not set; contract tests need the official specs")
    loaded = {}
    for key, name in MODELS.items():
        path = Path(root) / "amazon-sp-api" / name
        if not path.is_file():
            pytest.fail(f"{SPEC_ENV}={root} but the official model {path} is missing")
        loaded[key] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def errors_of(specs: dict[str, dict[str, Any]]) -> Validate:
    closed = {key: _closed(spec["definitions"]) for key, spec in specs.items()}

    def check(model: str, definition: str, instance: Any) -> list[str]:
        schema = {"$ref": f"#/definitions/{definition}", "definitions": closed[model]}
        validator = Draft4Validator(schema, format_checker=FORMATS)
        return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(instance)]

    return check


@pytest.fixture(scope="module")
def validate(errors_of: Validate) -> Callable[[str, str, Any], None]:
    def check(model: str, definition: str, instance: Any) -> None:
        errors = errors_of(model, definition, instance)
        assert not errors, "\n".join(errors[:10])

    return check


@dataclass
class Running:
    client: httpx.Client
    simulator: AmazonSimulator

    def new_order(self, order_id: str, quantity: int = 2) -> str:
        partial = {
            "orderId": order_id,
            "salesChannel": {"marketplaceId": US},
            "fulfillment": {"fulfilledBy": "MERCHANT", "fulfillmentStatus": "UNSHIPPED"},
            "orderItems": [
                {"orderItemId": "79039765272157", "quantityOrdered": quantity},
                {"orderItemId": "79039765272158", "quantityOrdered": 1},
            ],
        }
        response = self.client.post("/_sandbox/orders", json={"order": partial})
        assert response.status_code == 201, response.text
        return order_id


def _start(stack: ExitStack, speed_factor: float) -> Running:
    settings = AmazonSimulatorSettings(
        seed=5, speed_factor=speed_factor, initial_orders_per_marketplace=5
    )
    app = create_app(settings, clock=SimulatorClock(FIXED_NOW, frozen=True))
    base_url = stack.enter_context(serve_in_background(app))
    client = stack.enter_context(httpx.Client(base_url=base_url))
    token = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": settings.refresh_token,
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
        },
    ).json()["access_token"]
    client.headers["x-amz-access-token"] = token
    return Running(client, app.state.simulator)


@pytest.fixture
def amazon() -> Iterator[Running]:
    with ExitStack() as stack:
        yield _start(stack, speed_factor=0)


@pytest.fixture
def throttled() -> Iterator[Running]:
    with ExitStack() as stack:
        yield _start(stack, speed_factor=1.0)


def _operation(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][path][method]
    return operation


def _check_answer(
    spec: dict[str, Any], path: str, method: str, response: httpx.Response, *, throttling: bool
) -> dict[str, Any]:
    """The status is declared; declared headers are sent (the rate one only when throttling)."""
    responses = _operation(spec, path, method)["responses"]
    declared = responses.get(str(response.status_code))
    assert declared is not None, (
        f"{method.upper()} {path} answered undeclared {response.status_code}"
    )
    headers = set(declared.get("headers", {}))
    rate = "x-amzn-RateLimit-Limit"
    for header in headers - {rate}:
        assert header in response.headers, (response.status_code, header)
    assert (rate in response.headers) == (throttling and rate in headers)
    return declared


def _usage_plan(description: str) -> tuple[float, int]:
    match = re.search(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|", description)
    assert match, description
    return float(match.group(1)), int(match.group(2))


def test_usage_plans_match_the_models(specs: dict[str, dict[str, Any]]) -> None:
    operations = {
        "confirmShipment": ("v0", CONFIRM_SHIPMENT_PATH, "post"),
        "createFeedDocument": ("feeds", DOCUMENTS_PATH, "post"),
        "getFeedDocument": ("feeds", DOCUMENT_PATH, "get"),
        "createFeed": ("feeds", FEEDS_PATH, "post"),
        "getFeeds": ("feeds", FEEDS_PATH, "get"),
        "getFeed": ("feeds", FEED_PATH, "get"),
    }
    for name, (model, path, method) in operations.items():
        operation = _operation(specs[model], path, method)
        assert operation["operationId"] == name
        assert USAGE_PLANS[name] == _usage_plan(operation["description"]), name


# --- confirmShipment ------------------------------------------------------------------------------


def _confirm(amazon: Running, order_id: str, body: Any) -> httpx.Response:
    return amazon.client.post(CONFIRM_SHIPMENT_PATH.format(orderId=order_id), json=body)


def test_the_models_sandbox_requests_get_the_models_answers(
    specs: dict[str, dict[str, Any]], validate: Any, amazon: Running
) -> None:
    responses = _operation(specs["v0"], CONFIRM_SHIPMENT_PATH, "post")["responses"]
    for status in ("204", "400"):
        for case in responses[status]["x-amzn-api-sandbox"]["static"]:
            parameters = case["request"]["parameters"]
            order_id = amazon.new_order(parameters["orderId"]["value"])
            body = parameters["body"]["value"]
            response = _confirm(amazon, order_id, body)
            assert response.status_code == int(status), response.text
            _check_answer(specs["v0"], CONFIRM_SHIPMENT_PATH, "post", response, throttling=False)
            if status == "204":
                validate("v0", "ConfirmShipmentRequest", body)
                assert response.content == b""
            else:
                validate("v0", "ConfirmShipmentErrorResponse", response.json())
            amazon.client.post("/_sandbox/reset", json={"orders_per_marketplace": 0})


VALID_PACKAGE: dict[str, Any] = {
    "packageReferenceId": "1",
    "carrierCode": "DHL",
    "shippingMethod": "Paket",
    "trackingNumber": "00340434161094042557",
    "shipDate": "2026-03-02T09:30:00Z",
    "orderItems": [{"orderItemId": "79039765272157", "quantity": 1}],
}


@pytest.mark.parametrize(
    "change",
    [
        {"packageReferenceId": 1},
        {"packageReferenceId": None},
        {"trackingNumber": None},
        {"carrierCode": None},
        {"shipDate": None},
        {"orderItems": None},
        {"orderItems": {"orderItemId": "79039765272157", "quantity": 1}},
        {"orderItems": [{"orderItemId": "79039765272157"}]},
        {"orderItems": [{"orderItemId": "79039765272157", "quantity": "1"}]},
    ],
)
def test_requests_the_model_rejects_are_refused(
    specs: dict[str, dict[str, Any]],
    errors_of: Validate,
    validate: Any,
    amazon: Running,
    change: dict[str, Any],
) -> None:
    order_id = amazon.new_order("902-1106328-1059050")
    detail = {k: v for k, v in {**VALID_PACKAGE, **change}.items() if v is not None}
    body = {"marketplaceId": US, "packageDetail": detail}
    assert errors_of("v0", "ConfirmShipmentRequest", body)  # the model refuses it too
    response = _confirm(amazon, order_id, body)
    assert response.status_code == 400
    _check_answer(specs["v0"], CONFIRM_SHIPMENT_PATH, "post", response, throttling=False)
    validate("v0", "ConfirmShipmentErrorResponse", response.json())


def test_confirm_shipment_answers_match_the_model(
    specs: dict[str, dict[str, Any]], validate: Any, amazon: Running, throttled: Running
) -> None:
    order_id = amazon.new_order("902-1106328-1059050")
    body = {"marketplaceId": US, "packageDetail": VALID_PACKAGE}
    validate("v0", "ConfirmShipmentRequest", body)
    cases = [
        _confirm(amazon, order_id, body),
        _confirm(amazon, "902-0000000-0000000", body),
        amazon.client.post(
            CONFIRM_SHIPMENT_PATH.format(orderId=order_id),
            json=body,
            headers={"x-amz-access-token": "Atza|bogus"},
        ),
    ]
    amazon.simulator.faults.config.fault_rate_500 = 1.0
    cases.append(_confirm(amazon, order_id, body))
    amazon.simulator.faults.config.fault_rate_500 = 0.0
    amazon.simulator.faults.config.fault_rate_503 = 1.0
    cases.append(_confirm(amazon, order_id, body))
    amazon.simulator.faults.config.fault_rate_503 = 0.0
    assert [r.status_code for r in cases] == [204, 404, 403, 500, 503]
    for response in cases:
        _check_answer(specs["v0"], CONFIRM_SHIPMENT_PATH, "post", response, throttling=False)
        if response.status_code != 204:
            validate("v0", "ConfirmShipmentErrorResponse", response.json())
            assert response.headers["x-amzn-ErrorType"]

    limited_id = throttled.new_order("902-1106328-1059051")
    answers = [_confirm(throttled, limited_id, body) for _ in range(11)]
    assert [r.status_code for r in answers] == [204] * 10 + [429]
    for response in (answers[0], answers[-1]):
        _check_answer(specs["v0"], CONFIRM_SHIPMENT_PATH, "post", response, throttling=True)
    validate("v0", "ConfirmShipmentErrorResponse", answers[-1].json())


def test_orders_changed_by_writes_still_match_the_orders_model(
    validate: Any, amazon: Running
) -> None:
    shipped = amazon.new_order("902-1106328-1059050")
    partly = amazon.new_order("902-1106328-1059052", quantity=3)
    cancelled = amazon.new_order("902-1106328-1059053")
    package = {**VALID_PACKAGE, "orderItems": [{"orderItemId": "79039765272157", "quantity": 2}]}
    del package["shippingMethod"]
    for order_id, detail in (
        (shipped, {**VALID_PACKAGE, "carrierCode": "Other", "carrierName": "Kurier Nord"}),
        (
            shipped,
            {
                **package,
                "packageReferenceId": "2",
                "orderItems": [
                    {"orderItemId": "79039765272157", "quantity": 1},
                    {"orderItemId": "79039765272158", "quantity": 1},
                ],
            },
        ),
        (partly, package),
    ):
        response = _confirm(amazon, order_id, {"marketplaceId": US, "packageDetail": detail})
        assert response.status_code == 204, response.text
    _run_feed(
        amazon,
        "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        _envelope(
            "OrderAcknowledgement",
            f"<OrderAcknowledgement><AmazonOrderID>{cancelled}</AmazonOrderID>"
            "<StatusCode>Failure</StatusCode><Item><AmazonOrderItemCode>79039765272158"
            "</AmazonOrderItemCode><CancelReason>NoInventory</CancelReason></Item>"
            "</OrderAcknowledgement>",
            f"<OrderAcknowledgement><AmazonOrderID>{partly}</AmazonOrderID>"
            "<StatusCode>Failure</StatusCode><Item><AmazonOrderItemCode>79039765272158"
            "</AmazonOrderItemCode></Item></OrderAcknowledgement>",
        ),
    )
    statuses = set()
    for order_id in (shipped, partly, cancelled):
        response = amazon.client.get(
            f"/orders/2026-01-01/orders/{order_id}", params={"includedData": ALL_DATA}
        )
        assert response.status_code == 200
        validate("orders", "GetOrderResponse", response.json())
        statuses.add(response.json()["order"]["fulfillment"]["fulfillmentStatus"])
    assert statuses == {"SHIPPED", "PARTIALLY_SHIPPED", "UNSHIPPED"}
    search = amazon.client.get(
        "/orders/2026-01-01/orders",
        params={"createdAfter": "2020-01-01T00:00:00Z", "includedData": ALL_DATA},
    )
    validate("orders", "SearchOrdersResponse", search.json())


# --- Feeds API ---------------------------------------------------------------------------------


def _envelope(message_type: str, *payloads: str) -> str:
    messages = "".join(
        f"<Message><MessageID>{n}</MessageID>{p}</Message>" for n, p in enumerate(payloads, 1)
    )
    return (
        "<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>"
        "<MerchantIdentifier>M_SANDBOX</MerchantIdentifier></Header>"
        f"<MessageType>{message_type}</MessageType>{messages}</AmazonEnvelope>"
    )


def _run_feed(amazon: Running, feed_type: str, content: str) -> str:
    document = amazon.client.post(DOCUMENTS_PATH, json={"contentType": XML}).json()
    upload = httpx.put(document["url"], content=content.encode(), headers={"Content-Type": XML})
    assert upload.status_code == 200
    response = amazon.client.post(
        FEEDS_PATH,
        json={
            "feedType": feed_type,
            "marketplaceIds": [US],
            "inputFeedDocumentId": document["feedDocumentId"],
        },
    )
    assert response.status_code == 202, response.text
    feed_id: str = response.json()["feedId"]
    return feed_id


def test_feeds_answers_match_the_model(
    specs: dict[str, dict[str, Any]], validate: Any, throttled: Running
) -> None:
    spec = specs["feeds"]
    client, clock = throttled.client, throttled.simulator.clock

    def check(path: str, method: str, response: httpx.Response, definition: str) -> None:
        _check_answer(spec, path, method, response, throttling=True)
        validate("feeds", definition, response.json())

    order_id = throttled.new_order("902-1106328-1059050")
    request = {"contentType": XML}
    validate("feeds", "CreateFeedDocumentSpecification", request)
    created = client.post(DOCUMENTS_PATH, json=request)
    assert created.status_code == 201
    check(DOCUMENTS_PATH, "post", created, "CreateFeedDocumentResponse")
    document = created.json()
    content = _envelope(
        "OrderAcknowledgement",
        f"<OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID>"
        "<StatusCode>Failure</StatusCode></OrderAcknowledgement>",
        "<OrderAcknowledgement><AmazonOrderID>902-0000000-0000000</AmazonOrderID>"
        "<StatusCode>Failure</StatusCode></OrderAcknowledgement>",
    )
    httpx.put(document["url"], content=content.encode(), headers={"Content-Type": XML})
    spec_body = {
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "marketplaceIds": [US],
        "inputFeedDocumentId": document["feedDocumentId"],
        "feedOptions": {},
    }
    validate("feeds", "CreateFeedSpecification", spec_body)
    feed = client.post(FEEDS_PATH, json=spec_body)
    assert feed.status_code == 202
    check(FEEDS_PATH, "post", feed, "CreateFeedResponse")
    feed_id = feed.json()["feedId"]
    path = FEED_PATH.format(feedId=feed_id)
    seen = []
    for step in (0, 1, 1):
        clock.advance(step)
        response = client.get(path)
        check(FEED_PATH, "get", response, "Feed")
        seen.append(response.json()["processingStatus"])
    assert seen == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    result_id = response.json()["resultFeedDocumentId"]
    report = client.get(DOCUMENT_PATH.format(feedDocumentId=result_id))
    check(DOCUMENT_PATH, "get", report, "FeedDocument")
    input_doc = client.get(
        DOCUMENT_PATH.format(feedDocumentId=document["feedDocumentId"]),
        params={"enableContentEncodingUrlHeader": "true"},
    )
    check(DOCUMENT_PATH, "get", input_doc, "FeedDocument")
    assert httpx.get(input_doc.json()["url"]).content == content.encode()

    fatal_doc = client.post(DOCUMENTS_PATH, json=request).json()
    httpx.put(fatal_doc["url"], content=b"<AmazonEnvelope>", headers={"Content-Type": XML})
    fatal = client.post(
        FEEDS_PATH, json={**spec_body, "inputFeedDocumentId": fatal_doc["feedDocumentId"]}
    )
    clock.advance(2)
    fatal_feed = client.get(FEED_PATH.format(feedId=fatal.json()["feedId"]))
    check(FEED_PATH, "get", fatal_feed, "Feed")
    assert fatal_feed.json()["processingStatus"] == "FATAL"

    listed = client.get(
        FEEDS_PATH, params={"feedTypes": "POST_ORDER_ACKNOWLEDGEMENT_DATA", "pageSize": 1}
    )
    check(FEEDS_PATH, "get", listed, "GetFeedsResponse")
    assert listed.json()["nextToken"]
    following = client.get(FEEDS_PATH, params={"nextToken": listed.json()["nextToken"]})
    check(FEEDS_PATH, "get", following, "GetFeedsResponse")

    errors = [
        (DOCUMENTS_PATH, "post", client.post(DOCUMENTS_PATH, json={})),
        (FEEDS_PATH, "post", client.post(FEEDS_PATH, json={**spec_body, "feedType": "NOPE"})),
        (FEED_PATH, "get", client.get(FEED_PATH.format(feedId="1"))),
        (DOCUMENT_PATH, "get", client.get(DOCUMENT_PATH.format(feedDocumentId="nope"))),
        (FEEDS_PATH, "get", client.get(FEEDS_PATH, params={})),
        (FEED_PATH, "get", client.get(path, headers={"x-amz-access-token": "Atza|bogus"})),
    ]
    throttled_answer = None
    for _ in range(20):  # getFeeds: burst 10 at speed 1 with a frozen clock
        answer = client.get(FEEDS_PATH, params={"feedTypes": "POST_ORDER_ACKNOWLEDGEMENT_DATA"})
        if answer.status_code == 429:
            throttled_answer = answer
            break
    assert throttled_answer is not None
    errors.append((FEEDS_PATH, "get", throttled_answer))
    assert sorted({r.status_code for _, _, r in errors}) == [400, 403, 404, 429]
    for error_path, method, response in errors:
        check(error_path, method, response, "ErrorList")
