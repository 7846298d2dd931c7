"""The bol.com connector against the bol simulator, over real HTTP sockets."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.base import ConnectionConfig, ReadWindow
from orderbridge.marketplaces.bol import BolConnector, BolSettings, factory
from orderbridge.marketplaces.errors import (
    ConfigurationError,
    ItemProblem,
    PermanentError,
    TransientError,
)
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.marketplaces.updates import (
    Applied,
    CancellationUpdate,
    RefundLine,
    RefundUpdate,
    ShipmentUpdate,
    Submitted,
    UpdateLine,
)
from orderbridge.sandbox.bol import (
    BolSimulator,
    BolSimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)

SPEED = 10_000.0
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01, rate_limit_waits=50)
FROZEN_AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class RecordingTransport(httpx.AsyncBaseTransport):
    """Real sockets, with every request kept for the test to inspect."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Bol:
    url: str
    simulator: BolSimulator
    clock: SimulatorClock

    @property
    def settings(self) -> BolSimulatorSettings:
        return self.simulator.settings

    def credentials(self, **overrides: str) -> dict[str, str]:
        return {
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
            **overrides,
        }

    def options(self, **overrides: Any) -> dict[str, Any]:
        return {
            "base_url": self.url,
            "token_url": f"{self.url}/token",
            "rate_limit_scale": SPEED,
            "timeout_seconds": 10,
            **overrides,
        }

    def connector(
        self, *, transport: httpx.AsyncBaseTransport | None = None, **options: Any
    ) -> BolConnector:
        settings = BolSettings.parse(self.credentials(), self.options(**options))
        return BolConnector(settings, retry=FAST_RETRY, transport=transport)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            response = client.request(method, path, json=body)
        assert response.status_code < 300, response.text
        return response.json()

    def new_order(self, *quantities: int) -> str:
        items = [{"quantity": quantity, "unitPrice": "12.50"} for quantity in quantities]
        (order_id,) = self.control("POST", "/_sandbox/orders", {"order": {"orderItems": items}})[
            "orderIds"
        ]
        return str(order_id)

    def order(self, order_id: str) -> dict[str, Any]:
        shown: dict[str, Any] = self.control("GET", f"/_sandbox/orders/{order_id}")
        return shown

    def item_ids(self, order_id: str) -> list[str]:
        return [item["orderItemId"] for item in self.order(order_id)["order"]["orderItems"]]

    def calls(self, operation: str) -> dict[str, int]:
        counts: dict[str, int] = self.control("GET", "/_sandbox/stats")["calls"].get(operation, {})
        return counts

    def process(self) -> None:
        """Let every pending write finish (the clock moves past the processing time)."""
        self.clock.advance(self.settings.processing_seconds)


Start = Callable[..., Bol]


@pytest.fixture
def start_bol() -> Iterator[Start]:
    with ExitStack() as stack:

        def start(*, frozen: bool = True, **overrides: Any) -> Bol:
            # Frozen time cannot refill a budget: bol's limits are tested on their own.
            values: dict[str, Any] = {"seed": 3, "speed_factor": 0, "initial_orders": 0}
            settings = BolSimulatorSettings(**{**values, **overrides})
            clock = SimulatorClock(FROZEN_AT, frozen=True) if frozen else SimulatorClock()
            app = create_app(settings, clock=clock)
            url = stack.enter_context(serve_in_background(app))
            return Bol(url, app.state.simulator, clock)

        yield start


@pytest.fixture
def bol(start_bol: Start) -> Bol:
    return start_bol()


def shipment(
    order_id: str, lines: list[tuple[str, int]], reference: str = "41", **kw: Any
) -> ShipmentUpdate:
    values: dict[str, Any] = {
        "reference": reference,
        "order_external_id": order_id,
        "marketplace_id": None,
        "lines": tuple(UpdateLine(item, quantity) for item, quantity in lines),
        "shipped_at": FROZEN_AT,
        "carrier_code": "TNT",
        "carrier_name": None,
        "tracking_number": "3SBOL0987654321",
        "shipping_method": None,
    }
    values.update(kw)
    return ShipmentUpdate(**values)


