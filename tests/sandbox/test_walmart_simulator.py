"""The Walmart Marketplace simulator over real HTTP: auth and headers, searches and their
cursor, throttling, faults, the control API and the generator. The write operations are in
test_walmart_simulator_writes.py, which shares the fixture defined here.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from orderbridge.marketplaces.walmart.capabilities import DEFAULT_RATE_LIMITS
from orderbridge.sandbox.walmart import (
    SimulatorClock,
    WalmartSimulator,
    WalmartSimulatorSettings,
    create_app,
    serve_in_background,
)
from orderbridge.sandbox.walmart.returns_api import RATE_LIMITS as RETURNS_SIMULATED
from orderbridge.sandbox.walmart.settings import DEFAULT_RATE_LIMITS as SIMULATED

FIXED_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NOW_MS = int(FIXED_NOW.timestamp() * 1000)
DAY_MS = 86_400_000


@dataclass
class Walmart:
    client: httpx.Client
    simulator: WalmartSimulator
    clock: SimulatorClock
    token: str = ""

    @property
    def settings(self) -> WalmartSimulatorSettings:
        return self.simulator.settings

    def basic(self, secret: str | None = None) -> str:
        pair = f"{self.settings.client_id}:{secret or self.settings.client_secret}"
        return "Basic " + base64.b64encode(pair.encode()).decode()

    def headers(self, **overrides: str) -> dict[str, str]:
        values = {
            "WM_SVC.NAME": "Walmart Marketplace",
            "WM_QOS.CORRELATION_ID": str(uuid4()),
            "WM_SEC.ACCESS_TOKEN": self.token,
            "Accept": "application/json",
            **overrides,
        }
        return {name: value for name, value in values.items() if value}

    def request_token(self, **headers: str) -> httpx.Response:
        values = {
            "WM_SVC.NAME": "Walmart Marketplace",
            "WM_QOS.CORRELATION_ID": str(uuid4()),
            "Authorization": self.basic(),
            **headers,
        }
        return self.client.post(
            "/v3/token",
            data={"grant_type": "client_credentials"},
            headers={name: value for name, value in values.items() if value},
        )

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.headers())

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.client.post(path, json=body, headers=self.headers())

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.client.request(method, f"/_sandbox/{path}", json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def place(self, order: dict[str, Any] | None = None) -> str:
        body = {"order": order or {}}
        (purchase_order_id,) = self.control("POST", "orders", body)["purchaseOrderIds"]
        return str(purchase_order_id)

    def view(self, purchase_order_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.control("GET", f"orders/{purchase_order_id}")
        return found

    def all_orders(self, **params: Any) -> list[dict[str, Any]]:
        """Every page of a search, each next page the cursor appended verbatim."""
        found: list[dict[str, Any]] = []
        response = self.get("/v3/orders", **params)
        for _ in range(100):
            assert response.status_code == 200, response.text
            listing = response.json()["list"]
            found.extend(listing["elements"]["order"])
            cursor = listing["meta"].get("nextCursor")
            if not cursor:
                return found
            response = self.client.get("/v3/orders" + cursor, headers=self.headers())
        raise AssertionError("paging did not end")


def start(stack: ExitStack, **overrides: Any) -> Walmart:
    values: dict[str, Any] = {"seed": 11, "speed_factor": 0, "initial_orders": 0, **overrides}
    clock = SimulatorClock(FIXED_NOW, frozen=True)
    app = create_app(WalmartSimulatorSettings(**values), clock=clock)
    client = stack.enter_context(
        httpx.Client(base_url=stack.enter_context(serve_in_background(app)), timeout=30)
    )
    walmart = Walmart(client, app.state.simulator, clock)
    walmart.token = walmart.request_token().json()["access_token"]
    return walmart


@pytest.fixture
def walmart() -> Iterator[Walmart]:
    with ExitStack() as stack:
        yield start(stack)


def error_codes(response: httpx.Response) -> list[str]:
    return [entry["code"] for entry in response.json()["errors"]["error"]]


def lines_of(order: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = order["orderLines"]["orderLine"]
    return found


def statuses(order: dict[str, Any], line: int = 0) -> list[tuple[str, str]]:
    entries = lines_of(order)[line]["orderLineStatuses"]["orderLineStatus"]
    return [(entry["status"], entry["statusQuantity"]["amount"]) for entry in entries]


KETTLE = {
    "lines": [
        {
            "quantity": 2,
            "unitPrice": "10.00",
            "tax": "1.60",
            "shipping": "5.00",
            "shippingTax": "0.41",
        }
    ]
}


# -- auth and headers ------------------------------------------------------------------------


def test_a_token_for_the_right_key_lives_fifteen_minutes(walmart: Walmart) -> None:
    answer = walmart.request_token()
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert walmart.get("/v3/orders").status_code == 200


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"Authorization": "Basic d3Jvbmc6a2V5"}, 401, "UNAUTHORIZED.GMP_GATEWAY_API"),
        ({"Authorization": ""}, 401, "UNAUTHORIZED.GMP_GATEWAY_API"),
        ({"WM_SVC.NAME": ""}, 400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"),
        ({"WM_QOS.CORRELATION_ID": ""}, 400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"),
    ],
    ids=["wrong-key", "no-key", "no-service-name", "no-correlation-id"],
)
def test_a_token_request_walmart_refuses(
    walmart: Walmart, headers: dict[str, str], status: int, code: str
) -> None:
    answer = walmart.request_token(**headers)
    assert answer.status_code == status
    assert error_codes(answer) == [code]
    assert {"field", "description", "info", "severity", "category"} <= set(
        answer.json()["errors"]["error"][0]
    )


def test_business_calls_need_their_headers_and_a_live_token(walmart: Walmart) -> None:
    no_correlation = walmart.client.get(
        "/v3/orders", headers=walmart.headers(**{"WM_QOS.CORRELATION_ID": ""})
    )
    assert no_correlation.status_code == 400
    assert no_correlation.json()["errors"]["error"][0]["field"] == "WM_QOS.CORRELATION_ID"
    no_token = walmart.client.get(
        "/v3/orders", headers=walmart.headers(**{"WM_SEC.ACCESS_TOKEN": ""})
    )
    assert no_token.status_code == 401
    wrong_key = walmart.client.get(
        "/v3/orders", headers=walmart.headers(Authorization=walmart.basic("nope"))
    )
    assert wrong_key.status_code == 401
    walmart.clock.advance(901)
    expired = walmart.get("/v3/orders")
    assert expired.status_code == 401
    assert "expired" in expired.json()["errors"]["error"][0]["description"]


# -- searching ---------------------------------------------------------------------------------


def test_without_dates_only_the_last_seven_days_are_searched(walmart: Walmart) -> None:
    old = walmart.place({"orderDate": NOW_MS - 10 * DAY_MS})
    recent = walmart.place({"orderDate": NOW_MS - 2 * DAY_MS})
    assert [o["purchaseOrderId"] for o in walmart.all_orders()] == [recent]
    back = walmart.all_orders(createdStartDate="2026-02-01")
    assert [o["purchaseOrderId"] for o in back] == [recent, old]


def test_pages_follow_the_cursor_and_hold_every_order_once(walmart: Walmart) -> None:
    ids = walmart.control("POST", "orders", {"count": 450})["purchaseOrderIds"]
    first = walmart.get("/v3/orders", limit=200).json()["list"]
    assert first["meta"]["totalCount"] == 450
    assert len(first["elements"]["order"]) == 200
    cursor = first["meta"]["nextCursor"]
    assert cursor.startswith("?limit=200&hasMoreElements=true&soIndex=")
    assert "partnerId=" in cursor and "sellerId=" in cursor and "createdEndDate=" in cursor
    seen = [o["purchaseOrderId"] for o in walmart.all_orders(limit=200)]
    assert len(seen) == len(set(seen)) == 450
    assert set(seen) == set(ids)


def test_orders_placed_while_paging_do_not_shift_the_pages(walmart: Walmart) -> None:
    placed = set(walmart.control("POST", "orders", {"count": 250})["purchaseOrderIds"])
    first = walmart.get("/v3/orders", limit=100).json()["list"]
    walmart.clock.advance(1)
    walmart.control("POST", "orders", {"count": 120})
    seen = [o["purchaseOrderId"] for o in first["elements"]["order"]]
    cursor = first["meta"]["nextCursor"]
    while cursor:
        listing = walmart.client.get("/v3/orders" + cursor, headers=walmart.headers()).json()[
            "list"
        ]
        seen.extend(o["purchaseOrderId"] for o in listing["elements"]["order"])
        cursor = listing["meta"].get("nextCursor")
    assert len(seen) == len(set(seen)) == 250
    assert set(seen) == placed


def test_an_altered_cursor_is_refused(walmart: Walmart) -> None:
    walmart.control("POST", "orders", {"count": 3})
    cursor = walmart.get("/v3/orders", limit=1).json()["list"]["meta"]["nextCursor"]
    altered = cursor.replace("sellerId=", "sellerId=9")
    answer = walmart.client.get("/v3/orders" + altered, headers=walmart.headers())
    assert answer.status_code == 400
    assert error_codes(answer) == ["INVALID_REQUEST_CONTENT.GMP_ORDER_API"]


def test_last_modified_dates_find_what_changed_in_a_window(walmart: Walmart) -> None:
    first = walmart.place()
    second = walmart.place()
    walmart.clock.advance(3600)
    walmart.token = walmart.request_token().json()["access_token"]  # 15 minutes have passed
    assert walmart.post(f"/v3/orders/{first}/acknowledge").status_code == 200
    window = {
        "lastModifiedStartDate": "2026-03-02T12:30:00Z",
        "lastModifiedEndDate": "2026-03-02T13:00:00Z",
    }
    assert [o["purchaseOrderId"] for o in walmart.all_orders(**window)] == [first]
    early = {
        "lastModifiedStartDate": "2026-03-02T11:59:00Z",
        "lastModifiedEndDate": "2026-03-02T12:00:00Z",
    }
    assert [o["purchaseOrderId"] for o in walmart.all_orders(**early)] == [second]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "201"},
        {"limit": "0"},
        {"nextCursor": "x"},
        {"createdStartDate": "yesterday"},
        {"status": "Lost"},
    ],
    ids=["limit-201", "limit-0", "unknown-parameter", "bad-date", "bad-status"],
)
def test_a_search_walmart_cannot_read_is_a_400(walmart: Walmart, params: dict[str, str]) -> None:
    answer = walmart.get("/v3/orders", **params)
    assert answer.status_code == 400
    assert error_codes(answer) == ["INVALID_REQUEST_CONTENT.GMP_ORDER_API"]


def test_status_and_released_searches_see_line_statuses(walmart: Walmart) -> None:
    created = walmart.place()
    acknowledged = walmart.place({"status": "Acknowledged"})
    shipped = walmart.place({"status": "Shipped"})
    released = walmart.get("/v3/orders/released").json()["list"]["elements"]["order"]
    assert [o["purchaseOrderId"] for o in released] == [created]
    for status, expected in (("Acknowledged", acknowledged), ("Shipped", shipped)):
        found = walmart.all_orders(status=status)
        assert [o["purchaseOrderId"] for o in found] == [expected]
    assert walmart.get("/v3/orders/released", lastModifiedStartDate="2026-03-01").status_code == 400


def test_one_order_is_wrapped_and_an_unknown_one_is_404(walmart: Walmart) -> None:
    purchase_order_id = walmart.place(KETTLE)
    answer = walmart.get(f"/v3/orders/{purchase_order_id}")
    assert answer.status_code == 200
    order = answer.json()["order"]
    assert order["purchaseOrderId"] == purchase_order_id
    (line,) = lines_of(order)
    charges = {c["chargeType"]: c for c in line["charges"]["charge"]}
    assert charges["PRODUCT"]["chargeAmount"] == {"currency": "USD", "amount": 20}
    assert charges["PRODUCT"]["tax"]["taxAmount"]["amount"] == 1.6
    assert charges["SHIPPING"]["chargeAmount"]["amount"] == 5
    missing = walmart.get("/v3/orders/9999999999999")
    assert missing.status_code == 404
    assert error_codes(missing) == ["CONTENT_NOT_FOUND.GMP_ORDER_API"]


# -- throttling, faults, control ------------------------------------------------------------------


def test_an_empty_bucket_answers_429_with_the_usage_headers() -> None:
    with ExitStack() as stack:
        walmart = start(stack, speed_factor=1.0)
        answers = [walmart.get("/v3/orders") for _ in range(11)]
        assert [a.status_code for a in answers] == [200] * 10 + [429]
        assert answers[0].headers["x-current-token-count"] == "9"
        throttled = answers[-1]
        assert throttled.headers["x-current-token-count"] == "0"
        assert int(throttled.headers["x-next-replenish-time"]) == NOW_MS + 2000
        assert error_codes(throttled) == ["REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API"]
        walmart.clock.advance(2)
        assert walmart.get("/v3/orders").status_code == 200
        stats = walmart.control("GET", "stats")["calls"]["getAllOrders"]
        assert stats == {"200": 11, "429": 1}


def test_the_customer_and_seller_center_change_orders_through_the_control_api(
    walmart: Walmart,
) -> None:
    purchase_order_id = walmart.place({"lines": [{"quantity": 1}, {"quantity": 1}]})
    path = f"orders/{purchase_order_id}/status"
    shipped = walmart.control("POST", path, {"status": "Shipped", "lineNumbers": ["1"]})
    assert shipped["lineStatuses"] == {"1": {"Shipped": 1}, "2": {"Created": 1}}
    cancelled = walmart.control("POST", path, {"status": "Cancelled"})
    assert cancelled["lineStatuses"]["2"] == {"Cancelled": 1}
    assert cancelled["cancellations"][0]["cancellationReason"] == "CUSTOMER_CANCELLED"
    delivered = walmart.control("POST", path, {"status": "Delivered"})
    assert delivered["lineStatuses"]["1"] == {"Delivered": 1}
    impossible = walmart.client.post(f"/_sandbox/{path}", json={"status": "Cancelled"})
    assert impossible.status_code == 409


def test_reset_and_the_clock(walmart: Walmart) -> None:
    walmart.control("POST", "orders", {"count": 5})
    assert walmart.control("POST", "reset", {"orders": 7}) == {"orders": 7}
    assert walmart.control("GET", "stats")["orders"] == 7
    moved = walmart.control("POST", "clock", {"advance_seconds": 90})
    assert moved == {"now": "2026-03-02T12:01:30+00:00", "frozen": True}
    answer = walmart.get("/v3/orders")
    assert answer.headers["date"] == "Mon, 02 Mar 2026 12:01:30 GMT"


def test_the_same_seed_generates_the_same_realistic_us_orders() -> None:
    with ExitStack() as stack:
        first = start(stack, seed=5, initial_orders=40)
        second = start(stack, seed=5, initial_orders=40)
        other = start(stack, seed=6, initial_orders=40)
        since = {"createdStartDate": "2026-01-01"}
        orders = first.all_orders(**since)
        assert orders == second.all_orders(**since)
        assert orders != other.all_orders(**since)
    assert len(orders) == 40
    found_statuses: set[str] = set()
    for order in orders:
        assert len(order["purchaseOrderId"]) == 13 and order["purchaseOrderId"].isdigit()
        assert order["customerEmailId"].endswith("@relay.walmart.com")
        assert order["shippingInfo"]["postalAddress"]["country"] == "USA"
        assert order["orderDate"] < order["shippingInfo"]["estimatedShipDate"]
        for line in lines_of(order):
            units = sum(
                int(s["statusQuantity"]["amount"])
                for s in line["orderLineStatuses"]["orderLineStatus"]
            )
            assert units == int(line["orderLineQuantity"]["amount"])
            assert line["charges"]["charge"][0]["chargeAmount"]["amount"] > 0
            found_statuses.update(s["status"] for s in line["orderLineStatuses"]["orderLineStatus"])
    assert {"Created", "Shipped", "Delivered"} <= found_statuses


def test_the_simulated_limits_are_the_ones_the_connector_declares() -> None:
    declared = {limit.operation: (limit.rate, limit.burst) for limit in DEFAULT_RATE_LIMITS}
    simulated = {**SIMULATED, **RETURNS_SIMULATED}
    # The released-orders search is metered like the full one; the connector never calls it.
    assert {op: v for op, v in simulated.items() if op != "getAllReleasedOrders"} == declared
    assert SIMULATED["getAllReleasedOrders"] == SIMULATED["getAllOrders"]


def test_a_search_matching_more_orders_than_walmart_serves_is_refused() -> None:
    with ExitStack() as stack:
        walmart = start(stack, max_orders_per_query=5)
        walmart.control("POST", "orders", {"count": 6})
        refused = walmart.get("/v3/orders")
        assert refused.status_code == 400
        assert "narrow the dates" in refused.json()["errors"]["error"][0]["description"]
        narrowed = walmart.get("/v3/orders", purchaseOrderId=walmart.place())
        assert narrowed.status_code == 200
