"""Shipments, cancellations and refunds sent to the Amazon simulator over real HTTP sockets.

Each test places its own merchant-fulfilled order through the simulator's control API,
sends updates through the connector exactly as the core does, and then looks at the
order the way a seller would: through getOrder, or through the control API for refunds
(the Orders API has no field for them).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.amazon import AmazonConnector
from orderbridge.marketplaces.amazon.feed_results import FeedRejected
from orderbridge.marketplaces.errors import ErrorClass, TransientError
from orderbridge.marketplaces.updates import (
    Applied,
    CancellationUpdate,
    MarketplaceUpdate,
    RefundLine,
    RefundUpdate,
    ShipmentUpdate,
    Submitted,
    UpdateLine,
    UpdateOutcome,
)
from tests.integration.amazon_simulator import SimulatorFactory, SimulatorHandle, amazon_simulator

__all__ = ["amazon_simulator"]  # the fixture, imported so pytest finds it here

GERMANY = "A1PA6795UKMFR9"
MUG = "11110000000001"
TEAPOT = "11110000000002"
# Enough checks for any feed of the sped-up simulator to finish; each waits check_after.
MAX_CHECKS = 50


async def place_order(sim: SimulatorHandle, **quantities: int) -> str:
    """One unshipped, merchant-fulfilled German order; ``mug=2, teapot=1`` names its items."""
    items = {"mug": (MUG, "20.00"), "teapot": (TEAPOT, "35.50")}
    order = {
        "salesChannel": {"marketplaceId": GERMANY},
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
        "orderItems": [
            {
                "orderItemId": items[name][0],
                "quantityOrdered": quantity,
                "product": {
                    "sellerSku": f"TEST-{name.upper()}",
                    "price": {"unitPrice": {"amount": items[name][1], "currencyCode": "EUR"}},
                },
            }
            for name, quantity in quantities.items()
        ],
    }
    answer = await sim.control("POST", "/_sandbox/orders", {"order": order})
    order_id: str = answer["orderIds"][0]
    return order_id


def connector_for(sim: SimulatorHandle) -> AmazonConnector:
    return sim.connector(options=sim.options(seller_id=sim.settings.seller_id))


def shipment(
    order_id: str, reference: str, *lines: tuple[str, int], **changes: Any
) -> ShipmentUpdate:
    values: dict[str, Any] = {
        "reference": reference,
        "order_external_id": order_id,
        "marketplace_id": GERMANY,
        "lines": tuple(UpdateLine(line, quantity) for line, quantity in lines),
        "shipped_at": datetime.now(UTC),
        "carrier_code": "DHL",
        "carrier_name": None,
        "tracking_number": f"00340434161094{reference:0>6}",
        "shipping_method": "Paket",
    }
    values.update(changes)
    return ShipmentUpdate(**values)


def cancellation(
    order_id: str, *lines: str, whole: bool = False, reference: str = "orderbridge-cancel-1"
) -> CancellationUpdate:
    return CancellationUpdate(
        reference=reference,
        order_external_id=order_id,
        marketplace_id=GERMANY,
        reason=CancelReason.OUT_OF_STOCK,
        whole_order=whole,
        lines=tuple(UpdateLine(line, 1) for line in lines),
    )


def refund(order_id: str, item: str, amount: str) -> RefundUpdate:
    return RefundUpdate(
        reference="orderbridge-refund-1",
        order_external_id=order_id,
        marketplace_id=GERMANY,
        currency="EUR",
        reason=RefundReason.DAMAGED,
        lines=(RefundLine(item, 1, Decimal(amount), Decimal("0"), Decimal("0")),),
    )


async def until_done(
    connector: AmazonConnector, update: MarketplaceUpdate, outcome: UpdateOutcome
) -> Applied:
    """Follow a submitted feed as the core would, waiting check_after between checks."""
    for _ in range(MAX_CHECKS):
        if isinstance(outcome, Applied):
            return outcome
        await asyncio.sleep(outcome.check_after.total_seconds())
        outcome = await connector.check_update(update, outcome.handle)
    raise AssertionError(f"feed still not finished after {MAX_CHECKS} checks: {outcome}")


async def amazon_order(connector: AmazonConnector, order_id: str) -> dict[str, Any]:
    return await connector.client.get_order(
        order_id, included_data=("PACKAGES", "FULFILLMENT", "CANCELLATION")
    )


async def seller_view(sim: SimulatorHandle, order_id: str) -> dict[str, Any]:
    view: dict[str, Any] = await sim.control("GET", f"/_sandbox/orders/{order_id}")
    return view


async def test_a_confirmed_shipment_shows_in_get_order(amazon_simulator: SimulatorFactory) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=2, teapot=1)
    connector = connector_for(sim)
    try:
        update = shipment(order_id, "1", (MUG, 2), (TEAPOT, 1))
        assert await connector.push_update(update, retry=False) == Applied()
        order = await amazon_order(connector, order_id)
        snapshot = await connector.get_order(order_id)
    finally:
        await connector.aclose()

    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    [package] = order["packages"]
    assert package["packageReferenceId"] == "1"
    assert package["trackingNumber"] == "00340434161094000001"
    assert package["carrier"] == "DHL"
    assert sorted((i["orderItemId"], i["quantity"]) for i in package["packageItems"]) == [
        (MUG, 2),
        (TEAPOT, 1),
    ]
    assert snapshot.status is OrderStatus.SHIPPED
    assert {line.external_line_id: line.quantity_shipped for line in snapshot.lines} == {
        MUG: 2,
        TEAPOT: 1,
    }


async def test_a_carrier_outside_amazons_list_goes_as_other_with_its_name(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=1)
    connector = connector_for(sim)
    try:
        update = shipment(
            order_id, "7", (MUG, 1), carrier_code="Other", carrier_name="Spedition Müller"
        )
        assert await connector.push_update(update, retry=False) == Applied()
    finally:
        await connector.aclose()
    [package] = (await seller_view(sim, order_id))["packages"]
    assert (package["carrierCode"], package["carrierName"]) == ("Other", "Spedition Müller")


async def test_a_partial_shipment_then_the_rest(amazon_simulator: SimulatorFactory) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=2, teapot=1)
    connector = connector_for(sim)
    try:
        await connector.push_update(shipment(order_id, "1", (MUG, 1)), retry=False)
        halfway = await connector.get_order(order_id)
        await connector.push_update(shipment(order_id, "2", (MUG, 1), (TEAPOT, 1)), retry=False)
        order = await amazon_order(connector, order_id)
        done = await connector.get_order(order_id)
    finally:
        await connector.aclose()

    assert halfway.status is OrderStatus.PARTIALLY_SHIPPED
    assert {line.external_line_id: line.quantity_shipped for line in halfway.lines} == {
        MUG: 1,
        TEAPOT: 0,
    }
    assert done.status is OrderStatus.SHIPPED
    assert sorted(p["packageReferenceId"] for p in order["packages"]) == ["1", "2"]


async def test_a_lost_answer_then_a_retry_leaves_exactly_one_package(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=2)
    connector = connector_for(sim)
    update = shipment(order_id, "3", (MUG, 2))
    try:
        await sim.control("PUT", "/_sandbox/faults", {"lose_write_responses": 1})
        with pytest.raises(TransientError) as caught:
            await connector.push_update(update, retry=False)
        assert caught.value.error_class is ErrorClass.TRANSIENT
        outcome = await connector.push_update(update, retry=True)
        order = await amazon_order(connector, order_id)
    finally:
        await connector.aclose()

    assert isinstance(outcome, Applied) and outcome.already is True
    assert [p["packageReferenceId"] for p in order["packages"]] == ["3"]
    # The retry read the order and sent nothing: Amazon saw one confirmation only.
    assert sum((await sim.calls("confirmShipment")).values()) == 1


async def test_a_line_is_cancelled_through_the_feed_flow(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=2, teapot=1)
    connector = connector_for(sim)
    update = cancellation(order_id, TEAPOT)
    try:
        submitted = await connector.push_update(update, retry=False)
        assert isinstance(submitted, Submitted)
        outcome = await until_done(connector, update, submitted)
        order = await amazon_order(connector, order_id)
        snapshot = await connector.get_order(order_id)
        # Asked again as a retry, the connector sees the line cancelled and sends nothing.
        retried = await connector.push_update(update, retry=True)
    finally:
        await connector.aclose()

    assert outcome == Applied()
    items = {item["orderItemId"]: item for item in order["orderItems"]}
    assert items[TEAPOT]["cancellation"]["cancellationExecution"] == {
        "cancelledBy": "MERCHANT",
        "cancelReason": "NoInventory",
    }
    assert "cancellation" not in items[MUG]
    assert snapshot.status is OrderStatus.UNSHIPPED
    assert isinstance(retried, Applied) and retried.already is True
    assert sum((await sim.calls("createFeed")).values()) == 1


async def test_a_whole_order_is_cancelled_through_the_feed_flow(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=2, teapot=1)
    connector = connector_for(sim)
    update = cancellation(order_id, MUG, TEAPOT, whole=True)
    try:
        outcome = await until_done(
            connector, update, await connector.push_update(update, retry=False)
        )
        snapshot = await connector.get_order(order_id)
    finally:
        await connector.aclose()

    assert outcome == Applied()
    assert snapshot.status is OrderStatus.CANCELED
    feeds = (await sim.control("GET", "/_sandbox/feeds"))["feeds"]
    assert [feed["feedType"] for feed in feeds] == ["POST_ORDER_ACKNOWLEDGEMENT_DATA"]


async def test_a_cancellation_sent_twice_is_already_applied(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=1, teapot=1)
    connector = connector_for(sim)
    update = cancellation(order_id, MUG)
    try:
        first = await until_done(
            connector, update, await connector.push_update(update, retry=False)
        )
        # Not flagged as a retry, so it goes out again; Amazon answers "already cancelled".
        second = await until_done(
            connector, update, await connector.push_update(update, retry=False)
        )
    finally:
        await connector.aclose()

    assert first == Applied()
    assert second.already is True


async def test_cancelling_a_shipped_line_is_refused_in_amazons_words(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=1, teapot=1)
    connector = connector_for(sim)
    update = cancellation(order_id, MUG)
    try:
        await connector.push_update(shipment(order_id, "1", (MUG, 1)), retry=False)
        submitted = await connector.push_update(update, retry=False)
        assert isinstance(submitted, Submitted)
        with pytest.raises(FeedRejected) as caught:
            await until_done(connector, update, submitted)
        order = await amazon_order(connector, order_id)
    finally:
        await connector.aclose()

    error = caught.value
    assert error.error_class is ErrorClass.PERMANENT
    assert "have shipped and cannot be cancelled" in error.message
    assert MUG in error.message
    assert error.attributes()["result_code"] == "18029"
    assert error.attributes()["feed_id"] == submitted.handle
    items = {item["orderItemId"]: item for item in order["orderItems"]}
    assert "cancellation" not in items[MUG]


async def test_a_lost_create_feed_answer_then_a_retry_finds_the_cancel_applied(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=1, teapot=1)
    connector = connector_for(sim)
    update = cancellation(order_id, TEAPOT)
    try:
        await sim.control("PUT", "/_sandbox/faults", {"lose_write_responses": 1})
        with pytest.raises(TransientError):
            await connector.push_update(update, retry=False)
        outcome = await until_done(
            connector, update, await connector.push_update(update, retry=True)
        )
    finally:
        await connector.aclose()

    assert outcome.already is True
    assert sum((await sim.calls("createFeed")).values()) == 1


async def test_a_refund_is_applied_and_a_resubmitted_one_is_already(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=2)
    connector = connector_for(sim)
    update = refund(order_id, MUG, "12.50")
    try:
        await connector.push_update(shipment(order_id, "1", (MUG, 2)), retry=False)
        first = await until_done(
            connector, update, await connector.push_update(update, retry=False)
        )
        again = await until_done(connector, update, await connector.push_update(update, retry=True))
    finally:
        await connector.aclose()

    assert first == Applied()
    assert again.already is True
    [given_back] = (await seller_view(sim, order_id))["refunds"]
    assert given_back["merchantAdjustmentItemId"] == "orderbridge-refund-1-1"
    assert given_back["orderItemId"] == MUG
    assert given_back["adjustmentReason"] == "GeneralAdjustment"
    assert given_back["components"] == {"Principal": {"amount": "12.50", "currencyCode": "EUR"}}


async def test_a_refund_larger_than_paid_is_refused(amazon_simulator: SimulatorFactory) -> None:
    sim = amazon_simulator()
    order_id = await place_order(sim, mug=1)
    connector = connector_for(sim)
    update = refund(order_id, MUG, "100.00")
    try:
        await connector.push_update(shipment(order_id, "1", (MUG, 1)), retry=False)
        with pytest.raises(FeedRejected) as caught:
            await until_done(connector, update, await connector.push_update(update, retry=False))
    finally:
        await connector.aclose()

    assert caught.value.attributes()["result_code"] == "18031"
    assert (await seller_view(sim, order_id))["refunds"] == []
