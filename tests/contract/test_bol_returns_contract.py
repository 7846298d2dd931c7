"""Contract: the bol.com simulator's returns endpoints against bol's official v10 files.

Reads `$ORDERBRIDGE_MARKETPLACE_SPECS/bol-com/{retailer,shared}.json`, with every object
schema closed so an invented field fails (the validator of test_bol_contract.py). The
answers of the list, one return, both writes and their finished process statuses, and
the 400/404 Problems are validated; the requests sent are checked against
`ReturnRequest` and `CreateReturnRequest`, and the operations against their names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from orderbridge.sandbox.bol import (
    BolSimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)
from orderbridge.sandbox.bol.problems import MEDIA_TYPE
from orderbridge.sandbox.bol.return_records import CREATE_HANDLING_RESULTS, HANDLING_RESULTS
from tests.contract.test_bol_contract import FIXED_NOW, Specs, Validate, specs, validate

__all__ = ["specs", "validate"]  # the fixtures, imported so pytest finds them here

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def bol() -> Iterator[tuple[httpx.Client, SimulatorClock, BolSimulatorSettings]]:
    settings = BolSimulatorSettings(seed=21, speed_factor=0, initial_orders=200)
    clock = SimulatorClock(FIXED_NOW, frozen=True)
    with ExitStack() as stack:
        url = stack.enter_context(serve_in_background(create_app(settings, clock=clock)))
        client = stack.enter_context(httpx.Client(base_url=url, timeout=10))
        token = client.post(
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(settings.client_id, settings.client_secret),
        ).json()["access_token"]
        client.headers.update({"authorization": f"Bearer {token}", "accept": MEDIA_TYPE})
        yield client, clock, settings


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    return response.json()


def test_the_operations_and_vocabularies_are_the_contracts(specs: Specs) -> None:
    names = {
        ("/retailer/returns", "get"): "get-returns",
        ("/retailer/returns", "post"): "create-return",
        ("/retailer/returns/{return-id}", "get"): "get-return",
        ("/retailer/returns/{rma-id}", "put"): "handle-return",
    }
    for (path, method), name in names.items():
        assert specs.operation(path, method)["operationId"] == name
    handle = specs.schema("ReturnRequest")["properties"]["handlingResult"]["enum"]
    create = specs.schema("CreateReturnRequest")["properties"]["handlingResult"]["enum"]
    assert (tuple(handle), tuple(create)) == (HANDLING_RESULTS, CREATE_HANDLING_RESULTS)


def test_lists_and_returns_validate(
    bol: tuple[httpx.Client, SimulatorClock, BolSimulatorSettings], validate: Validate
) -> None:
    client, _, _ = bol
    seen = 0
    for params in ({}, {"handled": "false"}, {"handled": "true"}, {"fulfilment-method": "FBB"}):
        body = _ok(client.get("/retailer/returns", params={"page": 1, **params}))
        validate("ReturnsResponse", body)
        for reduced in body["returns"]:
            validate("Return", _ok(client.get(f"/retailer/returns/{reduced['returnId']}")))
            seen += 1
    assert seen >= 5
    missing = client.get("/retailer/returns/1")
    assert missing.status_code == 404
    validate("Problem", missing.json())
    bad = client.get("/retailer/returns", params={"fulfilment-method": "ALL"})
    assert bad.status_code == 400
    validate("Problem", bad.json())


def test_writes_their_requests_and_process_statuses_validate(
    bol: tuple[httpx.Client, SimulatorClock, BolSimulatorSettings],
    specs: Specs,
    validate: Validate,
) -> None:
    client, clock, settings = bol
    reduced = _ok(client.get("/retailer/returns", params={"handled": "false"}))["returns"][0]
    rma_id = reduced["returnItems"][0]["rmaId"]
    handle = {"handlingResult": "RETURN_RECEIVED", "quantityReturned": 1}
    validate("ReturnRequest", handle)
    headers = {"content-type": MEDIA_TYPE}
    accepted = [_ok(client.put(f"/retailer/returns/{rma_id}", json=handle, headers=headers), 202)]
    (order_id,) = client.post(
        "/_sandbox/orders", json={"order": {"orderItems": [{"quantity": 1}]}}
    ).json()["orderIds"]
    item_id = _ok(client.get(f"/retailer/orders/{order_id}"))["orderItems"][0]["orderItemId"]
    ship = {"orderItems": [{"orderItemId": item_id}], "transport": {"transporterCode": "TNT"}}
    _ok(client.post("/retailer/shipments", json=ship, headers=headers), 202)
    clock.advance(settings.processing_delay + 1)
    create = {"orderItemId": item_id, "quantityReturned": 1, "handlingResult": "REPAIR_PRODUCT"}
    validate("CreateReturnRequest", create)
    accepted.append(_ok(client.post("/retailer/returns", json=create, headers=headers), 202))
    clock.advance(settings.processing_delay + 1)
    for status in accepted:
        validate("ProcessStatus", status, shared=False)
        done = _ok(client.get(f"/shared/process-status/{status['processStatusId']}"))
        validate("ProcessStatus", done, shared=True)
        assert done["status"] == "SUCCESS", done
    after = _ok(client.get(f"/retailer/returns/{reduced['returnId']}"))
    validate("Return", after)
    assert after["returnItems"][0]["handled"] is True
    refused = client.put(
        f"/retailer/returns/{rma_id}",
        json={"handlingResult": "STILL", "quantityReturned": 0},
        headers=headers,
    )
    assert refused.status_code == 400
    validate("Problem", refused.json())
