"""eBay Post-Order returns in the simulator over real HTTP: search, get, decide, refund."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderbridge.sandbox.ebay import EbaySimulatorSettings, SimulatorClock, create_app
from tests.support.servers import serving

NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
RETURNS = "/post-order/v2/return"


class Ebay:
    def __init__(self, client: httpx.Client, clock: SimulatorClock, settings: Any) -> None:
        self.client = client
        self.clock = clock
        self.settings = settings
        form = {"grant_type": "refresh_token", "refresh_token": settings.refresh_token}
        token = client.post(
            "/identity/v1/oauth2/token",
            data=form,
            auth=(settings.client_id, settings.client_secret),
        )
        assert token.status_code == 200, token.text
        self.headers = {
            "authorization": f"IAF {token.json()['access_token']}",
            "x-ebay-c-marketplace-id": "EBAY_US",
        }

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, f"{RETURNS}{path}", headers=self.headers, **kwargs)

    def shipped_orders(self, count: int) -> list[str]:
        made = self.client.post("/_sandbox/orders", json={"count": count, "status": "FULFILLED"})
        assert made.status_code == 201, made.text
        ids: list[str] = made.json()["orderIds"]
        return ids

    def new_return(self, order_id: str, **extra: Any) -> str:
        made = self.client.post("/_sandbox/returns", json={"orderId": order_id, **extra})
        assert made.status_code == 201, made.text
        return_id: str = made.json()["returnId"]
        return return_id


@pytest.fixture
def start() -> Iterator[Any]:
    with ExitStack() as stack:

        def run(**overrides: Any) -> Ebay:
            values: dict[str, Any] = {"seed": 5, "speed_factor": 0, "initial_orders": 0}
            values.update(overrides)
            settings = EbaySimulatorSettings(**values)
            clock = SimulatorClock(NOW, frozen=True)
            url = stack.enter_context(serving(create_app(settings, clock=clock)))
            client = stack.enter_context(httpx.Client(base_url=url, timeout=10))
            return Ebay(client, clock, settings)

        yield run


def test_seeded_returns_cover_only_shipped_units(start: Any) -> None:
    ebay = start(initial_orders=80)
    listed = ebay.client.get("/_sandbox/returns").json()["returns"]
    assert listed, "a share of shipped orders should have a return"
    for entry in listed:
        summary = entry["summary"]
        order = ebay.client.get(f"/_sandbox/orders/{summary['orderId']}").json()
        shipped = sum(
            line["quantity"]
            for fulfillment in order["fulfillments"]
            for line in fulfillment["lineItems"]
            if line["lineItemId"] == summary["creationInfo"]["item"]["transactionId"]
        )
        assert 1 <= summary["creationInfo"]["item"]["returnQuantity"] <= shipped


def test_reset_reseeds_the_same_returns(start: Any) -> None:
    ebay = start(initial_orders=30)
    first = ebay.client.get("/_sandbox/returns").json()["returns"]
    assert ebay.client.post("/_sandbox/reset", json={}).status_code == 200
    again = ebay.client.get("/_sandbox/returns").json()["returns"]
    assert [r["summary"] for r in again] == [r["summary"] for r in first]


def test_search_filters_by_date_and_state_and_pages(start: Any) -> None:
    ebay = start()
    orders = ebay.shipped_orders(5)
    made = []
    for order_id in orders:
        made.append(ebay.new_return(order_id))
        ebay.clock.advance(600)
    first_page = ebay.api("GET", "/search", params={"limit": 2})
    assert first_page.status_code == 200, first_page.text
    body = first_page.json()
    assert body["paginationOutput"] == {"limit": 2, "offset": 0, "totalEntries": 5, "totalPages": 3}
    assert [m["returnId"] for m in body["members"]] == made[::-1][:2]
    last_page = ebay.api("GET", "/search", params={"limit": 2, "offset": 4}).json()
    assert [m["returnId"] for m in last_page["members"]] == [made[0]]
    window = ebay.api(
        "GET",
        "/search",
        params={
            "creation_date_range_from": "2026-03-02T12:10:00.000Z",
            "creation_date_range_to": "2026-03-02T12:20:00.000Z",
        },
    ).json()
    assert sorted(m["returnId"] for m in window["members"]) == sorted(made[1:3])
    assert ebay.api("POST", f"/{made[0]}/decide", json={"decision": "DECLINE"}).status_code == 200
    closed = ebay.api("GET", "/search", params={"return_state": "CLOSED"}).json()
    assert [m["returnId"] for m in closed["members"]] == [made[0]]
    still_open = ebay.api("GET", "/search", params={"return_state": "ALL_OPEN"}).json()
    assert still_open["paginationOutput"]["totalEntries"] == 4
    bad = ebay.api("GET", "/search", params={"return_state": "SOMETHING"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["domain"] == "API_POSTORDER"


def test_get_return_shows_the_documented_summary_and_detail(start: Any) -> None:
    ebay = start()
    order_id = ebay.shipped_orders(1)[0]
    return_id = ebay.new_return(order_id, reason="DEFECTIVE_ITEM", comments="Screen cracked")
    summary = ebay.api("GET", f"/{return_id}", params={"fieldgroups": "SUMMARY"}).json()["summary"]
    assert summary["returnId"] == return_id
    assert summary["orderId"] == order_id
    assert (summary["state"], summary["status"]) == ("RETURN_REQUESTED", "RETURN_REQUESTED")
    creation = summary["creationInfo"]
    assert creation["reason"] == "DEFECTIVE_ITEM"
    assert creation["comments"] == {"content": "Screen cracked"}
    assert creation["creationDate"]["value"] == "2026-03-02T12:00:00.000Z"
    assert creation["item"]["returnQuantity"] == 1
    assert "actualRefundAmount" not in summary["sellerTotalRefund"]
    detail = ebay.api("GET", f"/{return_id}").json()["detail"]
    assert detail["itemDetail"]["transactionId"] == creation["item"]["transactionId"]
    missing = ebay.api("GET", "/5999999999")
    assert missing.status_code == 404
    assert set(missing.json()["errors"][0]) >= {"errorId", "domain", "category", "message"}


def test_returns_cannot_exceed_shipped_units(start: Any) -> None:
    ebay = start()
    order_id = ebay.shipped_orders(1)[0]
    order = ebay.client.get(f"/_sandbox/orders/{order_id}").json()["order"]
    line = order["lineItems"][0]
    too_many = ebay.client.post(
        "/_sandbox/returns",
        json={
            "orderId": order_id,
            "lineItemId": line["lineItemId"],
            "quantity": line["quantity"] + 1,
        },
    )
    assert too_many.status_code == 409
    unshipped = ebay.client.post("/_sandbox/orders", json={"count": 1}).json()["orderIds"][0]
    refused = ebay.client.post("/_sandbox/returns", json={"orderId": unshipped})
    assert refused.status_code == 409


def test_decide_approves_once_and_the_buyer_ships_back(start: Any) -> None:
    ebay = start()
    return_id = ebay.new_return(ebay.shipped_orders(1)[0])
    wrong = ebay.api("POST", f"/{return_id}/decide", json={"decision": "ACCEPT_PARTIAL_REFUND"})
    assert wrong.status_code == 400
    approved = ebay.api("POST", f"/{return_id}/decide", json={"decision": "APPROVE"})
    assert approved.status_code == 200, approved.text
    again = ebay.api("POST", f"/{return_id}/decide", json={"decision": "DECLINE"})
    assert again.status_code == 400
    assert again.json()["errors"][0]["errorId"] == 9213
    moved = ebay.client.post(
        f"/_sandbox/returns/{return_id}/status", json={"status": "ITEM_SHIPPED"}
    )
    assert moved.status_code == 200
    shown = ebay.api("GET", f"/{return_id}", params={"fieldgroups": "SUMMARY"}).json()["summary"]
    assert (shown["state"], shown["status"]) == ("ITEM_SHIPPED", "ITEM_SHIPPED")


def _refund_body(amount: str, currency: str = "USD") -> dict[str, Any]:
    value = {"value": amount, "currency": currency}
    return {
        "refundDetail": {
            "itemizedRefundDetail": [{"refundFeeType": "PURCHASE_PRICE", "refundAmount": value}],
            "totalAmount": value,
        }
    }


def test_refund_is_capped_at_what_was_paid_and_given_once(start: Any) -> None:
    ebay = start(marketplace_ids=("EBAY_US",))
    order_id = ebay.shipped_orders(1)[0]
    return_id = ebay.new_return(order_id)
    detail = ebay.api("GET", f"/{return_id}", params={"fieldgroups": "SUMMARY"}).json()
    estimate = detail["summary"]["sellerTotalRefund"]["estimatedRefundAmount"]["value"]
    too_much = ebay.api("POST", f"/{return_id}/issue_refund", json=_refund_body("99999.00"))
    assert too_much.status_code == 400
    assert too_much.json()["errors"][0]["errorId"] == 9214
    wrong_currency = ebay.api(
        "POST", f"/{return_id}/issue_refund", json=_refund_body("1.00", "EUR")
    )
    assert wrong_currency.status_code == 400
    paid = ebay.api("POST", f"/{return_id}/issue_refund", json=_refund_body(estimate))
    assert paid.status_code == 200, paid.text
    assert paid.json() == {"refundStatus": "SUCCESS"}
    twice = ebay.api("POST", f"/{return_id}/issue_refund", json=_refund_body("0.01"))
    assert twice.status_code == 400
    assert twice.json()["errors"][0]["errorId"] == 9215
    summary = ebay.api("GET", f"/{return_id}", params={"fieldgroups": "SUMMARY"}).json()["summary"]
    assert summary["state"] == "CLOSED"
    assert summary["sellerTotalRefund"]["actualRefundAmount"]["value"] == estimate
    order = ebay.client.get(f"/_sandbox/orders/{order_id}").json()
    assert [r["reasonForRefund"] for r in order["refunds"]] == ["BUYER_RETURN"]


def test_a_declined_return_cannot_be_refunded(start: Any) -> None:
    ebay = start()
    return_id = ebay.new_return(ebay.shipped_orders(1)[0])
    assert ebay.api("POST", f"/{return_id}/decide", json={"decision": "DECLINE"}).status_code == 200
    refused = ebay.api("POST", f"/{return_id}/issue_refund", json=_refund_body("1.00"))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["errorId"] == 9213
