"""eBay returns through the connector against the eBay simulator, over real HTTP sockets:
the Post-Order search read (linking, paging, the window, moved returns) and the approve,
decline and refund decisions with their retries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderbridge.domain.returns import ReturnSnapshot, ReturnStatus
from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.ebay import EbayConnector, EbaySettings
from orderbridge.marketplaces.errors import PermanentError, TransientError
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.marketplaces.updates import (
    Applied,
    ReturnDecisionLine,
    ReturnDecisionUpdate,
)
from orderbridge.sandbox.ebay import (
    EbaySimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01, rate_limit_waits=50)


@dataclass
class Ebay:
    url: str
    settings: EbaySimulatorSettings
    control: httpx.AsyncClient
    now: datetime = START

    def connector(self) -> EbayConnector:
        s = self.settings
        credentials = {
            "client_id": s.client_id,
            "client_secret": s.client_secret,
            "refresh_token": s.refresh_token,
        }
        options = {"base_url": self.url, "rate_limit_scale": 1000.0}
        return EbayConnector(EbaySettings.parse(credentials, options), retry=FAST_RETRY)

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.control.request(method, path, json=body)
        assert response.status_code < 300, response.text
        return response.json()

    async def shipped_order(self, *lines: dict[str, Any]) -> tuple[str, list[str]]:
        """A paid order with ``lines``, all shipped; its id and line item ids."""
        body = {"order": {"orderFulfillmentStatus": "FULFILLED", "lineItems": list(lines)}}
        (order_id,) = (await self.call("POST", "/_sandbox/orders", body))["orderIds"]
        order = (await self.call("GET", f"/_sandbox/orders/{order_id}"))["order"]
        return order_id, [line["lineItemId"] for line in order["lineItems"]]

    async def buyer_returns(self, order_id: str, line_id: str, **fields: Any) -> str:
        body = {"orderId": order_id, "lineItemId": line_id, **fields}
        return str((await self.call("POST", "/_sandbox/returns", body))["returnId"])

    async def shown(self, return_id: str) -> dict[str, Any]:
        for found in (await self.call("GET", "/_sandbox/returns"))["returns"]:
            if found["summary"]["returnId"] == return_id:
                return dict(found)
        raise AssertionError(f"the simulator holds no return {return_id}")

    async def advance(self, seconds: float) -> None:
        answer = await self.call("POST", "/_sandbox/clock", {"advance_seconds": seconds})
        self.now = datetime.fromisoformat(answer["now"])

    async def calls(self, operation: str) -> dict[str, int]:
        counts: dict[str, int] = (await self.call("GET", "/_sandbox/stats"))["calls"].get(
            operation, {}
        )
        return counts


@pytest.fixture
async def ebay() -> AsyncIterator[Ebay]:
    settings = EbaySimulatorSettings(seed=5, speed_factor=0, initial_orders=0)
    with ExitStack() as stack:
        url = stack.enter_context(
            serve_in_background(create_app(settings, clock=SimulatorClock(START, frozen=True)))
        )
        async with httpx.AsyncClient(base_url=url, timeout=10) as control:
            yield Ebay(url, settings, control)


async def read(connector: EbayConnector, lower: datetime, upper: datetime) -> list[ReturnSnapshot]:
    snapshots = []
    async for page in connector.read_returns(ReadWindow(lower, upper)):
        assert page.problems == []
        snapshots.extend(page.snapshots)
    return snapshots


def decision(
    return_id: str,
    order_id: str,
    line_id: str,
    kind: str,
    quantity: int = 1,
    amount: str = "0",
    note: str | None = None,
) -> ReturnDecisionUpdate:
    return ReturnDecisionUpdate(
        reference=f"orderbridge-return-{kind}-3",
        order_external_id=order_id,
        return_external_id=return_id,
        marketplace_id="EBAY_US",
        decision=kind,
        currency="USD",
        lines=(ReturnDecisionLine(line_id, line_id, "MUG", quantity, Decimal(amount)),),
        note=note,
    )


# -- reading --------------------------------------------------------------------------------


async def test_a_return_comes_back_with_its_order_line(ebay: Ebay) -> None:
    order_id, (_, second) = await ebay.shipped_order(
        {"quantity": 1, "sku": "MUG-BLUE", "lineItemCost": {"value": "20.00"}},
        {"quantity": 2, "sku": "MUG-RED", "lineItemCost": {"value": "30.00"}},
    )
    await ebay.advance(3600)
    return_id = await ebay.buyer_returns(
        order_id, second, quantity=2, reason="DEFECTIVE_ITEM", comments="Handle cracked"
    )
    connector = ebay.connector()
    try:
        (found,) = await read(connector, ebay.now - timedelta(minutes=5), ebay.now)
    finally:
        await connector.aclose()

    assert found.external_id == return_id
    assert found.order_external_id == order_id
    assert found.status is ReturnStatus.REQUESTED
    assert found.marketplace_status == "RETURN_REQUESTED"
    assert found.currency == "USD"
    assert found.requested_at == found.last_updated_at == ebay.now
    (line,) = found.lines
    assert (line.external_line_id, line.order_line_id) == (second, second)
    assert line.sku == "MUG-RED"
    assert line.quantity == 2
    assert line.reason == found.reason == "DEFECTIVE_ITEM: Handle cracked"
    assert found.refund_amount is None
    assert await ebay.calls("getReturn") == {}  # a requested return needs no detail


async def test_pages_are_followed_and_the_window_keeps_out_other_returns(ebay: Ebay) -> None:
    order_id, (line_id,) = await ebay.shipped_order({"quantity": 206})
    early = [await ebay.buyer_returns(order_id, line_id) for _ in range(205)]
    early_at = ebay.now
    await ebay.advance(2 * 3600)
    late = await ebay.buyer_returns(order_id, line_id)
    connector = ebay.connector()
    try:
        first = await read(
            connector, early_at - timedelta(minutes=1), early_at + timedelta(hours=1)
        )
        searches = await ebay.calls("searchReturns")
        second = await read(connector, ebay.now - timedelta(minutes=5), ebay.now)
    finally:
        await connector.aclose()

    assert sorted(s.external_id for s in first) == sorted(early)
    assert {s.lines[0].order_line_id for s in first} == {line_id}
    assert searches == {"200": 2}  # 200 on the first page, 6 on the second
    assert await ebay.calls("getOrder") == {"200": 2}  # the one order, once per read
    assert [s.external_id for s in second] == [late]


async def test_a_return_that_moved_inside_the_window_is_read(ebay: Ebay) -> None:
    order_id, (line_id,) = await ebay.shipped_order({"quantity": 1})
    return_id = await ebay.buyer_returns(order_id, line_id)
    made_at = ebay.now
    connector = ebay.connector()
    try:
        await ebay.advance(24 * 3600)
        approved = await connector.push_update(
            decision(return_id, order_id, line_id, "accept"), retry=False
        )
        assert isinstance(approved, Applied)
        await ebay.advance(24 * 3600)
        await ebay.call("POST", f"/_sandbox/returns/{return_id}/status", {"status": "ITEM_SHIPPED"})
        await ebay.advance(24 * 3600)
        path = f"/_sandbox/returns/{return_id}/status"
        await ebay.call("POST", path, {"status": "ITEM_DELIVERED"})

        (delivered,) = await read(connector, ebay.now - timedelta(minutes=5), ebay.now)
        details = await ebay.calls("getReturn")
        quiet = await read(connector, made_at + timedelta(hours=1), made_at + timedelta(hours=2))
        again = await read(connector, ebay.now - timedelta(minutes=5), ebay.now)
    finally:
        await connector.aclose()

    assert delivered.status is ReturnStatus.RECEIVED
    assert delivered.marketplace_status == "ITEM_DELIVERED"
    assert delivered.requested_at == made_at
    assert delivered.last_updated_at == ebay.now
    assert quiet == []
    assert [s.status for s in again] == [ReturnStatus.RECEIVED]
    # The decision's look plus one detail; a return that did not move is not read again.
    assert await ebay.calls("getReturn") == details == {"200": 2}


# -- decisions ------------------------------------------------------------------------------


async def test_an_approval_reaches_ebay_once(ebay: Ebay) -> None:
    order_id, (line_id,) = await ebay.shipped_order({"quantity": 1})
    return_id = await ebay.buyer_returns(order_id, line_id)
    update = decision(return_id, order_id, line_id, "accept")
    connector = ebay.connector()
    try:
        applied = await connector.push_update(update, retry=False)
        again = await connector.push_update(update, retry=True)
    finally:
        await connector.aclose()

    assert isinstance(applied, Applied) and not applied.already
    assert isinstance(again, Applied) and again.already
    shown = await ebay.shown(return_id)
    assert shown["summary"]["state"] == "ITEM_READY_TO_SHIP"
    assert [step["activity"] for step in shown["detail"]["responseHistory"]] == [
        "BUYER_CREATE_RETURN",
        "SELLER_APPROVE_REQUEST",
    ]
    assert await ebay.calls("decideReturn") == {"200": 1}


async def test_a_rejection_is_declined_with_the_note(ebay: Ebay) -> None:
    order_id, (line_id,) = await ebay.shipped_order({"quantity": 1})
    return_id = await ebay.buyer_returns(order_id, line_id)
    update = decision(return_id, order_id, line_id, "reject", note="Used, seal broken")
    connector = ebay.connector()
    try:
        assert isinstance(await connector.push_update(update, retry=False), Applied)
        again = await connector.push_update(update, retry=True)
    finally:
        await connector.aclose()

    assert isinstance(again, Applied) and again.already
    shown = await ebay.shown(return_id)
    assert shown["summary"]["state"] == "RETURN_REJECTED"
    assert shown["detail"]["responseHistory"][-1]["notes"] == "Used, seal broken"
    assert await ebay.calls("decideReturn") == {"200": 1}


async def test_a_refund_with_a_lost_answer_is_given_once(ebay: Ebay) -> None:
    order_id, (line_id,) = await ebay.shipped_order(
        {"quantity": 1, "lineItemCost": {"value": "25.00"}}
    )
    return_id = await ebay.buyer_returns(order_id, line_id)
    update = decision(return_id, order_id, line_id, "refund", amount="12.50")
    await ebay.call("PUT", "/_sandbox/faults", {"lose_write_responses": 1})
    connector = ebay.connector()
    try:
        with pytest.raises(TransientError):
            await connector.push_update(update, retry=False)
        again = await connector.push_update(update, retry=True)
        other = decision(return_id, order_id, line_id, "refund", amount="20.00")
        with pytest.raises(PermanentError, match=r"refunded already with 12\.50"):
            await connector.push_update(other, retry=False)
        (found,) = await read(connector, ebay.now - timedelta(minutes=1), ebay.now)
    finally:
        await connector.aclose()

    assert isinstance(again, Applied) and again.already
    shown = await ebay.shown(return_id)
    assert shown["summary"]["state"] == "CLOSED"
    assert shown["summary"]["sellerTotalRefund"]["actualRefundAmount"]["value"] == "12.50"
    refunds = (await ebay.call("GET", f"/_sandbox/orders/{order_id}"))["refunds"]
    assert len(refunds) == 1
    assert await ebay.calls("issueReturnRefund") == {"500": 1}
    assert found.status is ReturnStatus.REFUNDED
    assert found.refund_amount == found.lines[0].refund_amount == Decimal("12.50")


async def test_decisions_ebay_cannot_carry_are_refused_up_front(ebay: Ebay) -> None:
    order_id, (line_id,) = await ebay.shipped_order({"quantity": 2})
    return_id = await ebay.buyer_returns(order_id, line_id, quantity=2)
    connector = ebay.connector()
    try:
        assert connector.capabilities.returns
        assert connector.capabilities.return_decisions == frozenset({"accept", "reject", "refund"})
        with pytest.raises(PermanentError, match="cannot carry the return decision 'exchange'"):
            await connector.push_update(
                decision(return_id, order_id, line_id, "exchange"), retry=False
            )
        with pytest.raises(PermanentError, match=r"whole return: .* holds 2 unit"):
            await connector.push_update(
                decision(return_id, order_id, line_id, "accept", 1), retry=False
            )
    finally:
        await connector.aclose()
    assert await ebay.calls("decideReturn") == {}
    assert (await ebay.shown(return_id))["summary"]["state"] == "RETURN_REQUESTED"
