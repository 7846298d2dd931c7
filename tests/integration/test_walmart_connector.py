"""The Walmart connector reading from the Walmart simulator, over real HTTP sockets.

Paging, windows, 429s waited out, 5xx retried, one token for many calls, and the
configuration and item errors a seller sees. The writes are in test_walmart_fulfilment.py,
which shares the simulator fixture defined here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from orderbridge.domain.order import OrderSnapshot
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.base import CallRecord, ConnectionConfig, ReadWindow
from orderbridge.marketplaces.errors import (
    ConfigurationError,
    ItemProblem,
    TransientError,
)
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.marketplaces.walmart import WalmartConnector, WalmartSettings, factory
from orderbridge.sandbox.walmart import WalmartSimulatorSettings, create_app, serve_in_background

SPEED = 1000.0
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01, rate_limit_waits=50)
UPS = "1Z999AA10123456784"


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
class Simulator:
    url: str
    settings: WalmartSimulatorSettings

    def credentials(self, **overrides: str) -> dict[str, str]:
        return {
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
            **overrides,
        }

    def connector(
        self,
        *,
        credentials: dict[str, str] | None = None,
        scale: float = SPEED,
        observer: Callable[[CallRecord], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> WalmartConnector:
        settings = WalmartSettings.parse(
            credentials or self.credentials(),
            {"base_url": self.url, "rate_limit_scale": scale, "timeout_seconds": 10},
        )
        return WalmartConnector(settings, retry=FAST_RETRY, observer=observer, transport=transport)

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            response = await client.request(method, f"/_sandbox/{path}", json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def now(self) -> datetime:
        return datetime.fromisoformat((await self.control("GET", "clock"))["now"])

    async def place(self, order: dict[str, Any] | None = None) -> str:
        answer = await self.control("POST", "orders", {"order": order or {}})
        purchase_order_id: str = answer["purchaseOrderIds"][0]
        return purchase_order_id

    async def view(self, purchase_order_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.control("GET", f"orders/{purchase_order_id}")
        return found

    async def calls(self, operation: str) -> dict[str, int]:
        counts: dict[str, int] = (await self.control("GET", "stats"))["calls"].get(operation, {})
        return counts


@pytest.fixture
def walmart_simulator() -> Iterator[Callable[..., Simulator]]:
    with ExitStack() as stack:

        def start(**overrides: Any) -> Simulator:
            values: dict[str, Any] = {
                "seed": 3,
                "speed_factor": SPEED,
                "initial_orders": 0,
                **overrides,
            }
            settings = WalmartSimulatorSettings(**values)
            url = stack.enter_context(serve_in_background(create_app(settings)))
            return Simulator(url, settings)

        yield start


async def read_all(connector: WalmartConnector, window: ReadWindow) -> list[list[OrderSnapshot]]:
    pages: list[list[OrderSnapshot]] = []
    async for page in connector.read_orders(window):
        assert page.problems == []
        pages.append(page.snapshots)
    return pages


def around(moment: datetime, minutes: int = 1) -> ReadWindow:
    return ReadWindow(moment - timedelta(minutes=minutes), moment + timedelta(minutes=minutes))


# -- reading --------------------------------------------------------------------------------


async def test_reads_every_order_once_in_pages_of_two_hundred(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    placed_at = await sim.now()
    ids = (await sim.control("POST", "orders", {"count": 450}))["purchaseOrderIds"]
    records: list[CallRecord] = []
    transport = RecordingTransport()
    connector = sim.connector(observer=records.append, transport=transport)
    try:
        pages = await read_all(connector, around(placed_at))
    finally:
        await connector.aclose()

    assert [len(page) for page in pages] == [200, 200, 50]
    seen = [snapshot.external_id for page in pages for snapshot in page]
    assert len(seen) == len(set(seen)) == 450
    assert set(seen) == set(ids)
    assert all(snapshot.status is OrderStatus.UNSHIPPED for page in pages for snapshot in page)
    assert [(r.operation, r.status) for r in records] == [("tokenAPI", 200)] + [
        ("getAllOrders", 200)
    ] * 3
    searches = [r for r in transport.requests if r.url.path == "/v3/orders"]
    first = dict(searches[0].url.params)
    assert set(first) == {
        "lastModifiedStartDate",
        "lastModifiedEndDate",
        "createdStartDate",
        "limit",
    }
    for later in searches[1:]:
        params = dict(later.url.params)
        # The cursor Walmart handed out, repeating the search and saying where to go on.
        assert params["hasMoreElements"] == "true"
        assert params["lastModifiedStartDate"] == first["lastModifiedStartDate"]
        assert params["createdStartDate"] == first["createdStartDate"]


async def test_the_window_selects_what_changed_in_it(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    early_at = await sim.now()
    early = await sim.place()
    await sim.control("POST", "clock", {"advance_seconds": 3600})
    late_at = await sim.now()
    late = await sim.place()
    # The customer cancels the early order an hour later: it changed in the late window.
    await sim.control("POST", f"orders/{early}/status", {"status": "Cancelled"})
    connector = sim.connector()
    try:
        first = await read_all(connector, around(early_at))
        second = await read_all(connector, around(late_at))
    finally:
        await connector.aclose()
    assert [s.external_id for page in first for s in page] == []
    by_id = {s.external_id: s for page in second for s in page}
    assert set(by_id) == {early, late}
    assert by_id[early].status is OrderStatus.CANCELED
    assert by_id[late].status is OrderStatus.UNSHIPPED


async def test_a_drained_bucket_is_waited_out_and_the_read_completes(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    limits = {**WalmartSimulatorSettings().rate_limits, "getAllOrders": (4.0, 2)}
    sim = walmart_simulator(speed_factor=1.0, rate_limits=limits)
    placed_at = await sim.now()
    await sim.control("POST", "orders", {"count": 500})
    await sim.control("POST", "throttle/drain", {"operation": "getAllOrders"})
    connector = sim.connector()
    try:
        pages = await read_all(connector, around(placed_at))
    finally:
        await connector.aclose()
    assert sum(len(page) for page in pages) == 500
    calls = await sim.calls("getAllOrders")
    assert calls["200"] == 3
    assert calls.get("429", 0) >= 1


async def test_a_storm_of_500_and_503_is_retried_and_the_read_completes(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator(seed=4)
    placed_at = await sim.now()
    await sim.control("POST", "orders", {"count": 30})
    await sim.control("POST", "faults", {"fault_rate_500": 0.2, "fault_rate_503": 0.1})
    connector = sim.connector()
    try:
        pages = await read_all(connector, around(placed_at))
    finally:
        await connector.aclose()
    assert sum(len(page) for page in pages) == 30
    calls = await sim.calls("getAllOrders")
    assert calls.get("500", 0) + calls.get("503", 0) >= 1


async def test_a_storm_that_never_ends_is_a_transient_error(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    await sim.control("POST", "faults", {"fault_rate_503": 1.0})
    connector = sim.connector()
    try:
        with pytest.raises(TransientError, match="HTTP 503 after 4 attempts"):
            await read_all(connector, around(await sim.now()))
    finally:
        await connector.aclose()


async def test_one_token_serves_many_calls_and_an_expired_one_is_renewed_once(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    purchase_order_id = await sim.place()
    connector = sim.connector()
    try:
        for _ in range(5):
            await connector.get_order(purchase_order_id)
        assert await sim.calls("tokenAPI") == {"200": 1}
        # Walmart's clock passes the token's fifteen minutes; ours has not noticed.
        await sim.control("POST", "clock", {"advance_seconds": 901})
        snapshot = await connector.get_order(purchase_order_id)
    finally:
        await connector.aclose()
    assert snapshot.external_id == purchase_order_id
    assert await sim.calls("tokenAPI") == {"200": 2}
    assert await sim.calls("getAnOrder") == {"200": 6, "401": 1}


async def test_a_wrong_client_secret_is_a_configuration_error(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    connector = sim.connector(credentials=sim.credentials(client_secret="not-the-secret"))
    try:
        with pytest.raises(ConfigurationError, match="client id or client secret") as refused:
            await connector.check()
    finally:
        await connector.aclose()
    assert "not-the-secret" not in str(refused.value.attributes())


async def test_an_unknown_order_is_an_item_problem(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    connector = walmart_simulator().connector()
    try:
        with pytest.raises(ItemProblem, match="9999999999999 was not found"):
            await connector.get_order("9999999999999")
    finally:
        await connector.aclose()


async def test_the_factory_builds_a_working_connector_from_a_connection(
    walmart_simulator: Callable[..., Simulator],
) -> None:
    sim = walmart_simulator()
    config = ConnectionConfig(
        connection_id=1,
        name="walmart-us",
        credentials=sim.credentials(),
        options={"base_url": sim.url, "rate_limit_scale": SPEED},
    )
    connector = factory(config)
    try:
        await connector.check()
        skew = abs(await connector.marketplace_now() - datetime.now(UTC))
    finally:
        await connector.aclose()
    assert factory.channel == "walmart"
    assert skew < timedelta(seconds=5)