def cancellation(
    order_id: str, lines: list[tuple[str, int]], reason: CancelReason = CancelReason.OUT_OF_STOCK
) -> CancellationUpdate:
    return CancellationUpdate(
        reference="orderbridge-cancel-7",
        order_external_id=order_id,
        marketplace_id=None,
        reason=reason,
        whole_order=False,
        lines=tuple(UpdateLine(item, quantity) for item, quantity in lines),
    )


# -- reading --------------------------------------------------------------------------------


async def test_reads_every_changed_order_with_its_details_once(bol: Bol) -> None:
    ids = bol.control("POST", "/_sandbox/orders", {"count": 120, "fulfilmentMethod": "FBR"})
    bol.clock.advance(300)
    connector = bol.connector()
    try:
        window = ReadWindow(FROZEN_AT - timedelta(minutes=1), FROZEN_AT + timedelta(minutes=1))
        snapshots = [s async for page in connector.read_orders(window) for s in page.snapshots]
    finally:
        await connector.aclose()

    assert sorted(s.external_id for s in snapshots) == sorted(ids["orderIds"])
    assert all(s.status is OrderStatus.UNSHIPPED and s.currency == "EUR" for s in snapshots)
    assert all(s.shipping_address and s.shipping_address.city for s in snapshots)
    assert bol.calls("get-order") == {"200": 120}
    # One interval page that was full, so the day list: 50 + 50 + 20, then the empty page.
    assert bol.calls("get-orders") == {"200": 5}
    assert bol.calls("token") == {"200": 1}


async def test_a_recent_window_costs_one_short_page_and_the_empty_one(bol: Bol) -> None:
    ids = bol.control("POST", "/_sandbox/orders", {"count": 3, "fulfilmentMethod": "FBR"})
    bol.clock.advance(180)
    transport = RecordingTransport()
    connector = bol.connector(transport=transport)
    try:
        window = ReadWindow(FROZEN_AT - timedelta(minutes=10), FROZEN_AT + timedelta(minutes=1))
        seen = [
            s.external_id async for page in connector.read_orders(window) for s in page.snapshots
        ]
    finally:
        await connector.aclose()

    assert sorted(seen) == sorted(ids["orderIds"])
    lists = [r for r in transport.requests if r.url.path == "/retailer/orders"]
    assert [r.url.params["page"] for r in lists] == ["1", "2"]
    assert all(r.url.params["change-interval-minute"] == "19" for r in lists)
    assert all(r.headers["accept"] == "application/vnd.retailer.v10+json" for r in lists)


async def test_a_catch_up_over_past_days_reads_the_generated_history(start_bol: Start) -> None:
    bol = start_bol(initial_orders=80)
    fbr = [
        order.order_id
        for order in bol.simulator.store.orders()
        if all(item.fulfilment_method == "FBR" for item in order.items)
    ]
    connector = bol.connector()
    seen: set[str] = set()
    try:
        lower = FROZEN_AT - timedelta(days=15)
        while lower < FROZEN_AT:
            upper = min(FROZEN_AT, lower + connector.capabilities.max_window)
            async for page in connector.read_orders(ReadWindow(lower, upper)):
                assert page.problems == []
                seen.update(s.external_id for s in page.snapshots)
            lower = upper
    finally:
        await connector.aclose()
    assert set(fbr) <= seen


