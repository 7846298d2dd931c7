"""The Walmart simulator's Returns API over real HTTP: returns of shipped lines, the search
with its filters and cursor, the refund of return lines with Walmart's rules, and the
control API that makes returns happen."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest

from tests.sandbox.test_walmart_simulator import (
    DAY_MS,
    KETTLE,
    Walmart,
    error_codes,
    start,
    walmart,
)

__all__ = ["walmart"]  # the fixture, imported so pytest finds it here

INVALID = "INVALID_REQUEST_CONTENT.GMP_RETURNS_API"
TWO_LINES = {
    "lines": [
        {"quantity": 2, "unitPrice": "10.00", "tax": "1.60"},
        {"quantity": 1, "unitPrice": "4.00", "tax": "0.32"},
    ]
}


def make_return(
    walmart: Walmart, purchase_order_id: str, *lines: tuple[str, int], **extra: Any
) -> dict[str, Any]:
    body = {
        "purchaseOrderId": purchase_order_id,
        "lines": [{"lineNumber": number, "quantity": quantity} for number, quantity in lines],
        **extra,
    }
    made: dict[str, Any] = walmart.control("POST", "returns", body)["returnOrder"]
    return made


def later(walmart: Walmart, seconds: float) -> None:
    """Move the clock on, with a fresh token: Walmart's tokens live fifteen minutes."""
    walmart.clock.advance(seconds)
    walmart.token = walmart.request_token().json()["access_token"]


