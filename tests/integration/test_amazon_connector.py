"""The Amazon connector against the real SP-API simulator, over real HTTP sockets."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from orderbridge.domain.order import OrderSnapshot
from orderbridge.marketplaces.amazon import AmazonConnector, factory
from orderbridge.marketplaces.base import CallRecord, ConnectionConfig, MappingProblem, ReadWindow
from orderbridge.marketplaces.errors import (
    ConfigurationError,
    ItemProblem,
    PermanentError,
    TransientError,
)
from orderbridge.marketplaces.http import RetryPolicy
from tests.integration.amazon_simulator import (
    FAST_RETRY,
    RecordingTransport,
    SimulatorFactory,
    SimulatorHandle,
    amazon_simulator,
)

__all__ = ["amazon_simulator"]  # the fixture, imported so pytest finds it here

SEARCH = "/orders/2026-01-01/orders"


async def read_all(
    connector: AmazonConnector, window: ReadWindow
) -> tuple[list[list[OrderSnapshot]], list[MappingProblem]]:
    pages: list[list[OrderSnapshot]] = []
    problems: list[MappingProblem] = []
    async for page in connector.read_orders(window):
        pages.append(page.snapshots)
        problems.extend(page.problems)
    return pages, problems


async def orders_placed(sim: SimulatorHandle, count: int) -> tuple[list[str], ReadWindow]:
    """Place ``count`` orders now, then move the simulator past the settle lag.

    The window is explicit because the simulator's own clock is what Amazon's rule reads.
    """
    placed_at = await sim.now()
    ids = await sim.add_orders(count)
    await sim.advance(300)
    window = ReadWindow(placed_at - timedelta(minutes=1), placed_at + timedelta(minutes=1))
    return ids, window


async def test_reads_every_order_once_with_one_search_per_hundred(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    ids, window = await orders_placed(sim, 1000)
    records: list[CallRecord] = []
    transport = RecordingTransport()
    connector = sim.connector(observer=records.append, transport=transport)
    try:
        pages, problems = await read_all(connector, window)
    finally:
        await connector.aclose()

    assert problems == []
    assert [len(page) for page in pages] == [100] * 10
    seen = [snapshot.external_id for page in pages for snapshot in page]
    assert len(seen) == len(set(seen)) == 1000
    assert set(seen) == set(ids)

    searches = await sim.calls("searchOrders")
    assert searches == {"200": 10}
    assert await sim.calls("lwaToken") == {"200": 1}
    assert sum(searches.values()) / len(ids) <= 0.011

    assert [(r.operation, r.status) for r in records] == [("lwaToken", 200)] + [
        ("searchOrders", 200)
    ] * 10
    assert all(r.channel == "amazon" and r.seconds >= 0 for r in records)

    search_requests = [r for r in transport.requests if r.url.path == SEARCH]
    first = dict(search_requests[0].url.params)
    assert first["lastUpdatedAfter"] == window.lower.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert first["lastUpdatedBefore"] == window.upper.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert first["marketplaceIds"] == ",".join(sim.settings.marketplace_ids)
    assert first["maxResultsPerPage"] == "100"
    assert set(first["includedData"].split(",")) >= {
        "BUYER",
        "RECIPIENT",
        "FULFILLMENT",
        "PROCEEDS",
    }
    assert "paginationToken" not in first
    tokens = []
    for request in search_requests[1:]:
        params = dict(request.url.params)
        tokens.append(params.pop("paginationToken"))
        assert params == first  # every other parameter repeated unchanged
    assert len(set(tokens)) == 9
    first_request = search_requests[0]
    assert first_request.headers["user-agent"].startswith("orderbridge/")
    assert first_request.headers["x-amz-date"].endswith("Z")
    assert "x-amz-access-token" in first_request.headers


async def test_window_bounds_select_what_is_read(amazon_simulator: SimulatorFactory) -> None:
    sim = amazon_simulator()
    early_at = await sim.now()
    early = await sim.add_orders(30)
    await sim.advance(3600)
    late = await sim.add_orders(20)
    await sim.advance(300)
    connector = sim.connector()
    try:
        first, _ = await read_all(
            connector, ReadWindow(early_at - timedelta(seconds=5), early_at + timedelta(minutes=5))
        )
        both, _ = await read_all(
            connector, ReadWindow(early_at - timedelta(seconds=5), early_at + timedelta(minutes=61))
        )
    finally:
        await connector.aclose()
    assert {s.external_id for page in first for s in page} == set(early)
    assert {s.external_id for page in both for s in page} == set(early) | set(late)


async def test_throttled_reads_wait_out_429s_and_complete(
    amazon_simulator: SimulatorFactory,
) -> None:
    # 0.0056/s x 500 = 2.8 searches per second, burst 20.
    sim = amazon_simulator(speed_factor=500.0)
    ids, window = await orders_placed(sim, 500)
    await drain_search_budget(sim)

    connector = sim.connector(options=sim.options(rate_limit_scale=500.0))
    try:
        pages, problems = await read_all(connector, window)
    finally:
        await connector.aclose()

    assert problems == []
    assert sorted(s.external_id for page in pages for s in page) == sorted(ids)
    searches = await sim.calls("searchOrders")
    assert searches.get("429", 0) >= 1
    assert searches["200"] == 20 + 5  # the drain and the five pages of the read


async def drain_search_budget(sim: SimulatorHandle) -> None:
    """Spend the seller's searchOrders burst from another client of the same seller."""
    async with httpx.AsyncClient(base_url=sim.url) as client:
        token = (
            await client.post(
                "/auth/o2/token", data={"grant_type": "refresh_token", **sim.credentials()}
            )
        ).json()["access_token"]
        after = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for _ in range(20):
            response = await client.get(
                SEARCH,
                params={"lastUpdatedAfter": after, "maxResultsPerPage": "1"},
                headers={"x-amz-access-token": token},
            )
            assert response.status_code == 200


