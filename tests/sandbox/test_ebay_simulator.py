"""The eBay simulator over real HTTP: tokens, getOrders, fulfillments, refunds, Post-Order
cancellations, throttling, faults and the control API."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderbridge.sandbox.ebay import (
    EbaySimulator,
    EbaySimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)

NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
ORDERS = "/sell/fulfillment/v1/order"
FULFILLMENT_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
READONLY_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly"


@dataclass
class RunningEbay:
    client: httpx.Client
    simulator: EbaySimulator
    clock: SimulatorClock

    @property
    def settings(self) -> EbaySimulatorSettings:
        return self.simulator.settings

    def basic(self) -> str:
        pair = f"{self.settings.client_id}:{self.settings.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def token(self, scopes: str | None = None) -> str:
        form = {"grant_type": "refresh_token", "refresh_token": self.settings.refresh_token}
        if scopes is not None:
            form["scope"] = scopes
        response = self.client.post(
            "/identity/v1/oauth2/token", data=form, headers={"authorization": self.basic()}
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def call(
        self, method: str, path: str, *, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token or self.token()}"}
        return self.client.request(method, path, headers=headers, **kwargs)

    def post_order(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"IAF {self.token()}", "x-ebay-c-marketplace-id": "EBAY_US"}
        return self.client.request(method, f"/post-order/v2{path}", headers=headers, **kwargs)

    def new_order(self, **partial: Any) -> str:
        created = self.client.post("/_sandbox/orders", json={"order": partial})
        assert created.status_code == 201, created.text
        order_id: str = created.json()["orderIds"][0]
        return order_id

    def order(self, order_id: str) -> dict[str, Any]:
        response = self.client.get(f"/_sandbox/orders/{order_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def ebay() -> Iterator[Any]:
    with ExitStack() as stack:

        def start(**overrides: Any) -> RunningEbay:
            values: dict[str, Any] = {"seed": 11, "speed_factor": 0, "initial_orders": 0}
            values.update(overrides)
            clock = SimulatorClock(NOW, frozen=True)
            app = create_app(EbaySimulatorSettings(**values), clock=clock)
            url = stack.enter_context(serve_in_background(app))
            client = stack.enter_context(httpx.Client(base_url=url, timeout=10))
            return RunningEbay(client, app.state.simulator, clock)

        yield start


def window(lower: str, upper: str = "") -> dict[str, str]:
    return {"filter": f"lastmodifieddate:[{lower}..{upper}]"}


def test_the_token_endpoint_checks_client_grant_and_scopes(ebay: Any) -> None:
    sim = ebay()
    url = "/identity/v1/oauth2/token"
    form = {"grant_type": "refresh_token", "refresh_token": sim.settings.refresh_token}
    wrong_client = sim.client.post(url, data=form, headers={"authorization": "Basic eDp5"})
    assert (wrong_client.status_code, wrong_client.json()["error"]) == (401, "invalid_client")
    wrong_grant = sim.client.post(
        url, data={**form, "refresh_token": "v^1.1#other"}, headers={"authorization": sim.basic()}
    )
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (400, "invalid_grant")
    too_wide = sim.client.post(
        url,
        data={**form, "scope": "https://api.ebay.com/oauth/api_scope/sell.inventory"},
        headers={"authorization": sim.basic()},
    )
    assert (too_wide.status_code, too_wide.json()["error"]) == (400, "invalid_scope")
    good = sim.client.post(url, data=form, headers={"authorization": sim.basic()})
    assert good.status_code == 200
    assert good.json()["expires_in"] == 7200
    assert good.json()["token_type"] == "User Access Token"


def test_calls_need_a_valid_bearer_token_with_the_right_scope(ebay: Any) -> None:
    sim = ebay()
    missing = sim.client.get(ORDERS)
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["errorId"] == 1001
    order_id = sim.new_order()
    readonly = sim.token(READONLY_SCOPE)
    assert sim.call("GET", f"{ORDERS}/{order_id}", token=readonly).status_code == 200
    refused = sim.call(
        "POST", f"{ORDERS}/{order_id}/issue_refund", token=readonly, json={"reasonForRefund": "X"}
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["errorId"] == 1100
    sim.clock.advance(7200)
    expired = sim.call("GET", f"{ORDERS}/{order_id}", token=readonly)
    assert expired.status_code == 401


def test_get_orders_pages_through_a_window(ebay: Any) -> None:
    sim = ebay(initial_orders=0)
    created = sim.client.post("/_sandbox/orders", json={"count": 5})
    ids = set(created.json()["orderIds"])
    params = {**window("2026-03-02T00:00:00.000Z", "2026-03-02T12:00:00.000Z"), "limit": "2"}
    first = sim.call("GET", ORDERS, params=params).json()
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert len(first["orders"]) == 2 and "prev" not in first
    assert "%5B" in first["next"] and first["next"].endswith("offset=2")
    seen = [order["orderId"] for order in first["orders"]]
    link = first["next"]
    while link:
        body = sim.call("GET", link.removeprefix(str(sim.client.base_url))).json()
        seen.extend(order["orderId"] for order in body["orders"])
        assert "prev" in body
        link = body.get("next")
    assert sorted(seen) == sorted(ids)


def test_get_orders_filters_by_date_and_status_and_ids(ebay: Any) -> None:
    sim = ebay(initial_orders=30)
    everything = sim.call("GET", ORDERS, params={"limit": "200"}).json()
    statuses = {order["orderFulfillmentStatus"] for order in everything["orders"]}
    assert {"NOT_STARTED", "FULFILLED"} <= statuses
    open_orders = sim.call(
        "GET",
        ORDERS,
        params={"filter": "orderfulfillmentstatus:{NOT_STARTED|IN_PROGRESS}", "limit": "200"},
    ).json()
    assert {o["orderFulfillmentStatus"] for o in open_orders["orders"]} <= {
        "NOT_STARTED",
        "IN_PROGRESS",
    }
    recent = sim.call("GET", ORDERS, params=window("2026-02-25T00:00:00.000Z")).json()
    assert all(o["lastModifiedDate"] >= "2026-02-25" for o in recent["orders"])
    sim.clock.advance(60)
    (fresh,) = sim.client.post("/_sandbox/orders", json={"count": 1}).json()["orderIds"]
    # creationdate wins over lastmodifieddate when both are given.
    both = "creationdate:[2026-03-02T12:00:30.000Z..],lastmodifieddate:[2020-01-01T00:00:00.000Z..]"
    created = sim.call("GET", ORDERS, params={"filter": both}).json()
    assert [o["orderId"] for o in created["orders"]] == [fresh]
    picked = [o["orderId"] for o in everything["orders"][:3]]
    by_ids = sim.call("GET", ORDERS, params={"orderIds": ",".join(picked)}).json()
    assert sorted(o["orderId"] for o in by_ids["orders"]) == sorted(picked)


@pytest.mark.parametrize(
    ("params", "error_id"),
    [
        ({"filter": "modified:[2026-03-01T00:00:00.000Z..]"}, 30700),
        ({"filter": "orderfulfillmentstatus:{FULFILLED}"}, 30800),
        ({"filter": "lastmodifieddate:[2026-03-01..]"}, 30810),
        ({"filter": "lastmodifieddate:[..2026-03-01T00:00:00.000Z]"}, 30820),
        (
            {"filter": "lastmodifieddate:[2026-03-01T00:00:00.000Z..2026-02-01T00:00:00.000Z]"},
            30840,
        ),
        (
            {"filter": "lastmodifieddate:[2026-03-01T00:00:00.000Z..2026-03-03T00:00:00.000Z]"},
            30850,
        ),
        ({"limit": "201"}, 31100),
        ({"offset": "-1"}, 31000),
        ({"fieldGroups": "EVERYTHING"}, 32800),
        ({"orderIds": ",".join(f"01-00000-{i:05d}" for i in range(51))}, 30900),
    ],
)
def test_get_orders_refuses_bad_queries_with_documented_ids(
    ebay: Any, params: dict[str, str], error_id: int
) -> None:
    sim = ebay()
    response = sim.call("GET", ORDERS, params=params)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["errorId"], error["domain"], error["category"]) == (
        error_id,
        "API_FULFILLMENT",
        "REQUEST",
    )


def test_totals_include_collected_tax_only_with_the_tax_breakdown(ebay: Any) -> None:
    sim = ebay()
    order_id = sim.new_order(
        marketplaceId="EBAY_US", lineItems=[{"quantity": 1, "lineItemCost": {"value": "20.00"}}]
    )
    plain = sim.call("GET", f"{ORDERS}/{order_id}").json()
    detailed = sim.call("GET", f"{ORDERS}/{order_id}", params={"fieldGroups": "TAX_BREAKDOWN"})
    line, detailed_line = plain["lineItems"][0], detailed.json()["lineItems"][0]
    tax = line["taxes"][0]["amount"]["value"]
    assert "taxType" not in line["taxes"][0]
    assert detailed_line["taxes"][0]["taxType"] == "STATE_SALES_TAX"
    shipping = line["deliveryCost"]["shippingCost"]["value"]
    assert float(detailed_line["total"]["value"]) == pytest.approx(
        20 + float(shipping) + float(tax)
    )
    assert float(line["total"]["value"]) == pytest.approx(20 + float(shipping))


def test_a_package_of_one_unit_marks_its_line_fulfilled(ebay: Any) -> None:
    sim = ebay()
    order_id = sim.new_order(lineItems=[{"quantity": 2}, {"quantity": 1}])
    lines = sim.call("GET", f"{ORDERS}/{order_id}").json()["lineItems"]
    first, second = (line["lineItemId"] for line in lines)
    created = sim.call(
        "POST",
        f"{ORDERS}/{order_id}/shipping_fulfillment",
        json={
            "lineItems": [{"lineItemId": first, "quantity": 1}],
            "shippedDate": "2026-03-02T11:00:00.000Z",
            "shippingCarrierCode": "USPS",
            "trackingNumber": "9400111899223344556677",
        },
    )
    assert created.status_code == 201, created.text
    assert created.content == b""
    assert created.headers["location"].endswith(
        f"/sell/fulfillment/v1/order/{order_id}/shipping_fulfillment/9400111899223344556677"
    )
    order = sim.call("GET", f"{ORDERS}/{order_id}").json()
    assert order["orderFulfillmentStatus"] == "IN_PROGRESS"
    assert [line["lineItemFulfillmentStatus"] for line in order["lineItems"]] == [
        "FULFILLED",
        "NOT_STARTED",
    ]
    listed = sim.call("GET", f"{ORDERS}/{order_id}/shipping_fulfillment").json()
    assert listed["total"] == 1
    assert listed["fulfillments"][0]["lineItems"] == [{"lineItemId": first, "quantity": 1}]
    one = sim.call("GET", created.headers["location"].removeprefix(str(sim.client.base_url)))
    assert one.json()["shipmentTrackingNumber"] == "9400111899223344556677"
    rest = sim.call(
        "POST",
        f"{ORDERS}/{order_id}/shipping_fulfillment",
        json={"lineItems": [{"lineItemId": first}, {"lineItemId": second, "quantity": 1}]},
    )
    assert rest.status_code == 201
    assert rest.headers["location"].endswith("/999")
    assert sim.call("GET", f"{ORDERS}/{order_id}").json()["orderFulfillmentStatus"] == "FULFILLED"


def test_a_replayed_package_is_visible_not_deduplicated(ebay: Any) -> None:
    sim = ebay()
    order_id = sim.new_order(lineItems=[{"quantity": 3}])
    line = sim.call("GET", f"{ORDERS}/{order_id}").json()["lineItems"][0]["lineItemId"]
    package = {
        "lineItems": [{"lineItemId": line, "quantity": 1}],
        "shippingCarrierCode": "UPS",
        "trackingNumber": "1Z999AA10123456784",
    }
    path = f"{ORDERS}/{order_id}/shipping_fulfillment"
    assert sim.call("POST", path, json=package).status_code == 201
    again = sim.call("POST", path, json=package)
    assert again.status_code == 409
    untracked = {"lineItems": [{"lineItemId": line, "quantity": 1}]}
    assert sim.call("POST", path, json=untracked).status_code == 201
    assert sim.call("POST", path, json=untracked).status_code == 201  # a second, duplicate box
    too_many = sim.call("POST", path, json=untracked)
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["errorId"] == 32600


@pytest.mark.parametrize(
    ("body", "error_id"),
    [
        ({"lineItems": [{"lineItemId": "19999999999999", "quantity": 1}]}, 32200),
        ({"lineItems": "LINE", "twice": True}, 32210),
        ({"lineItems": "LINE", "trackingNumber": "1Z999AA10123456784"}, 32300),
        (
            {"lineItems": "LINE", "shippingCarrierCode": "Pigeon", "trackingNumber": "12345678"},
            32300,
        ),
        ({"lineItems": "LINE", "shippingCarrierCode": "UPS", "trackingNumber": "1Z 999"}, 32300),
        ({"lineItems": "LINE", "shippedDate": "2026-03-09T00:00:00.000Z"}, 32500),
        ({"lineItems": "LINE", "shippedDate": "yesterday"}, 32500),
        ({"lineItems": []}, 32600),
    ],
)
def test_bad_packages_are_refused_with_documented_ids(
    ebay: Any, body: dict[str, Any], error_id: int
) -> None:
    sim = ebay()
    order_id = sim.new_order(lineItems=[{"quantity": 1}])
    line = sim.call("GET", f"{ORDERS}/{order_id}").json()["lineItems"][0]["lineItemId"]
    if body["lineItems"] == "LINE":
        entry = {"lineItemId": line, "quantity": 1}
        body = {**body, "lineItems": [entry, entry] if body.pop("twice", False) else [entry]}
    response = sim.call("POST", f"{ORDERS}/{order_id}/shipping_fulfillment", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["errorId"] == error_id


def refund_body(line_id: str, value: str, currency: str = "USD") -> dict[str, Any]:
    return {
        "reasonForRefund": "BUYER_RETURN",
        "refundItems": [
            {"lineItemId": line_id, "refundAmount": {"value": value, "currency": currency}}
        ],
    }


def test_a_refund_is_pending_then_refunded_after_processing(ebay: Any) -> None:
    sim = ebay(speed_factor=1, refund_processing_seconds=60)
    order_id = sim.new_order(
        marketplaceId="EBAY_DE",
        lineItems=[
            {
                "quantity": 2,
                "lineItemCost": {"value": "40.00"},
                "deliveryCost": {"shippingCost": {"value": "4.99"}},
            }
        ],
    )
    line = sim.call("GET", f"{ORDERS}/{order_id}").json()["lineItems"][0]["lineItemId"]
    issued = sim.call(
        "POST", f"{ORDERS}/{order_id}/issue_refund", json=refund_body(line, "20.00", "EUR")
    )
    assert issued.status_code == 200, issued.text
    refund_id = issued.json()["refundId"]
    assert issued.json()["refundStatus"] == "PENDING"
    order = sim.call("GET", f"{ORDERS}/{order_id}").json()
    (pending,) = order["paymentSummary"]["refunds"]
    assert (pending["refundId"], pending["refundStatus"]) == (refund_id, "PENDING")
    busy = sim.call(
        "POST", f"{ORDERS}/{order_id}/issue_refund", json=refund_body(line, "1.00", "EUR")
    )
    assert busy.json()["errors"][0]["errorId"] == 34922
    sim.clock.advance(61)
    order = sim.call("GET", f"{ORDERS}/{order_id}").json()
    (done,) = order["paymentSummary"]["refunds"]
    assert done["refundStatus"] == "REFUNDED" and "refundDate" in done
    assert order["lineItems"][0]["refunds"][0]["refundId"] == refund_id
    assert order["orderPaymentStatus"] == "PARTIALLY_REFUNDED"
    assert order["lastModifiedDate"] == "2026-03-02T12:01:00.000Z"


def test_refund_refusals_use_the_documented_ids(ebay: Any) -> None:
    sim = ebay()
    order_id = sim.new_order(
        marketplaceId="EBAY_DE",
        lineItems=[
            {
                "quantity": 1,
                "lineItemCost": {"value": "10.00"},
                "deliveryCost": {"shippingCost": {"value": "0.00"}},
            }
        ],
    )
    line = sim.call("GET", f"{ORDERS}/{order_id}").json()["lineItems"][0]["lineItemId"]
    path = f"{ORDERS}/{order_id}/issue_refund"

    def refused(body: dict[str, Any]) -> tuple[int, int]:
        response = sim.call("POST", path, json=body)
        return response.status_code, response.json()["errors"][0]["errorId"]

    assert refused({"refundItems": []}) == (400, 34903)
    assert refused({"reasonForRefund": "BUYER_RETURN"}) == (400, 34905)
    assert refused(refund_body(line, "10.001", "EUR")) == (400, 34907)
    assert refused(refund_body(line, "5.00", "USD")) == (400, 34909)
    assert refused(refund_body("19999999999999", "5.00", "EUR")) == (400, 34914)
    assert refused(refund_body(line, "10.01", "EUR")) == (400, 34915)
    assert sim.call("POST", path, json=refund_body(line, "10.00", "EUR")).status_code == 200
    assert refused(refund_body(line, "1.00", "EUR")) == (400, 34917)
    missing = sim.call("POST", f"{ORDERS}/01-00000-00000/issue_refund", json={})
    assert (missing.status_code, missing.json()["errors"][0]["errorId"]) == (404, 34913)


def test_a_line_refund_cannot_exceed_what_is_left_on_the_line(ebay: Any) -> None:
    sim = ebay()
    order_id = sim.new_order(
        marketplaceId="EBAY_DE",
        lineItems=[
            {
                "quantity": 1,
                "lineItemCost": {"value": "10.00"},
                "deliveryCost": {"shippingCost": {"value": "0.00"}},
            },
            {
                "quantity": 1,
                "lineItemCost": {"value": "30.00"},
                "deliveryCost": {"shippingCost": {"value": "0.00"}},
            },
        ],
    )
    first = sim.call("GET", f"{ORDERS}/{order_id}").json()["lineItems"][0]["lineItemId"]
    response = sim.call(
        "POST", f"{ORDERS}/{order_id}/issue_refund", json=refund_body(first, "12.00", "EUR")
    )
    assert (response.status_code, response.json()["errors"][0]["errorId"]) == (409, 34924)


def test_an_injected_refund_failure_ends_failed(ebay: Any) -> None:
    sim = ebay()
    order_id = sim.new_order(marketplaceId="EBAY_DE")
    line = sim.call("GET", f"{ORDERS}/{order_id}").json()["lineItems"][0]["lineItemId"]
    assert sim.client.post("/_sandbox/faults", json={"fail_refunds": 1}).json()["fail_refunds"] == 1
    issued = sim.call(
        "POST", f"{ORDERS}/{order_id}/issue_refund", json=refund_body(line, "1.00", "EUR")
    )
    assert issued.json()["refundStatus"] == "PENDING"
    order = sim.call("GET", f"{ORDERS}/{order_id}").json()
    assert order["paymentSummary"]["refunds"][0]["refundStatus"] == "FAILED"
    assert order["orderPaymentStatus"] == "PAID"


def test_a_seller_cancellation_closes_with_a_refund(ebay: Any) -> None:
    sim = ebay(speed_factor=1, cancel_processing_seconds=30)
    order_id = sim.new_order()
    eligible = sim.post_order(
        "POST", "/cancellation/check_eligibility", json={"legacyOrderId": order_id}
    )
    assert eligible.status_code == 200
    assert eligible.json()["eligible"] is True
    assert "OUT_OF_STOCK_OR_CANNOT_FULFILL" in eligible.json()["eligibleCancelReason"]
    created = sim.post_order(
        "POST",
        "/cancellation",
        json={
            "legacyOrderId": order_id,
            "cancelReason": "OUT_OF_STOCK_OR_CANNOT_FULFILL",
            "buyerPaid": True,
        },
    )
    assert created.status_code == 201, created.text
    cancel_id = created.json()["cancelId"]
    detail = sim.post_order("GET", f"/cancellation/{cancel_id}").json()["cancelDetail"]
    assert (detail["cancelState"], detail["cancelStatus"]) == ("REFUND_PENDING", "CANCEL_PENDING")
    order = sim.call("GET", f"{ORDERS}/{order_id}").json()
    assert order["cancelStatus"]["cancelState"] == "IN_PROGRESS"
    (request,) = order["cancelStatus"]["cancelRequests"]
    assert (request["cancelRequestId"], request["cancelInitiator"]) == (cancel_id, "SELLER")
    again = sim.post_order(
        "POST", "/cancellation/check_eligibility", json={"legacyOrderId": order_id}
    )
    assert again.json()["failureReason"] == ["CANCELLATION_EXIST"]
    sim.clock.advance(31)
    detail = sim.post_order("GET", f"/cancellation/{cancel_id}").json()["cancelDetail"]
    assert (detail["cancelState"], detail["cancelStatus"]) == (
        "CLOSED",
        "CANCEL_CLOSED_WITH_REFUND",
    )
    order = sim.call("GET", f"{ORDERS}/{order_id}").json()
    assert order["cancelStatus"]["cancelState"] == "CANCELED"
    assert order["orderPaymentStatus"] == "FULLY_REFUNDED"
    # getOrders leaves cancelRequests empty, as the contract says.
    listed = sim.call("GET", ORDERS, params={"orderIds": order_id}).json()["orders"][0]
    assert listed["cancelStatus"]["cancelRequests"] == []


def test_a_shipped_order_is_not_eligible_and_post_order_needs_its_headers(ebay: Any) -> None:
    sim = ebay()
    order_id = sim.new_order(orderFulfillmentStatus="FULFILLED")
    answer = sim.post_order(
        "POST",
        "/cancellation",
        json={"legacyOrderId": order_id, "cancelReason": "BUYER_ASKED_CANCEL"},
    )
    assert answer.status_code == 200
    assert "cancelId" not in answer.json()
    assert answer.json()["orderEligibilityResult"]["failureReason"] == [
        "ITEM_LEVEL_ELIGIBILITY_FAILURE"
    ]
    bearer = sim.client.post(
        "/post-order/v2/cancellation/check_eligibility",
        json={"legacyOrderId": order_id},
        headers={"authorization": f"Bearer {sim.token()}", "x-ebay-c-marketplace-id": "EBAY_US"},
    )
    assert bearer.status_code == 401
    no_site = sim.client.post(
        "/post-order/v2/cancellation/check_eligibility",
        json={"legacyOrderId": order_id},
        headers={"authorization": f"IAF {sim.token()}"},
    )
    assert no_site.status_code == 400


def test_a_buyers_request_waits_for_the_seller_to_approve(ebay: Any) -> None:
    sim = ebay()
    order_id = sim.new_order()
    asked = sim.client.post(
        f"/_sandbox/orders/{order_id}/status", json={"cancelState": "IN_PROGRESS"}
    )
    assert asked.json()["cancelState"] == "IN_PROGRESS"
    (cancellation,) = sim.order(order_id)["cancellations"]
    assert cancellation["cancelStatus"] == "CANCEL_REQUESTED"
    approved = sim.post_order("POST", f"/cancellation/{cancellation['cancelId']}/approve")
    assert approved.status_code == 200
    assert sim.order(order_id)["order"]["cancelStatus"]["cancelState"] == "CANCELED"
    twice = sim.post_order("POST", f"/cancellation/{cancellation['cancelId']}/approve")
    assert twice.status_code == 400


def test_a_buyer_cancellation_bumps_the_modification_date(ebay: Any) -> None:
    sim = ebay()
    order_id = sim.new_order()
    sim.clock.advance(600)
    changed = sim.client.post(
        f"/_sandbox/orders/{order_id}/status", json={"cancelState": "CANCELED"}
    )
    assert changed.status_code == 200
    assert changed.json()["lastModifiedDate"] == "2026-03-02T12:10:00.000Z"
    order = sim.call("GET", f"{ORDERS}/{order_id}").json()
    assert order["cancelStatus"]["cancelState"] == "CANCELED"
    assert order["cancelStatus"]["cancelRequests"][0]["cancelInitiator"] == "BUYER"


def test_throttling_answers_429_until_the_bucket_refills(ebay: Any) -> None:
    sim = ebay(speed_factor=1)
    token = sim.token()
    statuses = [sim.call("GET", ORDERS, token=token).status_code for _ in range(26)]
    assert statuses[:25] == [200] * 25
    assert statuses[25] == 429
    throttled = sim.call("GET", ORDERS, token=token).json()["errors"][0]
    assert (throttled["errorId"], throttled["domain"]) == (2001, "ACCESS")
    sim.clock.advance(4)  # one token at 0.25 per second
    assert sim.call("GET", ORDERS, token=token).status_code == 200
    assert sim.client.post("/_sandbox/faults", json={"drain": ["getOrders"]}).status_code == 200
    sim.clock.advance(1)
    assert sim.call("GET", ORDERS, token=token).status_code == 429


def test_a_lost_write_is_applied_but_answered_500(ebay: Any) -> None:
    sim = ebay()
    order_id = sim.new_order()
    line = sim.call("GET", f"{ORDERS}/{order_id}").json()["lineItems"][0]["lineItemId"]
    faults = sim.client.put("/_sandbox/faults", json={"lose_write_responses": 1})
    assert faults.json()["lose_write_responses"] == 1
    lost = sim.call(
        "POST",
        f"{ORDERS}/{order_id}/shipping_fulfillment",
        json={"lineItems": [{"lineItemId": line}]},
    )
    assert lost.status_code == 500
    assert lost.json()["errors"][0]["errorId"] == 30500
    assert len(sim.order(order_id)["fulfillments"]) == 1
    stats = sim.client.get("/_sandbox/stats").json()
    assert stats["lostWriteResponses"] == {"createShippingFulfillment": 1}
    assert stats["calls"]["createShippingFulfillment"] == {"500": 1}


def test_injected_faults_and_unknown_paths_answer_in_ebays_shape(ebay: Any) -> None:
    sim = ebay()
    sim.client.post("/_sandbox/faults", json={"fault_rate_503": 1.0})
    assert sim.call("GET", ORDERS).status_code == 503
    sim.client.post("/_sandbox/faults", json={"fault_rate_503": 0})
    unknown = sim.client.get("/sell/fulfillment/v1/nothing")
    assert unknown.status_code == 404
    assert "errorId" in unknown.json()["errors"][0]
    bad = sim.client.post("/_sandbox/faults", json={"fault_rate_500": 2})
    assert bad.status_code == 400


def test_the_same_seed_makes_the_same_orders_after_a_reset(ebay: Any) -> None:
    sim = ebay(initial_orders=12)
    before = sim.call("GET", ORDERS, params={"limit": "200"}).json()["orders"]
    sim.client.post("/_sandbox/orders", json={"count": 3})
    assert sim.client.post("/_sandbox/reset", json={}).json() == {"orders": 12}
    after = sim.call("GET", ORDERS, params={"limit": "200"}).json()["orders"]
    assert [o["orderId"] for o in after] == [o["orderId"] for o in before]
    assert after == before
    other = ebay(initial_orders=12, seed=12)
    assert other.call("GET", ORDERS, params={"limit": "200"}).json()["orders"] != before


def test_generated_orders_look_like_both_marketplaces(ebay: Any) -> None:
    sim = ebay(initial_orders=40)
    orders = sim.call("GET", ORDERS, params={"limit": "200", "fieldGroups": "TAX_BREAKDOWN"})
    by_site: dict[str, list[dict[str, Any]]] = {}
    for order in orders.json()["orders"]:
        by_site.setdefault(order["lineItems"][0]["purchaseMarketplaceId"], []).append(order)
    us, de = by_site["EBAY_US"], by_site["EBAY_DE"]
    assert {o["pricingSummary"]["total"]["currency"] for o in us} == {"USD"}
    assert {o["pricingSummary"]["total"]["currency"] for o in de} == {"EUR"}
    assert all(o["lineItems"][0]["taxes"] for o in us)
    assert not any(line["taxes"] for o in de for line in o["lineItems"])
    ship_to = de[0]["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"]
    assert ship_to["contactAddress"]["countryCode"] == "DE"


def test_the_clock_moves_and_stamps_the_date_header(ebay: Any) -> None:
    sim = ebay()
    assert sim.client.get("/_sandbox/clock").json() == {
        "now": "2026-03-02T12:00:00.000Z",
        "frozen": True,
    }
    moved = sim.client.post("/_sandbox/clock", json={"advance_seconds": 90})
    assert moved.json()["now"] == "2026-03-02T12:01:30.000Z"
    assert moved.headers["date"] == "Mon, 02 Mar 2026 12:01:30 GMT"