def returns(walmart: Walmart, **params: Any) -> dict[str, Any]:
    response = walmart.get("/v3/returns", **params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def ids(listing: dict[str, Any]) -> list[str]:
    return [found["returnOrderId"] for found in listing["returnOrders"]]


def refund(walmart: Walmart, found: dict[str, Any], *lines: dict[str, Any]) -> Any:
    body = {"customerOrderId": found["customerOrderId"], "refundLines": list(lines)}
    return walmart.post(f"/v3/returns/{found['returnOrderId']}/refund", body)


# -- returns belong to shipped lines ---------------------------------------------------------


def test_a_return_of_shipped_units_is_listed_with_walmarts_fields(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({**KETTLE, "status": "Shipped"})
    made = make_return(walmart, purchase_order_id, ("1", 1), reason="DEFECTIVE")
    listing = returns(walmart)
    assert listing["meta"] == {"totalCount": 1, "limit": 10}
    (found,) = listing["returnOrders"]
    assert found == made
    (line,) = found["returnOrderLines"]
    assert line["purchaseOrderId"] == purchase_order_id
    assert line["purchaseOrderLineNumber"] == 1
    assert line["returnReason"] == "DEFECTIVE"
    assert line["status"] == "INITIATED" and line["refundedQty"] == 0
    assert line["quantity"] == {"unitOfMeasure": "EACH", "measurementValue": 1}
    assert line["unitPrice"] == {"currencyAmount": 10, "currencyUnit": "USD"}
    assert found["totalRefundAmount"] == {"currencyAmount": 10.8, "currencyUnit": "USD"}
    assert found["returnOrderDate"].endswith("Z")


@pytest.mark.parametrize(
    ("status", "lines"),
    [("Acknowledged", [("1", 1)]), ("Shipped", [("1", 3)]), ("Shipped", [("9", 1)])],
    ids=["not-shipped", "more-than-shipped", "no-such-line"],
)
def test_a_return_needs_shipped_units_left(
    walmart: Walmart, status: str, lines: list[tuple[str, int]]
) -> None:
    purchase_order_id = walmart.place({**KETTLE, "status": status})
    body = {
        "purchaseOrderId": purchase_order_id,
        "lines": [{"lineNumber": n, "quantity": q} for n, q in lines],
    }
    answer = walmart.client.post("/_sandbox/returns", json=body)
    assert answer.status_code == 400
    assert walmart.control("GET", "returns")["returnOrders"] == []


def test_units_already_returned_cannot_be_returned_again(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({**KETTLE, "status": "Shipped"})
    make_return(walmart, purchase_order_id, ("1", 2))
    again = {"purchaseOrderId": purchase_order_id, "lines": [{"lineNumber": "1", "quantity": 1}]}
    assert walmart.client.post("/_sandbox/returns", json=again).status_code == 400


def test_a_seeded_share_of_shipped_orders_has_returns_of_shipped_units() -> None:
    with ExitStack() as stack:
        walmart = start(stack, initial_orders=200)
        held = walmart.control("GET", "returns")["returnOrders"]
        shipped = [
            order
            for order in walmart.simulator.store
            if any(line.shipped_units for line in order.lines)
        ]
        assert 0.05 * len(shipped) < len(held) < 0.5 * len(shipped)
        for found in held:
            for line in found["returnOrderLines"]:
                order = walmart.simulator.store.get(line["purchaseOrderId"])
                assert order is not None
                shipped_line = order.line(str(line["purchaseOrderLineNumber"]))
                assert shipped_line is not None
                assert line["quantity"]["measurementValue"] <= shipped_line.shipped_units
        assert {line["status"] for f in held for line in f["returnOrderLines"]} == {
            "INITIATED",
            "DELIVERED",
        }
        again = start(stack, initial_orders=200)
        assert again.control("GET", "returns")["returnOrders"] == held


# -- the search --------------------------------------------------------------------------------


def test_filters_pick_the_returns_asked_for(walmart: Walmart) -> None:
    first = walmart.place({**KETTLE, "status": "Shipped"})
    older = make_return(walmart, first, ("1", 1))
    later(walmart, DAY_MS / 1000)
    second = walmart.place({**KETTLE, "status": "Delivered"})
    newer = make_return(walmart, second, ("1", 2), status="DELIVERED", returnType="REPLACEMENT")
    assert ids(returns(walmart)) == [newer["returnOrderId"], older["returnOrderId"]]
    assert ids(returns(walmart, status="DELIVERED")) == [newer["returnOrderId"]]
    assert ids(returns(walmart, status="INITIATED")) == [older["returnOrderId"]]
    assert ids(returns(walmart, returnType="REFUND")) == [older["returnOrderId"]]
    assert ids(returns(walmart, customerOrderId=older["customerOrderId"])) == [
        older["returnOrderId"]
    ]
    assert ids(returns(walmart, returnOrderId=newer["returnOrderId"])) == [newer["returnOrderId"]]
    day = newer["returnOrderDate"][:10]
    assert ids(returns(walmart, returnCreationStartDate=day)) == [newer["returnOrderId"]]
    assert ids(returns(walmart, returnCreationEndDate=older["returnOrderDate"])) == [
        older["returnOrderId"]
    ]
    later(walmart, 3600)
    walmart.control("POST", f"returns/{older['returnOrderId']}/status", {"status": "DELIVERED"})
    modified = returns(walmart, returnLastModifiedStartDate=day + "T12:30:00Z")
    assert ids(modified) == [older["returnOrderId"]]
    assert ids(returns(walmart, returnLastModifiedEndDate=newer["returnOrderDate"])) == [
        newer["returnOrderId"]
    ]


def test_paging_follows_the_cursor_and_is_not_shifted_by_new_returns(walmart: Walmart) -> None:
    made = []
    for _ in range(5):
        made.append(make_return(walmart, walmart.place({**KETTLE, "status": "Shipped"}), ("1", 1)))
        walmart.clock.advance(60)
    first = returns(walmart, limit=2)
    assert first["meta"]["totalCount"] == 5 and first["meta"]["limit"] == 2
    cursor = first["meta"]["nextCursor"]
    assert cursor.startswith("?") and "offset=2" in cursor
    walmart.clock.advance(60)
    make_return(walmart, walmart.place({**KETTLE, "status": "Shipped"}), ("1", 1))
    seen = ids(first)
    for _ in range(5):
        response = walmart.client.get("/v3/returns" + cursor, headers=walmart.headers())
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(ids(page))
        cursor = page["meta"].get("nextCursor")
        if cursor is None:
            break
    assert seen == [found["returnOrderId"] for found in reversed(made)]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "201"},
        {"limit": "0"},
        {"status": "Shipped"},
        {"returnType": "EXCHANGE"},
        {"returnCreationStartDate": "yesterday"},
        {"createdStartDate": "2026-01-01"},
        {"offset": "10", "sellerId": "someone-else"},
    ],
    ids=["limit-too-big", "limit-zero", "order-status", "type", "date", "orders-filter", "cursor"],
)
def test_a_search_walmart_refuses(walmart: Walmart, params: dict[str, str]) -> None:
    answer = walmart.get("/v3/returns", **params)
    assert answer.status_code == 400
    assert error_codes(answer) == [INVALID]