async def test_a_storm_of_500_and_503_is_retried_and_the_read_completes(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    ids, window = await orders_placed(sim, 1000)
    await sim.faults(fault_rate_500=0.25, fault_rate_503=0.25)
    records: list[CallRecord] = []
    connector = sim.connector(
        retry=RetryPolicy(attempts=12, base_delay=0.001, max_delay=0.005),
        observer=records.append,
    )
    try:
        pages, problems = await read_all(connector, window)
    finally:
        await connector.aclose()

    assert problems == []
    assert sorted(s.external_id for page in pages for s in page) == sorted(ids)
    searches = await sim.calls("searchOrders")
    assert searches["200"] == 10
    assert searches.get("500", 0) + searches.get("503", 0) >= 3
    assert {r.status for r in records if r.operation == "searchOrders"} >= {200}


async def test_a_storm_that_never_ends_is_a_transient_error(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    _, window = await orders_placed(sim, 10)
    await sim.faults(fault_rate_503=1.0)
    connector = sim.connector()
    try:
        with pytest.raises(TransientError) as caught:
            await read_all(connector, window)
    finally:
        await connector.aclose()
    assert caught.value.http_status == 503
    assert caught.value.operation == "searchOrders"
    assert "ServiceUnavailable" in (caught.value.response_excerpt or "")
    assert await sim.calls("searchOrders") == {"503": FAST_RETRY.attempts}


async def test_a_wrong_refresh_token_is_a_configuration_error(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    wrong = "Atzr|this-refresh-token-was-revoked"
    connector = sim.connector(credentials=sim.credentials(refresh_token=wrong))
    try:
        with pytest.raises(ConfigurationError) as caught:
            await connector.check()
    finally:
        await connector.aclose()
    error = caught.value
    assert "re-authorise the app" in error.message
    assert error.http_status == 400
    assert "invalid_grant" in (error.response_excerpt or "")
    shown = json.dumps(error.attributes()) + str(error)
    assert wrong not in shown
    assert sim.settings.client_secret not in shown
    assert await sim.calls("lwaToken") == {"400": 1}  # a rejected grant is not retried
    assert await sim.calls("searchOrders") == {}


async def test_a_wrong_client_secret_is_a_configuration_error(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    connector = sim.connector(credentials=sim.credentials(client_secret="not-the-secret-at-all"))
    try:
        with pytest.raises(ConfigurationError, match="client id or client secret"):
            await connector.check()
    finally:
        await connector.aclose()


async def test_a_400_is_permanent_with_the_response_excerpt(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    now = await sim.now()
    connector = sim.connector()
    try:
        with pytest.raises(PermanentError) as caught:
            # Amazon refuses an upper bound closer than two minutes to its now.
            await read_all(connector, ReadWindow(now - timedelta(hours=1), now))
    finally:
        await connector.aclose()
    error = caught.value
    assert error.http_status == 400
    assert error.operation == "searchOrders"
    assert "InvalidInput" in (error.response_excerpt or "")
    assert "two minutes" in (error.response_excerpt or "")
    assert len(error.response_excerpt or "") <= 2001
    assert error.request is not None and "lastUpdatedBefore" in error.request
    assert await sim.calls("searchOrders") == {"400": 1}  # not retried


async def test_an_error_excerpt_never_carries_a_token(amazon_simulator: SimulatorFactory) -> None:
    sim = amazon_simulator()
    _, window = await orders_placed(sim, 1)
    transport = EchoingErrorTransport()
    connector = sim.connector(transport=transport)
    try:
        with pytest.raises(PermanentError) as caught:
            await read_all(connector, window)
    finally:
        await connector.aclose()
    access_token = transport.requests[-1].headers["x-amz-access-token"]
    shown = json.dumps(caught.value.attributes()) + str(caught.value)
    assert "x-amz-access-token" in shown  # the echo is kept, its value is not
    assert access_token not in shown
    assert sim.settings.refresh_token not in shown
    assert sim.settings.client_secret not in shown
    assert "leaked-by-a-proxy" not in shown


class EchoingErrorTransport(RecordingTransport):
    """A misbehaving gateway that echoes the request's credentials in a 400 body."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.url.path != SEARCH:
            return response
        await response.aread()
        body = {
            "errors": [{"code": "InvalidInput", "message": "echo", "details": "see headers"}],
            "headers": {"x-amz-access-token": request.headers["x-amz-access-token"]},
            "refresh_token": "Atzr|leaked-by-a-proxy",
        }
        return httpx.Response(400, json=body)


async def test_the_access_token_is_cached_across_calls(amazon_simulator: SimulatorFactory) -> None:
    sim = amazon_simulator()
    ids, window = await orders_placed(sim, 150)
    connector = sim.connector()
    try:
        await connector.check()
        await read_all(connector, window)
        await asyncio.gather(*(connector.get_order(order_id) for order_id in ids[:5]))
        await read_all(connector, window)
    finally:
        await connector.aclose()
    assert await sim.calls("lwaToken") == {"200": 1}
    assert await sim.calls("getOrder") == {"200": 5}


async def test_an_expired_access_token_is_refreshed_once(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    ids, window = await orders_placed(sim, 5)
    connector = sim.connector()
    try:
        await connector.get_order(ids[0])
        # Amazon's clock passes the token's hour while ours still trusts it.
        await sim.advance(sim.settings.access_token_ttl_seconds + 1)
        pages, _ = await read_all(connector, window)
    finally:
        await connector.aclose()
    assert sorted(s.external_id for page in pages for s in page) == sorted(ids)
    assert await sim.calls("lwaToken") == {"200": 2}
    assert await sim.calls("searchOrders") == {"403": 1, "200": 1}


async def test_get_order_maps_the_order(amazon_simulator: SimulatorFactory) -> None:
    sim = amazon_simulator()
    [order_id] = await sim.add_orders(1, fulfillmentStatus="UNSHIPPED")
    connector = sim.connector()
    try:
        snapshot = await connector.get_order(order_id)
        with pytest.raises(ItemProblem) as caught:
            await connector.get_order("111-0000000-0000000")
    finally:
        await connector.aclose()
    assert snapshot.external_id == order_id
    assert snapshot.marketplace_status == "UNSHIPPED"
    assert snapshot.lines and all(
        line.item_price.currency == snapshot.currency for line in snapshot.lines
    )
    assert snapshot.last_updated_at.tzinfo is not None
    assert snapshot.shipping_address is not None
    assert caught.value.http_status == 404


async def test_a_repeated_pagination_token_stops_the_read_loudly(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    _, window = await orders_placed(sim, 350)
    transport = RepeatFirstTokenTransport()
    connector = sim.connector(transport=transport)
    pages = 0
    try:
        with pytest.raises(PermanentError, match="same pagination token twice"):
            async for _ in connector.read_orders(window):
                pages += 1
    finally:
        await connector.aclose()
    assert pages == 2  # both pages were handed over before the loop was seen


class RepeatFirstTokenTransport(RecordingTransport):
    """Real simulator answers, except that every nextToken is the first one: a server bug."""

    def __init__(self) -> None:
        super().__init__()
        self.first_token: str | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.url.path != SEARCH or response.status_code != 200:
            return response
        body: dict[str, Any] = json.loads(await response.aread())
        token = (body.get("pagination") or {}).get("nextToken")
        if token and self.first_token is None:
            self.first_token = token
        elif token:
            body["pagination"]["nextToken"] = self.first_token
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, json=body)


async def test_factory_builds_a_working_connector_from_a_connection(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    records: list[CallRecord] = []
    config = ConnectionConfig(
        connection_id=1,
        name="Amazon US",
        credentials=sim.credentials(),
        options=sim.options(),
        observer=records.append,
    )
    factory.validate_settings(config.credentials, config.options)
    connector = factory(config)
    try:
        await connector.check()
        now = await connector.marketplace_now()
    finally:
        await connector.aclose()
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert [r.operation for r in records] == ["lwaToken", "searchOrders"]
    assert connector.capabilities.settle_lag == timedelta(minutes=2)
    assert {limit.operation for limit in connector.capabilities.rate_limits} == {
        "searchOrders",
        "getOrder",
        "confirmShipment",
        "createFeedDocument",
        "createFeed",
        "getFeed",
        "createReport",
        "getReport",
        "getReportDocument",
        "getFeedDocument",
    }


@pytest.mark.parametrize(
    ("credentials", "options", "field"),
    [
        ({"client_secret": "s", "refresh_token": "r"}, {"marketplace_ids": ["A"]}, "client_id"),
        ({"client_id": "c", "refresh_token": "r"}, {"marketplace_ids": ["A"]}, "client_secret"),
        ({"client_id": "c", "client_secret": "s"}, {"marketplace_ids": ["A"]}, "refresh_token"),
        ({"client_id": "c", "client_secret": "s", "refresh_token": "r"}, {}, "marketplace_ids"),
        (
            {"client_id": "c", "client_secret": "s", "refresh_token": "r"},
            {"marketplace_ids": "ATVPDKIKX0DER"},
            "marketplace_ids",
        ),
        (
            {"client_id": "c", "client_secret": "s", "refresh_token": "r"},
            {"marketplace_ids": ["A"], "rate_limit_scale": 0},
            "rate_limit_scale",
        ),
        (
            {"client_id": "c", "client_secret": "s", "refresh_token": "r"},
            {"marketplace_ids": ["A"], "base_url": "sellingpartnerapi-na.amazon.com"},
            "base_url",
        ),
    ],
)
def test_validate_settings_names_the_missing_field(
    credentials: dict[str, str], options: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConfigurationError, match=field):
        factory.validate_settings(credentials, options)
