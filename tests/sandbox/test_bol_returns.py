"""The bol.com simulator's returns over real HTTP: returns of shipped order items, the list
with its filters and pages, one return, handling an RMA and registering a return (both
asynchronous, finished through the process status), and the control API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.test_bol_simulator import V10, RunningBol, Start, bol, start_bol

__all__ = ["bol", "start_bol"]  # the fixtures, imported so pytest finds them here


def shipped_item(bol: RunningBol, quantity: int = 2) -> str:
    order = bol.new_order(quantity)
    item_id: str = order["orderItems"][0]["orderItemId"]
    body = {"orderItems": [{"orderItemId": item_id}], "transport": {"transporterCode": "TNT"}}
    assert bol.send("POST", "/retailer/shipments", body).status_code == 202
    finish(bol)
    return item_id


def finish(bol: RunningBol) -> None:
    bol.advance(bol.settings.processing_delay + 1)


def customer_returns(bol: RunningBol, item_id: str, quantity: int = 1) -> dict[str, Any]:
    body = {"orderItemId": item_id, "quantity": quantity, "mainReason": "Verkeerd besteld"}
    made: dict[str, Any] = bol.control("POST", "/_sandbox/returns", body)
    return made


def process(bol: RunningBol, accepted: Any) -> dict[str, Any]:
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "PENDING"
    finish(bol)
    done = bol.get(f"/shared/process-status/{accepted.json()['processStatusId']}")
    found: dict[str, Any] = done.json()
    return found


def test_a_customer_return_is_listed_and_shown_with_bols_fields(bol: RunningBol) -> None:
    item_id = shipped_item(bol)
    made = customer_returns(bol, item_id)
    listing = bol.get("/retailer/returns")
    assert listing.status_code == 200 and listing.headers["content-type"] == V10
    (reduced,) = listing.json()["returns"]
    assert reduced["returnId"] == made["returnId"] and reduced["fulfilmentMethod"] == "FBR"
    (item,) = reduced["returnItems"]
    assert item["rmaId"] == made["rmaId"] and item["expectedQuantity"] == 1
    assert item["handled"] is False and item["processingResults"] == []
    assert item["returnReason"]["mainReason"] == "Verkeerd besteld"
    assert "title" not in item
    one = bol.get(f"/retailer/returns/{made['returnId']}").json()
    assert one["returnItems"][0]["customerDetails"]["salutation"] in ("MALE", "FEMALE", "UNKNOWN")
    assert one["registrationDateTime"].endswith("+01:00")


def test_only_shipped_units_not_yet_returned_can_come_back(bol: RunningBol) -> None:
    open_item = bol.new_order(1)["orderItems"][0]["orderItemId"]
    answer = bol.client.post("/_sandbox/returns", json={"orderItemId": open_item})
    assert answer.status_code == 409
    item_id = shipped_item(bol, 2)
    customer_returns(bol, item_id, 2)
    again = bol.client.post("/_sandbox/returns", json={"orderItemId": item_id})
    assert again.status_code == 409


def test_filters_and_pages(start_bol: Start) -> None:
    bol = start_bol(speed_factor=0)
    items = [shipped_item(bol, 1) for _ in range(52)]
    made = []
    for item_id in items:
        made.append(customer_returns(bol, item_id)["returnId"])
        bol.advance(1)
    first = bol.get("/retailer/returns", page=1).json()["returns"]
    second = bol.get("/retailer/returns", page=2).json()["returns"]
    assert len(first) == 50 and len(second) == 2
    assert [r["returnId"] for r in first + second] == list(reversed(made))
    assert bol.get("/retailer/returns", page=3).json()["returns"] == []
    rma = first[0]["returnItems"][0]["rmaId"]
    body = {"handlingResult": "RETURN_RECEIVED", "quantityReturned": 1}
    process(bol, bol.send("PUT", f"/retailer/returns/{rma}", body))
    handled = bol.get("/retailer/returns", handled="true").json()["returns"]
    assert [r["returnItems"][0]["rmaId"] for r in handled] == [rma]
    assert len(bol.get("/retailer/returns", handled="false").json()["returns"]) == 50
    assert bol.get("/retailer/returns", **{"fulfilment-method": "FBB"}).json()["returns"] == []


def test_handling_a_return_finishes_through_its_process_status(bol: RunningBol) -> None:
    made = customer_returns(bol, shipped_item(bol))
    body = {"handlingResult": "RETURN_RECEIVED", "quantityReturned": 1}
    accepted = bol.send("PUT", f"/retailer/returns/{made['rmaId']}", body)
    assert accepted.json()["eventType"] == "HANDLE_RETURN_ITEM"
    assert accepted.json()["entityId"] == made["rmaId"]
    assert process(bol, accepted)["status"] == "SUCCESS"
    item = bol.get(f"/retailer/returns/{made['returnId']}").json()["returnItems"][0]
    assert item["handled"] is True
    (result,) = item["processingResults"]
    assert result["handlingResult"] == "RETURN_RECEIVED"
    assert result["processingResult"] == "ACCEPTED" and result["quantity"] == 1
    again = process(bol, bol.send("PUT", f"/retailer/returns/{made['rmaId']}", body))
    assert again["status"] == "FAILURE" and "already been handled" in again["errorMessage"]


@pytest.mark.parametrize(
    ("rma", "body", "error"),
    [
        ("unknown", {"handlingResult": "RETURN_RECEIVED", "quantityReturned": 5}, "expected"),
        ("missing", {"handlingResult": "RETURN_RECEIVED", "quantityReturned": 1}, "not be found"),
    ],
    ids=["more-than-expected", "unknown-rma"],
)
def test_a_handling_bol_cannot_apply_fails(
    bol: RunningBol, rma: str, body: dict[str, Any], error: str
) -> None:
    made = customer_returns(bol, shipped_item(bol))
    rma_id = made["rmaId"] if rma == "unknown" else "999"
    done = process(bol, bol.send("PUT", f"/retailer/returns/{rma_id}", body))
    assert done["status"] == "FAILURE" and error in done["errorMessage"]


@pytest.mark.parametrize(
    ("method", "path", "body", "violation"),
    [
        (
            "PUT",
            "/retailer/returns/1",
            {"handlingResult": "LOST", "quantityReturned": 1},
            "handlingResult",
        ),
        (
            "PUT",
            "/retailer/returns/1",
            {"handlingResult": "RETURN_RECEIVED", "quantityReturned": 0},
            "quantityReturned",
        ),
        (
            "PUT",
            "/retailer/returns/abc",
            {"handlingResult": "RETURN_RECEIVED", "quantityReturned": 1},
            "rma-id",
        ),
        (
            "POST",
            "/retailer/returns",
            {"orderItemId": "1", "handlingResult": "STILL_APPROVED", "quantityReturned": 1},
            "handlingResult",
        ),
        (
            "POST",
            "/retailer/returns",
            {"handlingResult": "RETURN_RECEIVED", "quantityReturned": 1},
            "orderItemId",
        ),
    ],
    ids=["unknown-result", "zero", "rma-not-a-number", "still-approved-on-create", "no-item"],
)
def test_a_malformed_write_is_a_400_problem(
    bol: RunningBol, method: str, path: str, body: dict[str, Any], violation: str
) -> None:
    answer = bol.send(method, path, body)
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["type"] == "https://api.bol.com/problems"
    assert [v["name"] for v in problem["violations"]] == [violation]


def test_a_write_in_plain_json_is_refused(bol: RunningBol) -> None:
    answer = bol.client.put(
        "/retailer/returns/1",
        json={"handlingResult": "RETURN_RECEIVED", "quantityReturned": 1},
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 415


def test_the_retailer_registers_a_return_of_a_shipped_item(bol: RunningBol) -> None:
    item_id = shipped_item(bol, 2)
    body = {"orderItemId": item_id, "quantityReturned": 2, "handlingResult": "RETURN_RECEIVED"}
    accepted = bol.send("POST", "/retailer/returns", body)
    assert accepted.json()["eventType"] == "CREATE_RETURN_ITEM"
    assert process(bol, accepted)["status"] == "SUCCESS"
    (found,) = bol.get("/retailer/returns", handled="true").json()["returns"]
    item = found["returnItems"][0]
    assert item["expectedQuantity"] == 2 and item["handled"] is True
    too_many = process(bol, bol.send("POST", "/retailer/returns", {**body, "quantityReturned": 1}))
    assert too_many["status"] == "FAILURE" and "exceeds" in too_many["errorMessage"]


def test_a_return_of_an_unshipped_or_unknown_item_fails(bol: RunningBol) -> None:
    open_item = bol.new_order(1)["orderItems"][0]["orderItemId"]
    for item_id in (open_item, "0000"):
        body = {"orderItemId": item_id, "quantityReturned": 1, "handlingResult": "RETURN_RECEIVED"}
        assert process(bol, bol.send("POST", "/retailer/returns", body))["status"] == "FAILURE"
    assert bol.get("/retailer/returns").json()["returns"] == []


def test_an_unknown_return_is_a_404_problem(bol: RunningBol) -> None:
    answer = bol.get("/retailer/returns/424242")
    assert answer.status_code == 404 and answer.json()["status"] == 404


def test_control_handles_a_return_outside_the_api(bol: RunningBol) -> None:
    made = customer_returns(bol, shipped_item(bol))
    path = f"/_sandbox/returns/{made['rmaId']}/status"
    shown = bol.control("POST", path, {"handlingResult": "RETURN_DOES_NOT_MEET_CONDITIONS"})
    assert shown["returnItems"][0]["processingResults"][0]["processingResult"] == "REJECTED"
    assert bol.client.post(path, json={"handlingResult": "RETURN_RECEIVED"}).status_code == 409


def test_a_seeded_share_of_shipped_orders_has_returns(start_bol: Start) -> None:
    bol = start_bol(initial_orders=200)
    held = bol.control("GET", "/_sandbox/returns")["returns"]
    assert 5 < len(held) < 100
    for found in held:
        for item in found["returnItems"]:
            order = bol.simulator.store.get(item["orderId"])
            assert order is not None
            shipped = sum(i.quantity_shipped for i in order.items if i.ean == item["ean"])
            assert 1 <= item["expectedQuantity"] <= shipped
    assert bol.control("GET", "/_sandbox/returns") == start_bol(initial_orders=200).control(
        "GET", "/_sandbox/returns"
    )