def test_the_returns_search_needs_a_token(walmart: Walmart) -> None:
    answer = walmart.client.get(
        "/v3/returns", headers=walmart.headers(**{"WM_SEC.ACCESS_TOKEN": "x"})
    )
    assert answer.status_code == 401


# -- refunds -----------------------------------------------------------------------------------


def test_a_refund_completes_the_line_and_shows_on_the_order_line(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({**KETTLE, "status": "Shipped"})
    found = make_return(walmart, purchase_order_id, ("1", 2))
    walmart.clock.advance(60)
    answer = refund(walmart, found, {"returnOrderLineNumber": 1})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "returnOrderId": found["returnOrderId"],
        "customerOrderId": found["customerOrderId"],
        "refundLines": [
            {"returnOrderLineNumber": 1, "quantity": {"unitOfMeasure": "EA", "measurementValue": 2}}
        ],
    }
    (line,) = returns(walmart)["returnOrderLines" if False else "returnOrders"][0][
        "returnOrderLines"
    ]
    assert line["status"] == "COMPLETED" and line["refundedQty"] == 2
    assert line["refundChannel"] == "SELLER_MANUAL_REFUND"
    assert line["currentRefundStatus"] == "REFUND_COMPLETED"
    order = walmart.get(f"/v3/orders/{purchase_order_id}").json()["order"]
    charge = order["orderLines"]["orderLine"][0]["refund"]["refundCharges"]["refundCharge"][0]
    assert charge["refundReason"] == "Customer returned item"
    assert charge["charge"]["chargeAmount"] == {"currency": "USD", "amount": -20}
    assert charge["charge"]["tax"]["taxAmount"] == {"currency": "USD", "amount": -1.6}


def test_a_line_is_refunded_once(walmart: Walmart) -> None:
    found = make_return(walmart, walmart.place({**KETTLE, "status": "Shipped"}), ("1", 2))
    assert refund(walmart, found, {"returnOrderLineNumber": 1}).status_code == 200
    again = refund(walmart, found, {"returnOrderLineNumber": 1})
    assert again.status_code == 400 and error_codes(again) == [INVALID]
    assert "already refunded" in again.json()["errors"]["error"][0]["description"]
    order = walmart.view(found["returnOrderLines"][0]["purchaseOrderId"])
    assert len(order["refunds"]) == 1


def test_a_partial_quantity_and_the_only_line_chosen_without_its_number(walmart: Walmart) -> None:
    found = make_return(walmart, walmart.place({**KETTLE, "status": "Shipped"}), ("1", 2))
    quantity = {"unitOfMeasure": "EACH", "measurementValue": 1}
    answer = refund(walmart, found, {"quantity": quantity})
    assert answer.status_code == 200, answer.text
    assert returns(walmart)["returnOrders"][0]["returnOrderLines"][0]["refundedQty"] == 1


