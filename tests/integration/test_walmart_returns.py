"""Walmart returns read from the simulator's Returns API, and refund decisions sent back
with issueRefund, over real HTTP sockets.

Each test places shipped orders and customer returns through the simulator's control API
and reads them through the connector as the core does. A refund decision is then checked
where a seller would look: the return's lines and the order's refunds at Walmart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderbridge.domain.returns import ReturnSnapshot, ReturnStatus
from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.errors import ErrorClass, PermanentError, TransientError
from orderbridge.marketplaces.updates import Applied, ReturnDecisionLine, ReturnDecisionUpdate
from orderbridge.marketplaces.walmart import WalmartConnector
from orderbridge.marketplaces.walmart.returns_reading import map_return_page
from tests.integration.test_walmart_connector import Simulator, around, walmart_simulator
from tests.integration.test_walmart_fulfilment import TWO_LINES

__all__ = ["walmart_simulator"]  # the fixture, imported so pytest finds it here

SimulatorFactory = Callable[..., Simulator]


async def customer_returns(
    sim: Simulator, purchase_order_id: str, *lines: tuple[str, int], reason: str = "DAMAGED"
) -> str:
    """The customer returns ``(line number, quantity)`` of a shipped order; the return id."""
    answer = await sim.control(
        "POST",
        "returns",
        {
            "purchaseOrderId": purchase_order_id,
            "lines": [{"lineNumber": number, "quantity": quantity} for number, quantity in lines],
            "reason": reason,
        },
    )
    return_order_id: str = answer["returnOrderId"]
    return return_order_id


async def walmart_return(sim: Simulator, return_order_id: str) -> dict[str, Any]:
    held = (await sim.control("GET", "returns"))["returnOrders"]
    found: dict[str, Any] = next(r for r in held if r["returnOrderId"] == return_order_id)
    return found


async def read_returns(
    connector: WalmartConnector, window: ReadWindow
) -> list[list[ReturnSnapshot]]:
    pages: list[list[ReturnSnapshot]] = []
    async for page in connector.read_returns(window):
        assert page.problems == []
        pages.append(page.snapshots)
    return pages


async def read_one(connector: WalmartConnector, window: ReadWindow) -> ReturnSnapshot:
    [[snapshot]] = await read_returns(connector, window)
    return snapshot


def decision(snapshot: ReturnSnapshot, kind: str, amounts: dict[str, str]) -> ReturnDecisionUpdate:
    return ReturnDecisionUpdate(
        reference="orderbridge-return-1",
        order_external_id=snapshot.order_external_id,
        return_external_id=snapshot.external_id,
        marketplace_id=None,
        decision=kind,
        currency=snapshot.currency,
        lines=tuple(
            ReturnDecisionLine(
                external_line_id=line.external_line_id,
                order_line_id=line.order_line_id,
                sku=line.sku,
                quantity=line.quantity,
                amount=Decimal(amounts.get(line.external_line_id, "0")),
            )
            for line in snapshot.lines
        ),
    )


async def test_a_return_comes_back_with_its_order_lines_and_follows_walmarts_statuses(
    walmart_simulator: SimulatorFactory,
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({**TWO_LINES, "status": "Shipped"})
    return_id = await customer_returns(sim, purchase_order_id, ("1", 2), ("2", 1))
    connector = sim.connector()
    try:
        window = around(await sim.now())
        requested = await read_one(connector, window)
        await sim.control(
            "POST", f"returns/{return_id}/status", {"status": "DELIVERED", "lineNumbers": [1]}
        )
        halfway = await read_one(connector, window)
        await sim.control("POST", f"returns/{return_id}/status", {"status": "DELIVERED"})
        received = await read_one(connector, window)
    finally:
        await connector.aclose()

    walmart = await walmart_return(sim, return_id)
    assert requested.external_id == return_id
    assert requested.order_external_id == purchase_order_id
    assert requested.status is ReturnStatus.REQUESTED
    assert requested.marketplace_status == "INITIATED"
    assert requested.requested_at == datetime.fromisoformat(walmart["returnOrderDate"])
    assert requested.currency == "USD"
    assert requested.reason == "DAMAGED"
    assert requested.refund_amount is None
    skus = [line["item"]["sku"] for line in walmart["returnOrderLines"]]
    assert [
        (line.external_line_id, line.order_line_id, line.sku, line.quantity, line.reason)
        for line in requested.lines
    ] == [("1", "1", skus[0], 2, "DAMAGED"), ("2", "2", skus[1], 1, "DAMAGED")]
    # One line at the return center is not the return received.
    assert halfway.status is ReturnStatus.REQUESTED
    assert halfway.marketplace_status == "INITIATED,DELIVERED"
    assert halfway.last_updated_at >= requested.last_updated_at
    assert received.status is ReturnStatus.RECEIVED
    assert received.marketplace_status == "DELIVERED"


async def test_the_window_brings_returns_created_or_changed_inside_it(
    walmart_simulator: SimulatorFactory,
) -> None:
    sim = walmart_simulator()
    first_order = await sim.place({"status": "Shipped"})
    early_at = await sim.now()
    early = await customer_returns(sim, first_order, ("1", 1))
    await sim.control("POST", "clock", {"advance_seconds": 7200})
    second_order = await sim.place({"status": "Shipped"})
    late_at = await sim.now()
    late = await customer_returns(sim, second_order, ("1", 1))
    connector = sim.connector()
    try:
        in_early = await read_returns(connector, around(early_at))
        in_late = await read_returns(connector, around(late_at))
        # The early return reaches the return center an hour later: a change in that hour.
        await sim.control("POST", "clock", {"advance_seconds": 3600})
        await sim.control("POST", f"returns/{early}/status", {"status": "DELIVERED"})
        in_next_hour = await read_returns(connector, around(await sim.now()))
    finally:
        await connector.aclose()

    assert [s.external_id for page in in_early for s in page] == [early]
    assert [s.external_id for page in in_late for s in page] == [late]
    assert [(s.external_id, s.status) for page in in_next_hour for s in page] == [
        (early, ReturnStatus.RECEIVED)
    ]


async def test_many_returns_are_read_page_by_page(walmart_simulator: SimulatorFactory) -> None:
    sim = walmart_simulator()
    start = await sim.now()
    placed = await sim.control("POST", "orders", {"count": 250, "status": "Shipped"})
    expected = set()
    # One control client for the 250 returns keeps the test fast.
    async with httpx.AsyncClient(base_url=f"{sim.url}/_sandbox/") as control:
        for purchase_order_id in placed["purchaseOrderIds"]:
            created = await control.post(
                "returns",
                json={"purchaseOrderId": purchase_order_id, "lines": [{"lineNumber": "1"}]},
            )
            assert created.status_code == 201, created.text
            expected.add(created.json()["returnOrderId"])
    connector = sim.connector()
    try:
        pages = await read_returns(
            connector, ReadWindow(start - timedelta(minutes=1), await sim.now())
        )
    finally:
        await connector.aclose()

    assert [len(page) for page in pages] == [200, 50]
    assert {s.external_id for page in pages for s in page} == expected
    assert await sim.calls("getReturns") == {"200": 2}


async def test_a_refund_decision_is_refunded_once_even_after_a_lost_answer(
    walmart_simulator: SimulatorFactory,
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({**TWO_LINES, "status": "Shipped"})
    return_id = await customer_returns(sim, purchase_order_id, ("1", 2), ("2", 1))
    connector = sim.connector()
    try:
        window = around(await sim.now())
        returned = await read_one(connector, window)
        # Line 1 without its tax, line 2 with it: Walmart gives back price and tax either way.
        update = decision(returned, "refund", {"1": "20.00", "2": "38.34"})
        await sim.control("PUT", "faults", {"lose_write_responses": 1})
        with pytest.raises(TransientError):
            await connector.push_update(update, retry=False)
        again = await connector.push_update(update, retry=True)
        refunded = await read_one(connector, window)
    finally:
        await connector.aclose()

    assert isinstance(again, Applied) and again.already is True
    walmart = await walmart_return(sim, return_id)
    assert [
        (line["status"], line["refundedQty"], line["refundChannel"])
        for line in walmart["returnOrderLines"]
    ] == [("COMPLETED", 2, "SELLER_MANUAL_REFUND"), ("COMPLETED", 1, "SELLER_MANUAL_REFUND")]
    view = await sim.view(purchase_order_id)
    assert [w["operation"] for w in view["writes"]] == ["issueRefund"] * 2  # one per line
    assert sorted((r["lineNumber"], r["charges"][0]["refundReason"]) for r in view["refunds"]) == [
        ("1", "Customer returned item"),
        ("2", "Customer returned item"),
    ]
    assert await sim.calls("issueRefund") == {"500": 1}  # the one call, its answer lost
    assert refunded.status is ReturnStatus.REFUNDED
    assert refunded.refund_amount == Decimal("21.60") + Decimal("38.34")
    assert [line.refund_amount for line in refunded.lines] == [Decimal("21.60"), Decimal("38.34")]


async def test_a_refund_decision_reaches_walmart(walmart_simulator: SimulatorFactory) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({**TWO_LINES, "status": "Shipped"})
    return_id = await customer_returns(sim, purchase_order_id, ("1", 1))
    connector = sim.connector()
    try:
        returned = await read_one(connector, around(await sim.now()))
        outcome = await connector.push_update(decision(returned, "refund", {}), retry=False)
    finally:
        await connector.aclose()

    assert outcome == Applied()
    [line] = (await walmart_return(sim, return_id))["returnOrderLines"]
    assert (line["status"], line["refundedQty"]) == ("COMPLETED", 1)
    assert await sim.calls("issueRefund") == {"200": 1}


async def test_a_return_walmart_settled_itself_needs_no_refund(
    walmart_simulator: SimulatorFactory,
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({**TWO_LINES, "status": "Shipped"})
    return_id = await customer_returns(sim, purchase_order_id, ("2", 1))
    connector = sim.connector()
    try:
        returned = await read_one(connector, around(await sim.now()))
        await sim.control("POST", f"returns/{return_id}/status", {"status": "COMPLETED"})
        outcome = await connector.push_update(decision(returned, "refund", {}), retry=False)
    finally:
        await connector.aclose()

    assert isinstance(outcome, Applied) and outcome.already is True
    assert await sim.calls("issueRefund") == {}


async def test_an_amount_walmart_cannot_refund_is_refused_before_sending(
    walmart_simulator: SimulatorFactory,
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({**TWO_LINES, "status": "Shipped"})
    await customer_returns(sim, purchase_order_id, ("1", 2))
    connector = sim.connector()
    try:
        returned = await read_one(connector, around(await sim.now()))
        with pytest.raises(PermanentError) as refused:
            await connector.push_update(decision(returned, "refund", {"1": "5.00"}), retry=False)
    finally:
        await connector.aclose()

    assert refused.value.error_class is ErrorClass.PERMANENT
    assert "20.00 (21.60 with tax) for 2 unit(s)" in refused.value.message
    assert "Refund the order instead" in refused.value.message
    assert await sim.calls("issueRefund") == {}


@pytest.mark.parametrize("kind", ["accept", "reject"])
async def test_a_decision_walmart_cannot_carry_is_refused_without_a_call(
    walmart_simulator: SimulatorFactory, kind: str
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({**TWO_LINES, "status": "Shipped"})
    await customer_returns(sim, purchase_order_id, ("1", 1))
    connector = sim.connector()
    try:
        returned = await read_one(connector, around(await sim.now()))
        assert kind not in connector.capabilities.return_decisions
        with pytest.raises(PermanentError) as refused:
            await connector.push_update(decision(returned, kind, {}), retry=False)
    finally:
        await connector.aclose()

    assert refused.value.error_class is ErrorClass.PERMANENT
    assert f"cannot {kind} return {returned.external_id}" in refused.value.message
    assert "Walmart authorises returns itself" in refused.value.message
    assert await sim.calls("getReturns") == {"200": 1}  # the read only
    assert await sim.calls("issueRefund") == {}


async def test_a_return_that_cannot_be_mapped_is_a_problem_and_the_page_goes_on(
    walmart_simulator: SimulatorFactory,
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place({**TWO_LINES, "status": "Shipped"})
    first = await customer_returns(sim, purchase_order_id, ("1", 1))
    second = await customer_returns(sim, purchase_order_id, ("2", 1))
    good = await walmart_return(sim, second)
    odd = await walmart_return(sim, first)
    # A line status Walmart's documentation does not list.
    odd["returnOrderLines"][0]["status"] = "IN_LIMBO"

    page = map_return_page([odd, good])

    assert [s.external_id for s in page.snapshots] == [second]
    [problem] = page.problems
    assert problem.external_id == first
    assert "unknown return line status 'IN_LIMBO'" in problem.message
    assert problem.raw["returnOrderId"] == first
