"""bol.com returns through the connector against the bol simulator, over real HTTP sockets:
reading (linking, paging, the window) and the accept/reject handlings with their retries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderbridge.domain.returns import ReturnSnapshot, ReturnStatus
from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.bol import BolConnector, BolSettings
from orderbridge.marketplaces.errors import PermanentError, TransientError
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.marketplaces.updates import (
    Applied,
    ReturnDecisionLine,
    ReturnDecisionUpdate,
    Submitted,
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
MEDIA_TYPE = "application/vnd.retailer.v10+json"


@dataclass
class Bol:
    url: str
    simulator: BolSimulator
    clock: SimulatorClock

    def connector(self, **options: Any) -> BolConnector:
        settings = self.simulator.settings
        parsed = BolSettings.parse(
            {"client_id": settings.client_id, "client_secret": settings.client_secret},
            {
                "base_url": self.url,
                "token_url": f"{self.url}/token",
                "rate_limit_scale": SPEED,
                "timeout_seconds": 10,
                **options,
            },
        )
        return BolConnector(parsed, retry=FAST_RETRY)

    def call(self, method: str, path: str, body: Any = None, *, api: bool = False) -> Any:
        headers = {}
        if api:
            token = self.simulator.tokens.issue(self.simulator.settings.client_id)
            headers = {
                "authorization": f"Bearer {token}",
                "accept": MEDIA_TYPE,
                "content-type": MEDIA_TYPE,
            }
        with httpx.Client(base_url=self.url, timeout=10) as client:
            response = client.request(method, path, json=body, headers=headers)
        assert response.status_code < 300, response.text
        return response.json()

    def shipped_order(self, *items: dict[str, Any]) -> tuple[str, list[str]]:
        """An order with ``items``, every unit shipped and processed; its id and item ids."""
        body = {"order": {"orderItems": list(items)}}
        (order_id,) = self.call("POST", "/_sandbox/orders", body)["orderIds"]
        shown = self.call("GET", f"/_sandbox/orders/{order_id}")["order"]
        item_ids = [item["orderItemId"] for item in shown["orderItems"]]
        shipment = {
            "orderItems": [{"orderItemId": item_id} for item_id in item_ids],
            "transport": {"transporterCode": "TNT"},
        }
        self.call("POST", "/retailer/shipments", shipment, api=True)
        self.process()
        return str(order_id), item_ids

    def customer_returns(self, item_id: str, quantity: int = 1, **reason: str) -> dict[str, Any]:
        body = {"orderItemId": item_id, "quantity": quantity, **reason}
        created: dict[str, Any] = self.call("POST", "/_sandbox/returns", body)
        return created

    def return_item(self, rma_id: str) -> dict[str, Any]:
        for found in self.call("GET", "/_sandbox/returns")["returns"]:
            for item in found["returnItems"]:
                if item["rmaId"] == rma_id:
                    return dict(item)
        raise AssertionError(f"the simulator holds no RMA {rma_id}")

    def calls(self, operation: str) -> dict[str, int]:
        counts: dict[str, int] = self.call("GET", "/_sandbox/stats")["calls"].get(operation, {})
        return counts

    def process(self) -> None:
        self.clock.advance(self.simulator.settings.processing_seconds)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.timestamp(), tz=UTC)


@pytest.fixture
def bol() -> Iterator[Bol]:
    settings = BolSimulatorSettings(seed=3, speed_factor=0, initial_orders=0)
    clock = SimulatorClock(FROZEN_AT, frozen=True)
    app = create_app(settings, clock=clock)
    with ExitStack() as stack:
        url = stack.enter_context(serve_in_background(app))
        yield Bol(url, app.state.simulator, clock)


async def read(bol: Bol, lower: datetime, upper: datetime) -> list[ReturnSnapshot]:
    connector = bol.connector()
    try:
        snapshots = []
        async for page in connector.read_returns(ReadWindow(lower, upper)):
            assert page.problems == []
            snapshots.extend(page.snapshots)
        return snapshots
    finally:
        await connector.aclose()


def decision(
    created: dict[str, Any], kind: str, quantity: int = 1, *, note: str | None = None
) -> ReturnDecisionUpdate:
    item = created["return"]["returnItems"][0]
    return ReturnDecisionUpdate(
        reference=f"orderbridge-return-{kind}-1",
        order_external_id=item["orderId"],
        return_external_id=created["returnId"],
        marketplace_id=None,
        decision=kind,
        currency="EUR",
        lines=(ReturnDecisionLine(item["rmaId"], None, item["ean"], quantity, Decimal("0")),),
        note=note,
    )


# -- reading --------------------------------------------------------------------------------


async def test_a_return_comes_back_linked_to_its_order_item(bol: Bol) -> None:
    order_id, (first, second) = bol.shipped_order(
        {"quantity": 2, "ean": "8710000000011", "offerReference": "MUG-BLUE"},
        {"quantity": 1, "ean": "8710000000028", "offerReference": "MUG-RED"},
    )
    bol.clock.advance(3600)
    created = bol.customer_returns(
        second,
        1,
        mainReason="Verkeerde maat of afmeting",
        detailedReason="Te klein",
        customerComments="Past niet in de kast",
    )

    (found,) = await read(bol, bol.now() - timedelta(minutes=5), bol.now() + timedelta(minutes=1))

    assert found.external_id == created["returnId"]
    assert found.order_external_id == order_id
    assert found.status is ReturnStatus.REQUESTED
    assert found.marketplace_status == "UNHANDLED"
    assert found.currency == "EUR"
    assert found.requested_at == bol.now()
    (line,) = found.lines
    assert line.external_line_id == created["rmaId"]
    assert line.order_line_id == second and line.order_line_id != first
    assert line.sku == "MUG-RED"
    assert line.quantity == 1
    assert line.reason == "Verkeerde maat of afmeting: Te klein (Past niet in de kast)"
    assert found.reason == line.reason


async def test_pages_are_followed_and_the_window_keeps_out_other_returns(bol: Bol) -> None:
    items = [{"quantity": 1, "ean": f"87100{index:08d}"} for index in range(56)]
    order_id, item_ids = bol.shipped_order(*items)
    early = [bol.customer_returns(item_id)["returnId"] for item_id in item_ids[:55]]
    early_at = bol.now()
    bol.clock.advance(2 * 3600)
    late = bol.customer_returns(item_ids[55])["returnId"]

    first_window = await read(bol, early_at - timedelta(minutes=1), early_at + timedelta(hours=1))
    assert sorted(s.external_id for s in first_window) == sorted(early)
    assert {s.order_external_id for s in first_window} == {order_id}
    assert sorted(line.order_line_id for s in first_window for line in s.lines) == sorted(
        item_ids[:55]
    )
    # The unhandled list: a full page of 50, then the short one; the handled list is empty.
    assert bol.calls("get-returns") == {"200": 3}
    assert bol.calls("get-order") == {"200": 1}  # one order, fetched once per read

    second_window = await read(bol, bol.now() - timedelta(minutes=5), bol.now())
    assert [s.external_id for s in second_window] == [late]


async def test_a_return_handled_in_the_window_shows_its_outcome(bol: Bol) -> None:
    _, (item_id,) = bol.shipped_order({"quantity": 3})
    created = bol.customer_returns(item_id, 2)
    registered_at = bol.now()
    bol.clock.advance(24 * 3600)
    status_path = f"/_sandbox/returns/{created['rmaId']}/status"
    bol.call("POST", status_path, {"handlingResult": "RETURN_DOES_NOT_MEET_CONDITIONS"})

    (found,) = await read(bol, bol.now() - timedelta(minutes=5), bol.now())

    assert found.status is ReturnStatus.REJECTED
    assert found.marketplace_status == "RETURN_DOES_NOT_MEET_CONDITIONS"
    assert found.requested_at == registered_at
    assert found.last_updated_at == bol.now()
    assert found.lines[0].quantity == 2
    # A window between the registration and the handling sees nothing of it.
    between = await read(
        bol, registered_at + timedelta(hours=1), registered_at + timedelta(hours=2)
    )
    assert between == []


# -- decisions ------------------------------------------------------------------------------


async def test_an_accept_reaches_bol_and_a_retry_is_not_applied_twice(bol: Bol) -> None:
    _, (item_id,) = bol.shipped_order({"quantity": 2})
    created = bol.customer_returns(item_id, 2)
    update = decision(created, "accept", 2)
    connector = bol.connector()
    try:
        submitted = await connector.push_update(update, retry=False)
        assert isinstance(submitted, Submitted)
        assert isinstance(await connector.check_update(update, submitted.handle), Submitted)
        bol.process()
        applied = await connector.check_update(update, submitted.handle)
        again = await connector.push_update(update, retry=True)
    finally:
        await connector.aclose()

    assert isinstance(applied, Applied) and not applied.already
    assert isinstance(again, Applied) and again.already
    item = bol.return_item(created["rmaId"])
    assert item["handled"] is True
    (result,) = item["processingResults"]
    assert (result["handlingResult"], result["quantity"]) == ("RETURN_RECEIVED", 2)
    assert bol.calls("handle-return") == {"202": 1}


async def test_a_reject_is_sent_as_not_meeting_the_conditions(bol: Bol) -> None:
    _, (item_id,) = bol.shipped_order({"quantity": 1})
    created = bol.customer_returns(item_id)
    update = decision(created, "reject", note="Seal broken")
    connector = bol.connector()
    try:
        submitted = await connector.push_update(update, retry=False)
        assert isinstance(submitted, Submitted)
        bol.process()
        assert isinstance(await connector.check_update(update, submitted.handle), Applied)
        snapshots = [
            s
            async for page in connector.read_returns(
                ReadWindow(bol.now() - timedelta(minutes=1), bol.now())
            )
            for s in page.snapshots
        ]
    finally:
        await connector.aclose()
    (result,) = bol.return_item(created["rmaId"])["processingResults"]
    assert result["handlingResult"] == "RETURN_DOES_NOT_MEET_CONDITIONS"
    assert result["processingResult"] == "REJECTED"
    assert [s.status for s in snapshots] == [ReturnStatus.REJECTED]


async def test_a_lost_answer_then_a_retry_handles_once(bol: Bol) -> None:
    _, (item_id,) = bol.shipped_order({"quantity": 1})
    created = bol.customer_returns(item_id)
    update = decision(created, "accept")
    bol.call("PUT", "/_sandbox/faults", {"lose_write_responses": 1})
    connector = bol.connector()
    try:
        with pytest.raises(TransientError):
            await connector.push_update(update, retry=False)
        # bol is still processing the first attempt: the retry follows it.
        pending = await connector.push_update(update, retry=True)
        assert isinstance(pending, Submitted)
        bol.process()
        assert isinstance(await connector.check_update(update, pending.handle), Applied)
    finally:
        await connector.aclose()
    assert len(bol.return_item(created["rmaId"])["processingResults"]) == 1
    assert bol.calls("handle-return") == {"500": 1}


async def test_decisions_bol_cannot_carry_are_refused_up_front(bol: Bol) -> None:
    _, (item_id,) = bol.shipped_order({"quantity": 1})
    created = bol.customer_returns(item_id)
    connector = bol.connector()
    try:
        assert connector.capabilities.returns
        assert connector.capabilities.return_decisions == frozenset({"accept", "reject"})
        with pytest.raises(PermanentError, match="bol refunds the customer itself"):
            await connector.push_update(decision(created, "refund"), retry=False)
        with pytest.raises(PermanentError, match="cannot carry the return decision 'exchange'"):
            await connector.push_update(decision(created, "exchange"), retry=False)
        with pytest.raises(PermanentError, match="expects 1 unit"):
            await connector.push_update(decision(created, "accept", 2), retry=False)
    finally:
        await connector.aclose()
    assert bol.calls("handle-return") == {}
    assert bol.return_item(created["rmaId"])["handled"] is False