@pytest.mark.parametrize(
    ("refund_lines", "field"),
    [
        ([{"quantity": {"unitOfMeasure": "EACH", "measurementValue": 1}}], "returnOrderLineNumber"),
        ([{"returnOrderLineNumber": 7}], "returnOrderLineNumber"),
        ([{"returnOrderLineNumber": 1}, {"returnOrderLineNumber": 1}], "returnOrderLineNumber"),
        (
            [
                {
                    "returnOrderLineNumber": 1,
                    "quantity": {"unitOfMeasure": "EACH", "measurementValue": 3},
                }
            ],
            "quantity",
        ),
        ([], "refundLines"),
    ],
    ids=["number-needed-with-two-lines", "no-such-line", "twice", "more-than-returned", "empty"],
)
def test_a_refund_walmart_refuses_changes_nothing(
    walmart: Walmart, refund_lines: list[dict[str, Any]], field: str
) -> None:
    purchase_order_id = walmart.place({**TWO_LINES, "status": "Shipped"})
    found = make_return(walmart, purchase_order_id, ("1", 2), ("2", 1))
    answer = refund(walmart, found, *refund_lines)
    assert answer.status_code == 400
    assert answer.json()["errors"]["error"][0]["field"] == field
    assert walmart.view(purchase_order_id)["refunds"] == []
    lines = returns(walmart)["returnOrders"][0]["returnOrderLines"]
    assert [line["refundedQty"] for line in lines] == [0, 0]


def test_a_refund_for_another_customer_order_or_unknown_return_is_refused(walmart: Walmart) -> None:
    found = make_return(walmart, walmart.place({**KETTLE, "status": "Shipped"}), ("1", 1))
    wrong = walmart.post(
        f"/v3/returns/{found['returnOrderId']}/refund",
        {"customerOrderId": "1", "refundLines": [{"returnOrderLineNumber": 1}]},
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"]["error"][0]["field"] == "customerOrderId"
    unknown = walmart.post("/v3/returns/999/refund", {"customerOrderId": "1", "refundLines": []})
    assert unknown.status_code == 404
    assert error_codes(unknown) == ["CONTENT_NOT_FOUND.GMP_RETURNS_API"]


def test_a_line_already_refunded_on_the_order_cannot_be_refunded_again(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({**KETTLE, "status": "Shipped"})
    found = make_return(walmart, purchase_order_id, ("1", 2))
    full = {
        "orderRefund": {
            "purchaseOrderId": purchase_order_id,
            "orderLines": {
                "orderLine": [
                    {
                        "lineNumber": "1",
                        "refunds": {
                            "refund": [
                                {
                                    "refundCharges": {
                                        "refundCharge": [
                                            {
                                                "refundReason": "DamagedItem",
                                                "charge": {
                                                    "chargeType": "PRODUCT",
                                                    "chargeName": "Item Price",
                                                    "chargeAmount": {
                                                        "currency": "USD",
                                                        "amount": -15,
                                                    },
                                                },
                                            }
                                        ]
                                    }
                                }
                            ]
                        },
                    }
                ]
            },
        }
    }
    assert walmart.post(f"/v3/orders/{purchase_order_id}/refund", full).status_code == 200
    answer = refund(walmart, found, {"returnOrderLineNumber": 1})
    assert answer.status_code == 400
    assert "more than was charged" in answer.json()["errors"]["error"][0]["description"]


def test_walmart_settling_a_return_refunds_it_and_the_seller_cannot(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({**KETTLE, "status": "Shipped"})
    found = make_return(walmart, purchase_order_id, ("1", 1))
    path = f"returns/{found['returnOrderId']}/status"
    walmart.control("POST", path, {"status": "DELIVERED"})
    settled = walmart.control("POST", path, {"status": "COMPLETED"})
    (line,) = settled["returnOrderLines"]
    assert line["refundChannel"] == "WALMART_SETTLED_REFUND" and line["refundedQty"] == 1
    assert [e["eventTag"] for e in line["returnTrackingDetail"]] == [
        "RETURN_INITIATED",
        "RETURN_DELIVERED",
        "RETURN_COMPLETED",
    ]
    assert len(walmart.view(purchase_order_id)["refunds"]) == 1
    assert refund(walmart, found, {"returnOrderLineNumber": 1}).status_code == 400
    backwards = walmart.client.post(f"/_sandbox/{path}", json={"status": "DELIVERED"})
    assert backwards.status_code == 409


def test_the_refund_is_metered_and_counted(walmart: Walmart) -> None:
    found = make_return(walmart, walmart.place({**KETTLE, "status": "Shipped"}), ("1", 1))
    refund(walmart, found, {"returnOrderLineNumber": 1})
    stats = walmart.control("GET", "stats")["calls"]
    assert stats["issueRefund"] == {"200": 1}
