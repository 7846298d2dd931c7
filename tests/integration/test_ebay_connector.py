"""The eBay connector against the eBay simulator over real sockets: reading, throttling,
tokens, every write, and retries after lost answers that must not duplicate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.ebay import EbayConnector, EbaySettings
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
from orderbridge.sandbox.ebay import (
    EbaySimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01, rate_limit_waits=50)
UPS = "1Z999AA10123456784"


@dataclass
class Sandbox:
    url: str
    settings: EbaySimulatorSettings
    control: httpx.AsyncClient

    def connector(self, scale: float = 1000.0, **options: Any) -> EbayConnector:
        s = self.settings
        credentials = {
            "client_id": s.client_id,
            "client_secret": s.client_secret,
            "refresh_token": s.refresh_token,
            **options.pop("credentials", {}),
        }
        settings = EbaySettings.parse(
            credentials, {"base_url": self.url, "rate_limit_scale": scale, **options}
        )
        return EbayConnector(settings, retry=FAST_RETRY)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        response = await self.control.post(path, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def new_order(self, **partial: Any) -> dict[str, Any]:
        (order_id,) = (await self.post("/_sandbox/orders", {"order": partial}))["orderIds"]
        return await self.order(order_id)

    async def order(self, order_id: str) -> dict[str, Any]:
        response = await self.control.get(f"/_sandbox/orders/{order_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def calls(self, operation: str) -> dict[str, int]:
        stats = (await self.control.get("/_sandbox/stats")).json()
        counts: dict[str, int] = stats["calls"].get(operation, {})
        return counts


@pytest.fixture
async def sandbox_factory() -> AsyncIterator[Any]:
    with ExitStack() as stack:
        clients: list[httpx.AsyncClient] = []

        def start(*, frozen: bool = True, **overrides: Any) -> Sandbox:
            values: dict[str, Any] = {"seed": 5, "speed_factor": 0, "initial_orders": 0}
            values.update(overrides)
            settings = EbaySimulatorSettings(**values)
            clock = SimulatorClock(START, frozen=True) if frozen else SimulatorClock()
            url = stack.enter_context(serve_in_background(create_app(settings, clock=clock)))
            control = httpx.AsyncClient(base_url=url, timeout=10)
            clients.append(control)
            return Sandbox(url, settings, control)

        yield start
        for client in clients:
            await client.aclose()


@pytest.fixture
def sandbox(sandbox_factory: Any) -> Sandbox:
    sim: Sandbox = sandbox_factory()
    return sim


@pytest.fixture
async def connector(sandbox: Sandbox) -> AsyncIterator[EbayConnector]:
    built = sandbox.connector()
    yield built
    await built.aclose()


def line_ids(order: dict[str, Any]) -> list[str]:
    return [line["lineItemId"] for line in order["order"]["lineItems"]]


def shipment(order: dict[str, Any], lines: list[tuple[str, int]], **changes: Any) -> ShipmentUpdate:
    values: dict[str, Any] = {
        "reference": "17",
        "order_external_id": order["order"]["orderId"],
        "marketplace_id": "EBAY_US",
        "lines": tuple(UpdateLine(line_id, quantity) for line_id, quantity in lines),
        "shipped_at": START - timedelta(hours=1),
        "carrier_code": "UPS",
        "carrier_name": None,
        "tracking_number": UPS,
        "shipping_method": None,
    }
    values.update(changes)
    return ShipmentUpdate(**values)


def cancellation(order: dict[str, Any], *, whole: bool = True) -> CancellationUpdate:
    return CancellationUpdate(
        reference="orderbridge-cancel-4",
        order_external_id=order["order"]["orderId"],
        marketplace_id="EBAY_US",
        reason=CancelReason.OUT_OF_STOCK,
        whole_order=whole,
        lines=tuple(UpdateLine(line_id, 1) for line_id in line_ids(order)),
    )


def refund(order: dict[str, Any], item: str = "10.00") -> RefundUpdate:
    return RefundUpdate(
        reference="orderbridge-refund-9",
        order_external_id=order["order"]["orderId"],
        marketplace_id="EBAY_DE",
        currency="EUR",
        reason=RefundReason.CUSTOMER_RETURN,
        lines=(RefundLine(line_ids(order)[0], 1, Decimal(item), Decimal("0"), Decimal("0")),),
    )


async def test_reading_walks_every_page_of_a_window(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    created = set((await sandbox.post("/_sandbox/orders", {"count": 450}))["orderIds"])
    await sandbox.post("/_sandbox/clock", {"advance_seconds": 300})
    now = await connector.marketplace_now()
    assert abs(now - (START + timedelta(seconds=300))) < timedelta(seconds=5)
    seen: list[str] = []
    async for page in connector.read_orders(
        ReadWindow(now - timedelta(hours=1), now - timedelta(minutes=2))
    ):
        assert not page.problems
        seen.extend(snapshot.external_id for snapshot in page.snapshots)
    assert sorted(seen) == sorted(created)
    assert await sandbox.calls("getOrders") == {"200": 3}


async def test_a_window_before_the_changes_reads_nothing(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    await sandbox.post("/_sandbox/orders", {"count": 3})
    before = ReadWindow(START - timedelta(days=1), START - timedelta(minutes=1))
    pages = [page async for page in connector.read_orders(before)]
    assert [len(page.snapshots) for page in pages] == [0]


async def test_a_429_is_waited_out_and_the_read_completes(sandbox_factory: Any) -> None:
    sim = sandbox_factory(frozen=False, speed_factor=40, initial_orders=20)
    connector = sim.connector(scale=40)
    try:
        # Time runs for the buckets to refill; orders touched up to now are five minutes old.
        await sim.post("/_sandbox/clock", {"advance_seconds": 300})
        await sim.post("/_sandbox/faults", {"drain": ["getOrders"]})
        now = await connector.marketplace_now()
        window = ReadWindow(now - timedelta(days=31), now - timedelta(minutes=2))
        snapshots = [s async for page in connector.read_orders(window) for s in page.snapshots]
    finally:
        await connector.aclose()
    assert len(snapshots) == 20
    calls = await sim.calls("getOrders")
    assert calls["429"] >= 1 and calls["200"] == 1


async def test_the_token_is_reused_and_renewed_when_ebay_refuses_it(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    order = await sandbox.new_order()
    for _ in range(3):
        await connector.get_order(order["order"]["orderId"])
    assert await sandbox.calls("oauthToken") == {"200": 1}
    # Two hours later eBay no longer takes the token; the connector mints a new one.
    await sandbox.post("/_sandbox/clock", {"advance_seconds": 7300})
    snapshot = await connector.get_order(order["order"]["orderId"])
    assert snapshot.external_id == order["order"]["orderId"]
    assert await sandbox.calls("oauthToken") == {"200": 2}
    assert (await sandbox.calls("getOrder"))["401"] == 1


async def test_wrong_credentials_and_unknown_orders_are_classified(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    wrong = sandbox.connector(credentials={"client_secret": "PRD-not-the-secret"})
    try:
        with pytest.raises(ConfigurationError, match="client id or client secret"):
            await wrong.check()
    finally:
        await wrong.aclose()
    await connector.check()
    with pytest.raises(ItemProblem, match="01-00000-00000"):
        await connector.get_order("01-00000-00000")


async def test_shipments_with_and_without_tracking(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    order = await sandbox.new_order(lineItems=[{"quantity": 2}, {"quantity": 1}])
    first, second = line_ids(order)
    applied = await connector.push_update(shipment(order, [(first, 1)]), retry=False)
    assert applied == Applied(detail=UPS)
    snapshot = await connector.get_order(order["order"]["orderId"])
    # eBay marks the line fulfilled with its first unit; the fulfillments tell the truth.
    assert [line.quantity_shipped for line in snapshot.lines] == [1, 0]
    assert snapshot.status is OrderStatus.PARTIALLY_SHIPPED
    rest = shipment(order, [(first, 1), (second, 1)], tracking_number=None, carrier_code=None)
    assert await connector.push_update(rest, retry=False) == Applied(detail="999")
    held = (await sandbox.order(order["order"]["orderId"]))["fulfillments"]
    assert [f.get("shipmentTrackingNumber") for f in held] == [UPS, None]
    snapshot = await connector.get_order(order["order"]["orderId"])
    assert snapshot.status is OrderStatus.SHIPPED
    assert [line.quantity_shipped for line in snapshot.lines] == [2, 1]


async def test_a_lost_shipment_answer_then_retry_does_not_ship_twice(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    order = await sandbox.new_order(lineItems=[{"quantity": 3}])
    (line,) = line_ids(order)
    for tracking in (UPS, None):
        update = shipment(order, [(line, 1)], tracking_number=tracking)
        await sandbox.post("/_sandbox/faults", {"lose_write_responses": 1})
        with pytest.raises(TransientError):
            await connector.push_update(update, retry=False)
        outcome = await connector.push_update(update, retry=True)
        assert isinstance(outcome, Applied) and outcome.already
    held = (await sandbox.order(order["order"]["orderId"]))["fulfillments"]
    assert len(held) == 2
    assert await sandbox.calls("createShippingFulfillment") == {"500": 2}


async def test_a_refund_is_followed_until_ebay_settles_it(sandbox_factory: Any) -> None:
    sim = sandbox_factory(speed_factor=1, refund_processing_seconds=120)
    connector = sim.connector()
    try:
        order = await sim.new_order(marketplaceId="EBAY_DE", lineItems=[{"quantity": 2}])
        outcome = await connector.push_update(refund(order), retry=False)
        assert isinstance(outcome, Submitted)
        assert outcome.check_after == timedelta(minutes=1) / 1000
        again = await connector.check_update(refund(order), outcome.handle)
        assert isinstance(again, Submitted) and again.handle == outcome.handle
        await sim.post("/_sandbox/clock", {"advance_seconds": 121})
        done = await connector.check_update(refund(order), outcome.handle)
        assert done == Applied(detail=outcome.handle)
        (held,) = (await sim.order(order["order"]["orderId"]))["refunds"]
        assert held["reasonForRefund"] == "BUYER_RETURN"
        assert held["comment"] == "orderbridge orderbridge-refund-9"
    finally:
        await connector.aclose()


async def test_a_failed_refund_is_ebays_refusal(sandbox: Sandbox, connector: EbayConnector) -> None:
    order = await sandbox.new_order(marketplaceId="EBAY_DE")
    await sandbox.post("/_sandbox/faults", {"fail_refunds": 1})
    outcome = await connector.push_update(refund(order, "1.00"), retry=False)
    assert isinstance(outcome, Submitted)
    with pytest.raises(PermanentError, match="FAILED"):
        await connector.check_update(refund(order, "1.00"), outcome.handle)


async def test_a_lost_refund_answer_then_retry_does_not_refund_twice(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    order = await sandbox.new_order(marketplaceId="EBAY_DE", lineItems=[{"quantity": 2}])
    await sandbox.post("/_sandbox/faults", {"lose_write_responses": 1})
    with pytest.raises(TransientError):
        await connector.push_update(refund(order), retry=False)
    outcome = await connector.push_update(refund(order), retry=True)
    assert isinstance(outcome, Applied) and outcome.already
    assert len((await sandbox.order(order["order"]["orderId"]))["refunds"]) == 1
    assert await sandbox.calls("issueRefund") == {"500": 1}


async def test_a_refund_of_a_fully_refunded_order_is_already_applied(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    order = await sandbox.new_order(marketplaceId="EBAY_DE")
    await sandbox.post(
        f"/_sandbox/orders/{order['order']['orderId']}/status", {"cancelState": "CANCELED"}
    )
    outcome = await connector.push_update(refund(order, "1.00"), retry=False)
    assert isinstance(outcome, Applied) and outcome.already
    assert "refunded already" in (outcome.detail or "")


async def test_a_whole_order_is_cancelled_through_the_post_order_api(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    order = await sandbox.new_order(lineItems=[{"quantity": 1}, {"quantity": 2}])
    outcome = await connector.push_update(cancellation(order), retry=False)
    assert isinstance(outcome, Applied) and not outcome.already
    held = await sandbox.order(order["order"]["orderId"])
    assert held["order"]["cancelStatus"]["cancelState"] == "CANCELED"
    (cancel,) = held["cancellations"]
    assert cancel["cancelReason"] == "OUT_OF_STOCK_OR_CANNOT_FULFILL"
    assert (cancel["requestorType"], cancel["cancelId"]) == ("SELLER", outcome.detail)
    snapshot = await connector.get_order(order["order"]["orderId"])
    assert snapshot.status is OrderStatus.CANCELED


async def test_a_slow_cancellation_is_submitted_then_checked(sandbox_factory: Any) -> None:
    sim = sandbox_factory(speed_factor=1, cancel_processing_seconds=60)
    connector = sim.connector()
    try:
        order = await sim.new_order()
        outcome = await connector.push_update(cancellation(order), retry=False)
        assert isinstance(outcome, Submitted)
        await sim.post("/_sandbox/clock", {"advance_seconds": 61})
        assert await connector.check_update(cancellation(order), outcome.handle) == Applied(
            detail=outcome.handle
        )
    finally:
        await connector.aclose()


async def test_a_lost_cancellation_answer_then_retry_asks_once(
    sandbox_factory: Any,
) -> None:
    sim = sandbox_factory(speed_factor=1, cancel_processing_seconds=60)
    connector = sim.connector()
    try:
        order = await sim.new_order()
        await sim.post("/_sandbox/faults", {"lose_write_responses": 1})
        with pytest.raises(TransientError):
            await connector.push_update(cancellation(order), retry=False)
        pending = await connector.push_update(cancellation(order), retry=True)
        assert isinstance(pending, Submitted)
        await sim.post("/_sandbox/clock", {"advance_seconds": 61})
        done = await connector.push_update(cancellation(order), retry=True)
        assert isinstance(done, Applied) and done.already
        assert len((await sim.order(order["order"]["orderId"]))["cancellations"]) == 1
        assert await sim.calls("createCancellation") == {"500": 1}
    finally:
        await connector.aclose()


async def test_cancellations_ebay_will_not_take_are_refused_with_the_reason(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    order = await sandbox.new_order(lineItems=[{"quantity": 1}, {"quantity": 1}])
    with pytest.raises(PermanentError, match="whole orders only"):
        await connector.push_update(cancellation(order, whole=False), retry=False)
    shipped = await sandbox.new_order(orderFulfillmentStatus="FULFILLED")
    with pytest.raises(PermanentError, match="ITEM_LEVEL_ELIGIBILITY_FAILURE"):
        await connector.push_update(cancellation(shipped), retry=False)


async def test_a_buyers_pending_request_is_approved(
    sandbox: Sandbox, connector: EbayConnector
) -> None:
    order = await sandbox.new_order()
    order_id = order["order"]["orderId"]
    await sandbox.post(f"/_sandbox/orders/{order_id}/status", {"cancelState": "IN_PROGRESS"})
    outcome = await connector.push_update(cancellation(order), retry=False)
    assert isinstance(outcome, Applied)
    (held,) = (await sandbox.order(order_id))["cancellations"]
    assert (held["requestorType"], held["cancelStatus"]) == ("BUYER", "CANCEL_CLOSED_WITH_REFUND")
    assert await sandbox.calls("approveCancellation") == {"200": 1}
    assert await sandbox.calls("createCancellation") == {}