async def test_waits_out_a_429_for_as_long_as_bol_says(start_bol: Start) -> None:
    bol = start_bol(speed_factor=100.0, frozen=False)  # the order list's window: 1.8 s
    bol.new_order(1)
    # Another program of this retailer spent the budget: the connector cannot know.
    token = bol.simulator.tokens.issue(bol.settings.client_id)
    with httpx.Client(base_url=bol.url) as client:
        for _ in range(7):
            client.get(
                "/retailer/orders",
                headers={
                    "authorization": f"Bearer {token}",
                    "accept": "application/vnd.retailer.v10+json",
                },
            )
    connector = bol.connector(rate_limit_scale=1000.0)
    try:
        now = await connector.marketplace_now()
        started = time.monotonic()
        window = ReadWindow(now - timedelta(minutes=10), now)
        pages = [page async for page in connector.read_orders(window)]
        waited = time.monotonic() - started
    finally:
        await connector.aclose()
    assert sum(len(page.snapshots) for page in pages) == 1
    assert bol.calls("get-orders")["429"] == 1
    assert waited >= 1.0  # most of bol's 1.8 s window was still to run


async def test_a_spent_budget_holds_the_connector_back_without_a_429(start_bol: Start) -> None:
    bol = start_bol(speed_factor=100.0, frozen=False)  # 7 list calls per 1.8 s
    # The connector's own bucket is far looser than bol's: only bol's headers can hold it.
    connector = bol.connector(rate_limit_scale=100_000.0)
    try:
        started = time.monotonic()
        for _ in range(8):
            await connector.check()
        waited = time.monotonic() - started
    finally:
        await connector.aclose()
    assert bol.calls("get-orders") == {"200": 8}
    assert waited >= 1.0


async def test_a_malformed_order_is_a_problem_and_the_read_goes_on(bol: Bol) -> None:
    broken, fine = bol.new_order(1), bol.new_order(1)
    bol.control("PUT", f"/_sandbox/orders/{broken}/override", {"orderItems": []})
    connector = bol.connector()
    try:
        window = ReadWindow(FROZEN_AT - timedelta(minutes=5), FROZEN_AT)
        pages = [page async for page in connector.read_orders(window)]
        with pytest.raises(ItemProblem, match="orderItems is empty"):
            await connector.get_order(broken)
        with pytest.raises(ItemProblem, match="not found"):
            await connector.get_order("A000000000")
    finally:
        await connector.aclose()
    assert [s.external_id for page in pages for s in page.snapshots] == [fine]
    (problem,) = [p for page in pages for p in page.problems]
    assert problem.external_id == broken and "orderItems is empty" in problem.message


async def test_check_proves_the_credentials(bol: Bol) -> None:
    good = bol.connector()
    wrong = BolConnector(
        BolSettings.parse(bol.credentials(client_secret="nope"), bol.options()), retry=FAST_RETRY
    )
    try:
        await good.check()
        with pytest.raises(ConfigurationError, match="API client id or secret"):
            await wrong.check()
    finally:
        await good.aclose()
        await wrong.aclose()


def test_the_factory_validates_settings() -> None:
    with pytest.raises(ConfigurationError, match="client_secret"):
        factory.validate_settings({"client_id": "x"}, {})
    with pytest.raises(ConfigurationError, match="fulfilment_method"):
        factory.validate_settings(
            {"client_id": "x", "client_secret": "y"}, {"fulfilment_method": "X"}
        )
    connector = factory(
        ConnectionConfig(1, "bol-nl", {"client_id": "x", "client_secret": "y"}, {"demo": True})
    )
    assert connector.client.retailer("/orders") == "/retailer-demo/orders"
    assert "refund" not in connector.capabilities.operations


# -- shipments ------------------------------------------------------------------------------


async def test_a_shipment_goes_through_its_process_status_to_applied(bol: Bol) -> None:
    order_id = bol.new_order(2)
    (item,) = bol.item_ids(order_id)
    transport = RecordingTransport()
    connector = bol.connector(transport=transport)
    try:
        update = shipment(order_id, [(item, 1)])
        submitted = await connector.push_update(update, retry=False)
        assert isinstance(submitted, Submitted)
        assert await connector.check_update(update, submitted.handle) == Submitted(
            submitted.handle, submitted.check_after * 2
        )
        bol.process()
        applied = await connector.check_update(update, submitted.handle)
    finally:
        await connector.aclose()

    assert isinstance(applied, Applied) and not applied.already
    shown = bol.order(order_id)
    assert shown["order"]["orderItems"][0]["quantityShipped"] == 1
    (sent,) = shown["shipments"]
    assert sent["shipmentReference"] == "41"
    assert sent["transport"] == {
        "transportId": sent["transport"]["transportId"],
        "transporterCode": "TNT",
        "trackAndTrace": "3SBOL0987654321",
    }
    (post,) = [r for r in transport.requests if r.url.path == "/retailer/shipments"]
    assert post.headers["content-type"] == "application/vnd.retailer.v10+json"


