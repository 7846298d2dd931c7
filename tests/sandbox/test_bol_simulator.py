"""The bol.com simulator over real sockets: login, the order list, writes and their process
statuses, budgets, faults and the control API, as a bol client meets them."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from orderbridge.sandbox.bol import (
    BolSimulator,
    BolSimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)
from orderbridge.sandbox.bol.catalogue import CATALOGUE

# A winter Monday, 13:00 in Utrecht.
FIXED_NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
V10 = "application/vnd.retailer.v10+json"


@dataclass
class RunningBol:
    client: httpx.Client
    simulator: BolSimulator
    clock: SimulatorClock
    token_at: float = 0.0

    @property
    def settings(self) -> BolSimulatorSettings:
        return self.simulator.settings

    def login(self, secret: str | None = None, **form: str) -> httpx.Response:
        basic = f"{self.settings.client_id}:{secret or self.settings.client_secret}"
        return self.client.post(
            "/token",
            data=form or {"grant_type": "client_credentials"},
            headers={
                "authorization": "Basic " + base64.b64encode(basic.encode()).decode(),
                "accept": "application/json",
            },
        )

    def authorise(self) -> None:
        response = self.login()
        assert response.status_code == 200, response.text
        self.token_at = self.clock.timestamp()
        self.client.headers["authorization"] = f"Bearer {response.json()['access_token']}"
        self.client.headers["accept"] = V10

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params)

    def send(self, method: str, path: str, body: Any) -> httpx.Response:
        return self.client.request(method, path, json=body, headers={"content-type": V10})

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.client.request(method, path, json=body)
        assert response.status_code < 300, response.text
        return response.json()

    def new_order(self, *quantities: int) -> dict[str, Any]:
        ids = self.control(
            "POST",
            "/_sandbox/orders",
            {"order": {"orderItems": [{"quantity": q, "unitPrice": "10.00"} for q in quantities]}},
        )["orderIds"]
        order: dict[str, Any] = self.get(f"/retailer/orders/{ids[0]}").json()
        return order

    def advance(self, seconds: float, *, stay_logged_in: bool = True) -> None:
        self.clock.advance(seconds)
        if stay_logged_in and self.clock.timestamp() - self.token_at > 250:
            self.authorise()


Start = Callable[..., RunningBol]


@pytest.fixture
def start_bol() -> Iterator[Start]:
    with ExitStack() as stack:

        def start(**overrides: Any) -> RunningBol:
            values: dict[str, Any] = {"seed": 11, "speed_factor": 1.0, "initial_orders": 0}
            settings = BolSimulatorSettings(**{**values, **overrides})
            clock = SimulatorClock(FIXED_NOW, frozen=True)
            app = create_app(settings, clock=clock)
            url = stack.enter_context(serve_in_background(app))
            client = stack.enter_context(httpx.Client(base_url=url, timeout=10))
            running = RunningBol(client, app.state.simulator, clock)
            running.authorise()
            return running

        yield start


@pytest.fixture
def bol(start_bol: Start) -> RunningBol:
    return start_bol()


# -- login and the media type ---------------------------------------------------------------


def test_login_grants_a_five_minute_bearer_token(start_bol: Start) -> None:
    running = start_bol()
    answer = running.login()
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 299
    assert running.login(secret="wrong").status_code == 401
    assert running.login(secret="wrong").json()["error"] == "invalid_client"
    assert running.login(grant_type="password").status_code == 400

    running.advance(300, stay_logged_in=False)
    expired = running.get("/retailer/orders")
    assert expired.status_code == 401
    assert expired.json()["detail"] == "Expired JWT."
    assert expired.headers["content-type"] == V10


def test_the_v10_media_type_is_required_both_ways(bol: RunningBol) -> None:
    refused = bol.client.get("/retailer/orders", headers={"accept": "application/json"})
    assert refused.status_code == 406
    assert refused.json()["type"] == "https://api.bol.com/problems"
    order = bol.new_order(1)
    item_id = order["orderItems"][0]["orderItemId"]
    plain_json = bol.client.post(
        "/retailer/shipments",
        json={"orderItems": [{"orderItemId": item_id}], "transport": {"transporterCode": "TNT"}},
    )
    assert plain_json.status_code == 415
    assert bol.get("/retailer/orders").headers["content-type"] == V10


# -- the order list and details -------------------------------------------------------------


def test_the_list_pages_by_fifty_newest_first_until_an_empty_page(bol: RunningBol) -> None:
    ids = bol.control("POST", "/_sandbox/orders", {"count": 60, "fulfilmentMethod": "FBR"})
    bol.simulator.throttle.reset()
    first = bol.get("/retailer/orders", page=1).json()["orders"]
    second = bol.get("/retailer/orders", page=2).json()["orders"]
    third = bol.get("/retailer/orders", page=3).json()["orders"]
    assert (len(first), len(second), third) == (50, 10, [])
    listed = [order["orderId"] for order in first + second]
    assert sorted(listed) == sorted(ids["orderIds"])
    placed = [order["orderPlacedDateTime"] for order in first + second]
    assert placed == sorted(placed, reverse=True)
    # bol writes Dutch local time: +01:00 in March.
    assert placed[0].endswith("+01:00")


def test_filters_by_status_and_by_the_latest_change(bol: RunningBol) -> None:
    shipped = bol.new_order(1)
    open_order = bol.new_order(2)
    item_id = shipped["orderItems"][0]["orderItemId"]
    accepted = bol.send(
        "POST",
        "/retailer/shipments",
        {"orderItems": [{"orderItemId": item_id}], "transport": {"transporterCode": "TNT"}},
    )
    assert accepted.status_code == 202
    bol.advance(3 * 3600)  # processing done; the first two list calls are long forgotten

    def listed(**params: Any) -> set[str]:
        bol.simulator.throttle.reset()
        response = bol.get("/retailer/orders", **params)
        assert response.status_code == 200, response.text
        return {order["orderId"] for order in response.json()["orders"]}

    both = {shipped["orderId"], open_order["orderId"]}
    assert listed() == {open_order["orderId"]}  # OPEN by default
    assert listed(status="ALL") == both
    assert listed(status="SHIPPED") == {shipped["orderId"]}
    assert listed(status="ALL", **{"change-interval-minute": 60}) == set()
    assert listed(status="ALL", **{"latest-change-date": "2026-03-02"}) == both
    assert listed(status="ALL", **{"latest-change-date": "2026-03-01"}) == set()
    assert listed(status="ALL", **{"fulfilment-method": "FBB"}) == set()
    # A handled order leaves the plain list 48 hours after its last change.
    bol.advance(48 * 3600)
    assert listed(status="ALL") == {open_order["orderId"]}
    assert listed(status="ALL", **{"latest-change-date": "2026-03-02"}) == both


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"page": 0}, "page"),
        ({"status": "CLOSED"}, "status"),
        ({"fulfilment-method": "XYZ"}, "fulfilment-method"),
        ({"change-interval-minute": 61}, "change-interval-minute"),
        ({"latest-change-date": "2025-11-01"}, "latest-change-date"),
        ({"latest-change-date": "02-03-2026"}, "latest-change-date"),
    ],
)
def test_a_bad_list_parameter_is_a_problem_naming_it(
    bol: RunningBol, params: dict[str, Any], name: str
) -> None:
    refused = bol.get("/retailer/orders", **params)
    assert refused.status_code == 400
    body = refused.json()
    assert body["status"] == 400 and [v["name"] for v in body["violations"]] == [name]


def test_details_carry_prices_and_addresses_and_404_for_an_unknown_order(
    bol: RunningBol,
) -> None:
    order = bol.new_order(3)
    item = order["orderItems"][0]
    assert item["quantity"] == 3 and item["unitPrice"] == 10 and item["totalPrice"] == 30
    assert bol.get(f"/retailer/orders/{order['orderId']}").text.count('"unitPrice":10.00') == 1
    assert order["shipmentDetails"]["countryCode"] in ("NL", "BE")
    missing = bol.get("/retailer/orders/NOPE")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Order NOPE could not be found."


# -- writes and their process statuses ------------------------------------------------------


def _ship(bol: RunningBol, item_id: str, quantity: int | None = None, **extra: Any) -> Any:
    line: dict[str, Any] = {"orderItemId": item_id}
    if quantity is not None:
        line["quantity"] = quantity
    body = {"orderItems": [line], "transport": {"transporterCode": "TNT"}, **extra}
    return bol.send("POST", "/retailer/shipments", body)


def test_a_shipment_is_pending_then_applied(bol: RunningBol) -> None:
    order = bol.new_order(2)
    item_id = order["orderItems"][0]["orderItemId"]
    accepted = _ship(
        bol,
        item_id,
        1,
        shipmentReference="OB-1",
        transport={"transporterCode": "TNT", "trackAndTrace": "3SBOL0987654321"},
    )
    assert accepted.status_code == 202
    status = accepted.json()
    assert (status["status"], status["eventType"], status["entityId"]) == (
        "PENDING",
        "CREATE_SHIPMENT",
        item_id,
    )
    assert bol.get(f"/shared/process-status/{status['processStatusId']}").json()["status"] == (
        "PENDING"
    )

    bol.advance(bol.settings.processing_seconds)
    done = bol.get(f"/shared/process-status/{status['processStatusId']}").json()
    assert done["status"] == "SUCCESS"
    shown = bol.control("GET", f"/_sandbox/orders/{order['orderId']}")
    assert shown["order"]["orderItems"][0]["quantityShipped"] == 1
    (shipment,) = shown["shipments"]
    assert shipment["shipmentReference"] == "OB-1"
    assert shipment["transport"]["trackAndTrace"] == "3SBOL0987654321"
    listed = bol.get("/retailer/shipments", **{"order-id": order["orderId"]}).json()
    assert [s["shipmentReference"] for s in listed["shipments"]] == ["OB-1"]


def test_bol_refuses_impossible_writes_while_processing(bol: RunningBol) -> None:
    order = bol.new_order(1, 2)
    first, second = (item["orderItemId"] for item in order["orderItems"])
    cancel = {"action": "CANCEL", "orderItemIds": [first]}
    bol.control("POST", f"/_sandbox/orders/{order['orderId']}/status", cancel)
    cancelled = _ship(bol, first).json()
    too_many = _ship(bol, second, 3).json()
    bol.advance(bol.settings.processing_seconds)

    def outcome(status: dict[str, Any]) -> tuple[str, str]:
        body = bol.get(f"/shared/process-status/{status['processStatusId']}").json()
        return body["status"], body.get("errorMessage", "")

    assert outcome(cancelled) == (
        "FAILURE",
        f"Order item {first} has been cancelled and cannot be shipped.",
    )
    assert outcome(too_many) == (
        "FAILURE",
        f"The quantity to ship (3) for order item {second} exceeds the open quantity (2).",
    )
    assert bol.control("GET", f"/_sandbox/orders/{order['orderId']}")["shipments"] == []


def test_cancellation_of_one_item_and_of_a_shipped_one(bol: RunningBol) -> None:
    order = bol.new_order(2, 1)
    first, second = (item["orderItemId"] for item in order["orderItems"])
    _ship(bol, second)
    bol.advance(bol.settings.processing_seconds)

    def cancel(item_id: str, reason: str = "OUT_OF_STOCK") -> dict[str, Any]:
        body = {"orderItems": [{"orderItemId": item_id, "reasonCode": reason}]}
        response = bol.send("PUT", "/retailer/orders/cancellation", body)
        assert response.status_code == 202, response.text
        answer: dict[str, Any] = response.json()
        return answer

    ok, shipped = cancel(first), cancel(second)
    assert ok["eventType"] == "CANCEL_ORDER"
    bol.advance(bol.settings.processing_seconds)
    bulk = bol.send(
        "POST",
        "/shared/process-status",
        {
            "processStatusQueries": [
                {"processStatusId": s["processStatusId"]} for s in (ok, shipped)
            ]
        },
    ).json()["processStatuses"]
    assert [s["status"] for s in bulk] == ["SUCCESS", "FAILURE"]
    assert bulk[1]["errorMessage"] == (
        f"Order item {second} has already been shipped and cannot be cancelled."
    )
    shown = bol.control("GET", f"/_sandbox/orders/{order['orderId']}")
    assert shown["order"]["orderItems"][0]["quantityCancelled"] == 2
    assert shown["cancellations"][0]["reasonCode"] == "OUT_OF_STOCK"
    by_entity = bol.get(
        "/shared/process-status", **{"entity-id": first, "event-type": "CANCEL_ORDER"}
    ).json()["processStatuses"]
    assert [s["processStatusId"] for s in by_entity] == [ok["processStatusId"]]


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"orderItems": []}, "orderItems"),
        (
            {
                "orderItems": [{"orderItemId": "1", "quantity": 0}],
                "transport": {"transporterCode": "TNT"},
            },
            "orderItems[0].quantity",
        ),
        ({"orderItems": [{"orderItemId": "1"}]}, "transport"),
        (
            {"orderItems": [{"orderItemId": "1"}], "transport": {"transporterCode": "POSTNL"}},
            "transport.transporterCode",
        ),
        (
            {
                "orderItems": [{"orderItemId": "1"}],
                "transport": {"transporterCode": "TNT"},
                "shipmentReference": "",
            },
            "shipmentReference",
        ),
    ],
)
def test_a_malformed_shipment_is_a_400_naming_the_field(
    bol: RunningBol, body: dict[str, Any], name: str
) -> None:
    refused = bol.send("POST", "/retailer/shipments", body)
    assert refused.status_code == 400
    assert name in [v["name"] for v in refused.json()["violations"]]


def test_a_cancellation_takes_one_item_with_a_known_reason(bol: RunningBol) -> None:
    two = {"orderItems": [{"orderItemId": "1", "reasonCode": "OTHER"}] * 2}
    assert bol.send("PUT", "/retailer/orders/cancellation", two).status_code == 400
    odd = {"orderItems": [{"orderItemId": "1", "reasonCode": "BORED"}]}
    refused = bol.send("PUT", "/retailer/orders/cancellation", odd)
    assert refused.status_code == 400
    assert "allowed values: OUT_OF_STOCK" in refused.json()["violations"][0]["reason"]


def test_a_finished_process_status_expires(start_bol: Start) -> None:
    bol = start_bol(process_status_retention_seconds=3600)
    order = bol.new_order(1)
    status = _ship(bol, order["orderItems"][0]["orderItemId"]).json()
    bol.advance(bol.settings.processing_seconds + 1800)
    path = f"/shared/process-status/{status['processStatusId']}"
    assert bol.get(path).json()["status"] == "SUCCESS"
    bol.advance(3600)
    assert bol.get(path).status_code == 404


# -- budgets, faults and the demo paths -----------------------------------------------------


def test_the_order_list_allows_seven_calls_per_three_minutes(bol: RunningBol) -> None:
    answers = [bol.get("/retailer/orders") for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 7 + [429]
    assert answers[0].headers["x-ratelimit-limit"] == "7"
    assert answers[0].headers["x-ratelimit-remaining"] == "6"
    assert answers[6].headers["x-ratelimit-remaining"] == "0"
    assert answers[7].headers["retry-after"] == "180"
    assert answers[7].json()["status"] == 429
    bol.advance(180)
    assert bol.get("/retailer/orders").status_code == 200


def test_a_lost_write_answer_is_still_processed(bol: RunningBol) -> None:
    order = bol.new_order(1)
    faults = bol.control("PUT", "/_sandbox/faults", {"lose_write_responses": 1})
    assert faults["lose_write_responses"] == 1
    lost = _ship(bol, order["orderItems"][0]["orderItemId"], shipmentReference="OB-9")
    assert lost.status_code == 500
    bol.advance(bol.settings.processing_seconds)
    shown = bol.control("GET", f"/_sandbox/orders/{order['orderId']}")
    assert [s["shipmentReference"] for s in shown["shipments"]] == ["OB-9"]
    stats = bol.control("GET", "/_sandbox/stats")
    assert stats["lostWriteResponses"] == {"create-shipment": 1}
    assert stats["calls"]["create-shipment"] == {"500": 1}


def test_injected_server_errors(bol: RunningBol) -> None:
    bol.control("POST", "/_sandbox/faults", {"fault_rate_503": 1.0})
    failed = bol.get("/retailer/orders")
    assert failed.status_code == 503 and failed.json()["status"] == 503
    bol.control("POST", "/_sandbox/faults", {"fault_rate_503": 0.0})
    assert bol.get("/retailer/orders").status_code == 200


def test_the_demo_paths_serve_the_same_api(bol: RunningBol) -> None:
    order = bol.new_order(1)
    assert bol.get(f"/retailer-demo/orders/{order['orderId']}").json() == order
    status = bol.send(
        "POST",
        "/retailer-demo/shipments",
        {
            "orderItems": [{"orderItemId": order["orderItems"][0]["orderItemId"]}],
            "transport": {"transporterCode": "TNT"},
        },
    ).json()
    assert bol.get(f"/shared-demo/process-status/{status['processStatusId']}").status_code == 200


# -- control API and generator --------------------------------------------------------------


def test_the_customer_asks_to_cancel_then_cancels(bol: RunningBol) -> None:
    order = bol.new_order(1, 1)
    first = order["orderItems"][0]["orderItemId"]
    path = f"/_sandbox/orders/{order['orderId']}/status"
    asked = bol.control("POST", path, {"action": "REQUEST_CANCELLATION", "orderItemIds": [first]})
    assert asked["orderItemIds"] == [first]
    shown = bol.get(f"/retailer/orders/{order['orderId']}").json()["orderItems"]
    assert shown[0]["cancellationRequest"] is True and shown[0]["quantityCancelled"] == 0
    bol.control("POST", path, {"action": "CANCEL"})
    shown = bol.get(f"/retailer/orders/{order['orderId']}").json()["orderItems"]
    assert [item["quantityCancelled"] for item in shown] == [1, 1]
    assert bol.client.post(path, json={"action": "CANCEL"}).status_code == 409


def test_generated_history_is_seeded_and_dutch(start_bol: Start) -> None:
    one = start_bol(seed=5, initial_orders=40, speed_factor=0)
    two = start_bol(seed=5, initial_orders=40, speed_factor=0)
    orders_one = [o.order_id for o in one.simulator.store.orders()]
    assert orders_one == [o.order_id for o in two.simulator.store.orders()]
    orders = list(one.simulator.store.orders())
    for order in orders:
        details = order.shipment_details
        if details["countryCode"] == "NL":
            assert len(details["zipCode"]) == 6 and details["zipCode"][4:].isalpha()
        else:
            assert len(details["zipCode"]) == 4 and details["zipCode"].isdigit()
    eans = {offer.ean for offer in CATALOGUE}
    assert all(item.ean in eans for order in orders for item in order.items)
    states = {item.fulfilment_status for order in orders for item in order.items}
    assert states == {"OPEN", "HANDLED"}
    assert one.control("POST", "/_sandbox/reset", {"orders": 3}) == {"orders": 3}


def test_clock_control(bol: RunningBol) -> None:
    assert bol.control("GET", "/_sandbox/clock") == {"now": "2026-03-02T12:00:00Z", "frozen": True}
    moved = bol.control("POST", "/_sandbox/clock", {"advance_seconds": 60})
    assert moved["now"] == "2026-03-02T12:01:00Z"
    assert date.fromisoformat(moved["now"][:10]) == FIXED_NOW.date()
    assert bol.get("/retailer/orders").headers["date"] == "Mon, 02 Mar 2026 12:01:00 GMT"
    assert timedelta(seconds=60) == datetime.fromisoformat(moved["now"]) - FIXED_NOW
