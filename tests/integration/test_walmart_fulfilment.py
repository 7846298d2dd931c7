"""Acknowledgements, shipments, cancellations and refunds sent to the Walmart simulator over
real HTTP sockets, exactly as the core sends them, and a lost answer followed by the core's
retry, which must find the first attempt instead of repeating it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.errors import PermanentError, TransientError
from orderbridge.marketplaces.updates import (
    AcknowledgementUpdate,
    Applied,
    CancellationUpdate,
    RefundLine,
    RefundUpdate,
    ShipmentUpdate,
    UpdateLine,
)
from tests.integration.test_walmart_connector import UPS, Simulator, walmart_simulator

__all__ = ["walmart_simulator"]  # the fixture, imported so pytest finds it here


def shipment(
    purchase_order_id: str, reference: str, *lines: tuple[str, int], **changes: Any
) -> ShipmentUpdate:
    values: dict[str, Any] = {
        "reference": reference,
        "order_external_id": purchase_order_id,
        "marketplace_id": None,
        "lines": tuple(UpdateLine(number, quantity) for number, quantity in lines),
        "shipped_at": datetime.now(UTC),
        "carrier_code": "UPS",
        "carrier_name": None,
        "tracking_number": f"{UPS[:-2]}{reference:0>2}",
        "shipping_method": None,
        **changes,
    }
    return ShipmentUpdate(**values)


def acknowledgement(purchase_order_id: str) -> AcknowledgementUpdate:
    return AcknowledgementUpdate("orderbridge-ack-1", purchase_order_id, None, ())


def cancellation(purchase_order_id: str, *lines: tuple[str, int]) -> CancellationUpdate:
    return CancellationUpdate(
        reference="orderbridge-cancel-1",
        order_external_id=purchase_order_id,
        marketplace_id=None,
        reason=CancelReason.OUT_OF_STOCK,
        whole_order=True,
        lines=tuple(UpdateLine(number, quantity) for number, quantity in lines),
    )


def refund(purchase_order_id: str, item: str, tax: str) -> RefundUpdate:
    return RefundUpdate(
        reference="orderbridge-refund-1",
        order_external_id=purchase_order_id,
        marketplace_id=None,
        currency="USD",
        reason=RefundReason.DAMAGED,
        lines=(RefundLine("1", 1, Decimal(item), Decimal("0"), Decimal(tax)),),
    )


TWO_LINES = {
    "methodCode": "Standard",
    "lines": [
        {"quantity": 2, "unitPrice": "10.00", "tax": "1.60"},
        {"quantity": 1, "unitPrice": "35.50", "tax": "2.84"},
    ],
}


async def test_acknowledge_then_ship_part_then_the_rest(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place(TWO_LINES)
    connector = sim.connector()
    try:
        assert (
            await connector.push_update(acknowledgement(purchase_order_id), retry=False)
            == Applied()
        )
        assert (await sim.view(purchase_order_id))["acknowledged"] is True
        first = shipment(purchase_order_id, "1", ("1", 1))
        assert await connector.push_update(first, retry=False) == Applied()
        halfway = await connector.get_order(purchase_order_id)
        rest = shipment(purchase_order_id, "2", ("1", 1), ("2", 1), carrier_code="FedEx")
        assert await connector.push_update(rest, retry=False) == Applied()
        done = await connector.get_order(purchase_order_id)
    finally:
        await connector.aclose()
    assert halfway.status is OrderStatus.PARTIALLY_SHIPPED
    assert [line.quantity_shipped for line in halfway.lines] == [1, 0]
    assert done.status is OrderStatus.SHIPPED
    view = await sim.view(purchase_order_id)
    assert view["lineStatuses"] == {"1": {"Shipped": 2}, "2": {"Shipped": 1}}
    carriers = sorted((s["lineNumber"], s["carrierName"]["carrier"]) for s in view["shipments"])
    assert carriers == [("1", "FedEx"), ("1", "UPS"), ("2", "FedEx")]


async def test_an_order_cancelled_by_the_customer_needs_no_acknowledgement(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place()
    await sim.control("POST", f"orders/{purchase_order_id}/status", {"status": "Cancelled"})
    connector = sim.connector()
    try:
        outcome = await connector.push_update(acknowledgement(purchase_order_id), retry=False)
    finally:
        await connector.aclose()
    assert isinstance(outcome, Applied) and outcome.already is True
    assert "nothing left to acknowledge" in (outcome.detail or "")


async def test_a_whole_order_cancellation_cancels_every_open_unit(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place(TWO_LINES)
    connector = sim.connector()
    try:
        await connector.push_update(acknowledgement(purchase_order_id), retry=False)
        update = cancellation(purchase_order_id, ("1", 2), ("2", 1))
        assert await connector.push_update(update, retry=False) == Applied()
        snapshot = await connector.get_order(purchase_order_id)
    finally:
        await connector.aclose()
    assert snapshot.status is OrderStatus.CANCELED
    cancelled = (await sim.view(purchase_order_id))["cancellations"]
    assert {(c["lineNumber"], c["quantity"], c["cancellationReason"]) for c in cancelled} == {
        ("1", 2, "SELLER_CANCEL_OUT_OF_STOCK"),
        ("2", 1, "SELLER_CANCEL_OUT_OF_STOCK"),
    }


async def test_walmarts_refusal_carries_its_answer(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({"methodCode": "Standard"})
    connector = sim.connector()
    try:
        with pytest.raises(PermanentError) as refused:
            # Not acknowledged yet: Walmart refuses the shipment.
            await connector.push_update(shipment(purchase_order_id, "1", ("1", 1)), retry=False)
    finally:
        await connector.aclose()
    assert refused.value.http_status == 400
    assert "INVALID_REQUEST_CONTENT.GMP_ORDER_API" in refused.value.message
    assert "acknowledge the order before shipping" in refused.value.message


async def test_a_refund_of_a_shipped_line(walmart_simulator: Callable[..., Simulator]) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({**TWO_LINES, "status": "Shipped"})
    connector = sim.connector()
    try:
        outcome = await connector.push_update(
            refund(purchase_order_id, "10.00", "0.80"), retry=False
        )
    finally:
        await connector.aclose()
    assert outcome == Applied()
    (given,) = (await sim.view(purchase_order_id))["refunds"]
    assert given["lineNumber"] == "1"
    assert given["refundComments"] == "orderbridge-refund-1"
    assert given["charges"] == [
        {"refundReason": "DamagedItem", "chargeType": "PRODUCT", "amount": -10, "tax": -0.8}
    ]


# -- a lost answer, then the core's retry ------------------------------------------------------


async def lose_next_answer(sim: Simulator) -> None:
    await sim.control("PUT", "faults", {"lose_write_responses": 1})


async def test_a_lost_shipment_answer_is_not_shipped_twice(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({**TWO_LINES, "status": "Acknowledged"})
    update = shipment(purchase_order_id, "7", ("1", 2))
    connector = sim.connector()
    try:
        await lose_next_answer(sim)
        with pytest.raises(TransientError):
            await connector.push_update(update, retry=False)
        again = await connector.push_update(update, retry=True)
    finally:
        await connector.aclose()
    assert isinstance(again, Applied) and again.already is True
    view = await sim.view(purchase_order_id)
    assert len(view["shipments"]) == 1
    assert [w["operation"] for w in view["writes"]] == ["shippingUpdates"]


async def test_a_lost_cancellation_answer_is_not_sent_again(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place(TWO_LINES)
    update = cancellation(purchase_order_id, ("1", 2), ("2", 1))
    connector = sim.connector()
    try:
        await lose_next_answer(sim)
        with pytest.raises(TransientError):
            await connector.push_update(update, retry=False)
        again = await connector.push_update(update, retry=True)
    finally:
        await connector.aclose()
    assert isinstance(again, Applied) and again.already is True
    assert [w["operation"] for w in (await sim.view(purchase_order_id))["writes"]] == [
        "cancelOrderLines"
    ]


async def test_a_lost_refund_answer_is_not_refunded_twice(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({**TWO_LINES, "status": "Shipped"})
    update = refund(purchase_order_id, "10.00", "0.80")
    connector = sim.connector()
    try:
        await lose_next_answer(sim)
        with pytest.raises(TransientError):
            await connector.push_update(update, retry=False)
        again = await connector.push_update(update, retry=True)
    finally:
        await connector.aclose()
    assert isinstance(again, Applied) and again.already is True
    assert len((await sim.view(purchase_order_id))["refunds"]) == 1


async def test_a_lost_acknowledgement_answer_is_simply_sent_again(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place()
    connector = sim.connector()
    try:
        await lose_next_answer(sim)
        # Acknowledging twice is allowed, so the transport repeats it on its own.
        assert (
            await connector.push_update(acknowledgement(purchase_order_id), retry=False)
            == Applied()
        )
    finally:
        await connector.aclose()
    assert await sim.calls("acknowledgeOrders") == {"200": 1, "500": 1}
    assert (await sim.view(purchase_order_id))["acknowledged"] is True