async def test_bols_refusal_carries_its_message(bol: Bol) -> None:
    order_id = bol.new_order(1)
    (item,) = bol.item_ids(order_id)
    bol.control("POST", f"/_sandbox/orders/{order_id}/status", {"action": "CANCEL"})
    connector = bol.connector()
    try:
        update = shipment(order_id, [(item, 1)])
        submitted = await connector.push_update(update, retry=False)
        assert isinstance(submitted, Submitted)
        bol.process()
        with pytest.raises(PermanentError) as refused:
            await connector.check_update(update, submitted.handle)
    finally:
        await connector.aclose()
    assert f"Order item {item} has been cancelled and cannot be shipped." in refused.value.message
    assert "refused shipment 41" in refused.value.message


async def test_a_lost_answer_then_a_retry_ships_once(bol: Bol) -> None:
    order_id = bol.new_order(1)
    (item,) = bol.item_ids(order_id)
    bol.control("PUT", "/_sandbox/faults", {"lose_write_responses": 1})
    connector = bol.connector()
    try:
        update = shipment(order_id, [(item, 1)])
        with pytest.raises(TransientError):
            await connector.push_update(update, retry=False)
        # bol is still processing when the retry comes: it follows that, not a new shipment.
        pending = await connector.push_update(update, retry=True)
        assert isinstance(pending, Submitted)
        bol.process()
        assert isinstance(await connector.check_update(update, pending.handle), Applied)
        # And once bol holds the shipment, a further retry finds it by its reference.
        again = await connector.push_update(update, retry=True)
    finally:
        await connector.aclose()
    assert isinstance(again, Applied) and again.already
    assert "with reference 41" in (again.detail or "")
    assert len(bol.order(order_id)["shipments"]) == 1
    assert bol.calls("create-shipment") == {"500": 1}


async def test_a_repeat_bol_refuses_after_the_first_went_through_is_no_failure(bol: Bol) -> None:
    order_id = bol.new_order(1)
    (item,) = bol.item_ids(order_id)
    connector = bol.connector()
    try:
        update = shipment(order_id, [(item, 1)])
        first = await connector.push_update(update, retry=False)
        repeat = await connector.push_update(update, retry=False)
        assert isinstance(first, Submitted) and isinstance(repeat, Submitted)
        bol.process()
        assert isinstance(await connector.check_update(update, first.handle), Applied)
        outcome = await connector.check_update(update, repeat.handle)
    finally:
        await connector.aclose()
    assert isinstance(outcome, Applied) and outcome.already
    statuses = [s["status"] for s in bol.order(order_id)["processStatuses"]]
    assert sorted(statuses) == ["FAILURE", "SUCCESS"]
    assert len(bol.order(order_id)["shipments"]) == 1


async def test_an_expired_process_status_is_decided_from_bols_shipments(start_bol: Start) -> None:
    bol = start_bol(process_status_retention_seconds=60)
    order_id = bol.new_order(1)
    (item,) = bol.item_ids(order_id)
    connector = bol.connector()
    try:
        update = shipment(order_id, [(item, 1)])
        submitted = await connector.push_update(update, retry=False)
        assert isinstance(submitted, Submitted)
        bol.process()
        bol.clock.advance(3600)
        bol.control("POST", "/_sandbox/orders", {"count": 1})  # settles and expires
        outcome = await connector.check_update(update, submitted.handle)
    finally:
        await connector.aclose()
    assert isinstance(outcome, Applied) and "reference 41" in (outcome.detail or "")
    assert bol.calls("get-process-status")["404"] == 1
    # The hour also outlived the five-minute token: bol said 401, one new token was fetched.
    assert bol.calls("token") == {"200": 2}


