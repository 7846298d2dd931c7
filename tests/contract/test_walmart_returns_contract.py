"""Contract: the Walmart simulator's Returns API against Walmart's official returns file.

Reads `$ORDERBRIDGE_MARKETPLACE_SPECS/walmart/walmart-marketplace-returns-openapi-
original.yml`. Every object schema that lists properties is closed first, so a misspelt
or invented field fails. One deviation is deliberate and shown here: the schema marks
`meta.nextCursor` required, yet a last page has no next page to point at; the simulator
leaves it out there (a client stops when it is absent), and the last page is checked
with only that requirement lifted.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from orderbridge.sandbox.walmart import (
    SimulatorClock,
    WalmartSimulatorSettings,
    create_app,
    serve_in_background,
)
from orderbridge.sandbox.walmart.return_records import RETURN_REASONS, RETURN_STATUSES
from tests.contract.test_walmart_contract import SPEC_ENV, SPECS_UNSET, problems, validator

pytestmark = pytest.mark.contract

RETURNS_FILE = Path("walmart") / "walmart-marketplace-returns-openapi-original.yml"
FIXED_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
JSON = "application/json"
SEARCH = "/v3/returns"
REFUND = "/v3/returns/{returnOrderId}/refund"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    root = os.environ.get(SPEC_ENV)
    if not root:
        pytest.skip(reason=SPECS_UNSET)
    path = Path(root) / RETURNS_FILE
    if not path.is_file():
        pytest.fail(f"{SPEC_ENV}={root} but the official file {path} is missing")
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def walmart() -> Iterator[httpx.Client]:
    settings = WalmartSimulatorSettings(seed=21, speed_factor=0, initial_orders=150)
    app = create_app(settings, clock=SimulatorClock(FIXED_NOW, frozen=True))
    with ExitStack() as stack:
        client = stack.enter_context(
            httpx.Client(base_url=stack.enter_context(serve_in_background(app)), timeout=30)
        )
        headers = {"WM_SVC.NAME": "Walmart Marketplace", "WM_QOS.CORRELATION_ID": "c-1"}
        answer = client.post(
            "/v3/token",
            data={"grant_type": "client_credentials"},
            headers=headers,
            auth=(settings.client_id, settings.client_secret),
        )
        client.headers.update({**headers, "WM_SEC.ACCESS_TOKEN": answer.json()["access_token"]})
        yield client


def content(spec: dict[str, Any], method: str, path: str, part: str) -> dict[str, Any]:
    operation = spec["paths"][path][method]
    holder = operation["requestBody"] if part == "request" else operation["responses"]["200"]
    found: dict[str, Any] = holder["content"][JSON]
    return found


def test_the_models_own_examples_pass_and_an_invented_field_fails(spec: dict[str, Any]) -> None:
    listing = content(spec, "get", SEARCH, "answer")
    check = validator(spec, listing["schema"])
    # The example's own slip: its refundChannels quantities lack the required unitOfMeasure
    # (the simulator sends it).
    assert {problem.split(":")[0] for problem in problems(check, listing["example"])} == {
        f"['returnOrders', 0, 'returnOrderLines', 0, 'refundChannels', {index}, 'quantity']"
        for index in (0, 1)
    }
    invented = copy.deepcopy(listing["example"])
    invented["returnOrders"][0]["returnOrderLines"][0]["inventedField"] = 1
    assert problems(check, invented)
    for part in ("request", "answer"):
        refund = content(spec, "post", REFUND, part)
        assert problems(validator(spec, refund["schema"]), refund["example"]) == []


def test_the_statuses_and_reasons_are_the_documented_ones(spec: dict[str, Any]) -> None:
    parameters = {p["name"]: p for p in spec["paths"][SEARCH]["get"]["parameters"]}
    status_text = parameters["status"]["description"]
    assert all(status in status_text for status in RETURN_STATUSES)
    line = content(spec, "get", SEARCH, "answer")["schema"]["properties"]["returnOrders"]
    reason_text = line["items"]["properties"]["returnOrderLines"]["items"]["properties"][
        "returnReason"
    ]["description"]
    assert all(reason in reason_text for reason in RETURN_REASONS)


def test_search_pages_match_the_model(spec: dict[str, Any], walmart: httpx.Client) -> None:
    schema = content(spec, "get", SEARCH, "answer")["schema"]
    check = validator(spec, schema)
    last_page = copy.deepcopy(schema)
    last_page["properties"]["meta"]["required"].remove("nextCursor")
    check_last = validator(spec, last_page)
    answer = walmart.get(SEARCH, params={"limit": "3"})
    pages = 0
    while True:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["returnOrders"]
        pages += 1
        cursor = body["meta"].get("nextCursor")
        if not cursor:
            assert problems(check_last, body) == []
            break
        assert problems(check, body) == []
        answer = walmart.get(SEARCH + cursor)
    assert pages >= 2


def test_every_declared_search_parameter_is_accepted(
    spec: dict[str, Any], walmart: httpx.Client
) -> None:
    samples = {
        "returnOrderId": "100000000000000000",
        "customerOrderId": "1234567891234",
        "status": "INITIATED",
        "replacementInfo": "false",
        "returnType": "REFUND",
        "returnCreationStartDate": "2026-02-01",
        "returnCreationEndDate": "2026-03-02T10:30:15Z",
        "returnLastModifiedStartDate": "2026-02-01T10:42:41.000+0000",
        "returnLastModifiedEndDate": "2026-03-02",
        "limit": "200",
    }
    declared = [p["name"] for p in spec["paths"][SEARCH]["get"]["parameters"] if p["in"] == "query"]
    assert set(declared) == set(samples)
    for name in declared:
        answer = walmart.get(SEARCH, params={name: samples[name]})
        assert answer.status_code == 200, f"{name}: {answer.text}"


def test_a_refund_request_and_its_answer_match_the_model(
    spec: dict[str, Any], walmart: httpx.Client
) -> None:
    found = walmart.get(SEARCH, params={"status": "INITIATED", "limit": "1"}).json()
    (return_order,) = found["returnOrders"]
    line = return_order["returnOrderLines"][0]
    body = {
        "customerOrderId": return_order["customerOrderId"],
        "refundLines": [
            {
                "returnOrderLineNumber": line["returnOrderLineNumber"],
                "quantity": {"unitOfMeasure": "EA", "measurementValue": 1},
            }
        ],
    }
    assert problems(validator(spec, content(spec, "post", REFUND, "request")["schema"]), body) == []
    answer = walmart.post(f"/v3/returns/{return_order['returnOrderId']}/refund", json=body)
    assert answer.status_code == 200, answer.text
    check = validator(spec, content(spec, "post", REFUND, "answer")["schema"])
    assert problems(check, answer.json()) == []
    after = walmart.get(SEARCH, params={"returnOrderId": return_order["returnOrderId"]}).json()
    check_last = copy.deepcopy(content(spec, "get", SEARCH, "answer")["schema"])
    check_last["properties"]["meta"]["required"].remove("nextCursor")
    assert problems(validator(spec, check_last), after) == []
    assert after["returnOrders"][0]["returnOrderLines"][0]["refundedQty"] == 1