async def test_without_a_carrier_the_transport_is_other_without_tracking(bol: Bol) -> None:
    order_id = bol.new_order(1)
    (item,) = bol.item_ids(order_id)
    connector = bol.connector()
    try:
        update = shipment(order_id, [(item, 1)], carrier_code=None, tracking_number=None)
        await connector.push_update(update, retry=False)
        bol.process()
    finally:
        await connector.aclose()
    (sent,) = bol.order(order_id)["shipments"]
    assert sent["transport"]["transporterCode"] == "OTHER"
    assert sent["transport"]["trackAndTrace"] is None


# -- cancellations and refunds -------------------------------------------------------------


async def test_cancelling_two_items_follows_both_process_statuses(bol: Bol) -> None:
    order_id = bol.new_order(1, 2, 1)
    first, second, third = bol.item_ids(order_id)
    bol.control(
        "POST",
        f"/_sandbox/orders/{order_id}/status",
        {"action": "REQUEST_CANCELLATION", "orderItemIds": [second]},
    )
    connector = bol.connector()
    try:
        update = cancellation(order_id, [(first, 1), (second, 2)])
        submitted = await connector.push_update(update, retry=False)
        assert isinstance(submitted, Submitted)
        assert isinstance(await connector.check_update(update, submitted.handle), Submitted)
        bol.process()
        applied = await connector.check_update(update, submitted.handle)
        repeated = await connector.push_update(update, retry=True)
    finally:
        await connector.aclose()
    assert isinstance(applied, Applied)
    assert isinstance(repeated, Applied) and repeated.already
    shown = bol.order(order_id)
    cancelled = {c["orderItemId"]: c["reasonCode"] for c in shown["cancellations"]}
    # The customer asked for the second item: bol hears that, whatever the OMS said.
    assert cancelled == {first: "OUT_OF_STOCK", second: "REQUESTED_BY_CUSTOMER"}
    assert [i["quantityCancelled"] for i in shown["order"]["orderItems"]] == [1, 2, 0]
    assert bol.calls("cancel-order-item") == {"202": 2}
    assert third not in cancelled


async def test_a_cancellation_of_fewer_units_than_open_is_refused_before_sending(bol: Bol) -> None:
    order_id = bol.new_order(3)
    (item,) = bol.item_ids(order_id)
    connector = bol.connector()
    try:
        with pytest.raises(PermanentError, match="all open units of an order item at once"):
            await connector.push_update(cancellation(order_id, [(item, 1)]), retry=False)
    finally:
        await connector.aclose()
    assert bol.calls("cancel-order-item") == {}


async def test_a_lost_cancellation_answer_is_not_sent_twice(bol: Bol) -> None:
    order_id = bol.new_order(1)
    (item,) = bol.item_ids(order_id)
    bol.control("PUT", "/_sandbox/faults", {"lose_write_responses": 1})
    connector = bol.connector()
    try:
        update = cancellation(order_id, [(item, 1)])
        with pytest.raises(TransientError):
            await connector.push_update(update, retry=False)
        bol.process()
        outcome = await connector.push_update(update, retry=True)
    finally:
        await connector.aclose()
    assert isinstance(outcome, Applied) and outcome.already
    assert len(bol.order(order_id)["cancellations"]) == 1


async def test_a_refund_is_refused_with_why(bol: Bol) -> None:
    connector = bol.connector()
    refund = RefundUpdate(
        reference="orderbridge-refund-1",
        order_external_id="A1",
        marketplace_id=None,
        currency="EUR",
        reason=RefundReason.DAMAGED,
        lines=(RefundLine("1", 1, item=Decimal("1"), shipping=Decimal(0), tax=Decimal(0)),),
    )
    try:
        with pytest.raises(PermanentError, match="no refund call"):
            await connector.push_update(refund, retry=False)
    finally:
        await connector.aclose()
