"""The Walmart client's HTTP dialogue, against canned answers (httpx.MockTransport).

What a seller's integration depends on: the headers Walmart requires on every call, one
token exchange for many calls, Walmart's throttling headers turned into waits, paging
that follows the cursor and stops loudly on a loop, and settings checked up front.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.errors import ConfigurationError, PermanentError
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.marketplaces.ratelimit import RateLimiter
from orderbridge.marketplaces.walmart import WalmartConnector, WalmartSettings, factory
from orderbridge.marketplaces.walmart.capabilities import walmart_capabilities
from orderbridge.marketplaces.walmart.throttling import (
    ReplenishAsRetryAfter,
    seconds_until_replenish,
)

BASE = "https://walmart.test"
SECRET = "s3cr3t-client-secret"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WINDOW = ReadWindow(NOW - timedelta(hours=1), NOW - timedelta(minutes=5))


def page(orders: list[dict[str, Any]], cursor: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"totalCount": len(orders), "limit": 200}
    if cursor:
        meta["nextCursor"] = cursor
    return {"list": {"meta": meta, "elements": {"order": orders}}}


Handler = Callable[[httpx.Request], httpx.Response]


def connector(handler: Handler, **kwargs: Any) -> WalmartConnector:
    settings = WalmartSettings.parse(
        {"client_id": "client-1", "client_secret": SECRET}, {"base_url": BASE}
    )
    retry = RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0)
    return WalmartConnector(settings, transport=httpx.MockTransport(handler), retry=retry, **kwargs)


def walmart(requests: list[httpx.Request], pages: list[dict[str, Any]]) -> Handler:
    """A token endpoint and a search that answers ``pages`` in turn."""

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.path == "/v3/token":
            return httpx.Response(
                200, json={"access_token": "tok-1", "token_type": "Bearer", "expires_in": 900}
            )
        return httpx.Response(200, json=pages.pop(0))

    return handle


async def read(subject: WalmartConnector) -> int:
    count = 0
    async for found in subject.read_orders(WINDOW):
        count += len(found.snapshots) + len(found.problems)
    return count


async def test_every_call_carries_walmarts_headers_and_one_token_serves_them_all() -> None:
    requests: list[httpx.Request] = []
    subject = connector(walmart(requests, [page([]), page([]), page([])]))
    try:
        for _ in range(3):
            await read(subject)
    finally:
        await subject.aclose()

    token_calls = [r for r in requests if r.url.path == "/v3/token"]
    assert len(token_calls) == 1
    (exchange,) = token_calls
    expected = "Basic " + base64.b64encode(f"client-1:{SECRET}".encode()).decode()
    assert exchange.headers["authorization"] == expected
    assert exchange.content == b"grant_type=client_credentials"
    assert exchange.headers["content-type"] == "application/x-www-form-urlencoded"
    searches = [r for r in requests if r.url.path == "/v3/orders"]
    assert len(searches) == 3
    assert all(r.headers["wm_sec.access_token"] == "tok-1" for r in searches)
    assert all(r.headers["accept"] == "application/json" for r in searches)
    assert all(r.headers["wm_svc.name"] for r in requests)
    correlation_ids = [r.headers["wm_qos.correlation_id"] for r in requests]
    assert len(set(correlation_ids)) == len(requests) == 4  # a fresh GUID per call


async def test_the_search_bounds_the_window_and_reaches_back_for_old_orders() -> None:
    requests: list[httpx.Request] = []
    subject = connector(walmart(requests, [page([])]))
    window = ReadWindow(
        datetime(2026, 3, 2, 10, 0, 0, 700_000, tzinfo=UTC),
        datetime(2026, 3, 2, 11, 0, 0, 200_000, tzinfo=UTC),
    )
    try:
        async for _ in subject.read_orders(window):
            pass
    finally:
        await subject.aclose()
    params = dict(requests[-1].url.params)
    # Whole seconds: the lower bound cut down, the upper one rounded up, nothing skipped.
    assert params["lastModifiedStartDate"] == "2026-03-02T10:00:00Z"
    assert params["lastModifiedEndDate"] == "2026-03-02T11:00:01Z"
    assert params["limit"] == "200"
    # Without createdStartDate Walmart would search the last seven days only.
    created = datetime.fromisoformat(params["createdStartDate"])
    assert datetime.now(UTC) - created > timedelta(days=178)


async def test_a_next_page_is_the_cursor_appended_verbatim() -> None:
    requests: list[httpx.Request] = []
    cursor = "?limit=200&hasMoreElements=true&soIndex=400&poIndex=17:99&partnerId=1&sellerId=2"
    subject = connector(walmart(requests, [page([], cursor), page([])]))
    try:
        await read(subject)
    finally:
        await subject.aclose()
    second = requests[-1]
    assert second.url.path == "/v3/orders"
    assert "?" + second.url.query.decode() == cursor


async def test_a_cursor_seen_twice_stops_the_read_loudly() -> None:
    cursor = "?limit=200&hasMoreElements=true&soIndex=200&poIndex=1:1&partnerId=1&sellerId=2"
    subject = connector(walmart([], [page([], cursor), page([], cursor)]))
    try:
        with pytest.raises(PermanentError, match="same nextCursor twice"):
            await read(subject)
    finally:
        await subject.aclose()


async def test_no_orders_found_answered_as_404_is_an_empty_read() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v3/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 900})
        error = {"code": "CONTENT_NOT_FOUND.GMP_ORDER_API", "description": "No Orders found."}
        return httpx.Response(404, json={"errors": {"error": [error]}})

    subject = connector(handle)
    try:
        assert await read(subject) == 0
    finally:
        await subject.aclose()


async def test_refused_credentials_are_a_configuration_error_without_the_secret() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        error = {"code": "UNAUTHORIZED.GMP_GATEWAY_API", "description": "Unauthorized"}
        return httpx.Response(401, json={"errors": {"error": [error]}, "echo": SECRET})

    subject = connector(handle)
    try:
        with pytest.raises(ConfigurationError) as refused:
            await read(subject)
    finally:
        await subject.aclose()
    assert "API Key Management" in refused.value.message
    assert SECRET not in str(refused.value.attributes())


async def test_an_empty_bucket_holds_the_next_call_until_walmart_refills_it() -> None:
    replenish_ms = int((NOW + timedelta(seconds=7)).timestamp() * 1000)
    moments = iter([100.0] * 100)
    limiter = RateLimiter(walmart_capabilities().rate_limits, clock=lambda: next(moments))

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v3/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 900})
        headers = {
            "x-current-token-count": "0",
            "x-next-replenish-time": str(replenish_ms),
            "date": format_datetime(NOW, usegmt=True),
        }
        return httpx.Response(200, json=page([]), headers=headers)

    subject = connector(handle, limiter=limiter)
    try:
        await read(subject)
    finally:
        await subject.aclose()
    assert limiter.bucket("getAllOrders").blocked_until == pytest.approx(107.05)


async def test_a_429_gets_a_retry_after_from_walmarts_replenish_time() -> None:
    replenish_ms = int((NOW + timedelta(seconds=2.5)).timestamp() * 1000)

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {
            "x-current-token-count": "0",
            "x-next-replenish-time": str(replenish_ms),
            "date": format_datetime(NOW, usegmt=True),
        }
        return httpx.Response(429, headers=headers)

    transport = ReplenishAsRetryAfter(httpx.MockTransport(handle))
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(f"{BASE}/v3/orders")
    # The local clock disagrees with Walmart's Date: the wait is measured against Date.
    assert response.headers["retry-after"] == "2.550"


def test_validate_settings_names_the_missing_field() -> None:
    with pytest.raises(ConfigurationError, match="client_secret"):
        factory.validate_settings({"client_id": "x"}, {})
    with pytest.raises(ConfigurationError, match="base_url"):
        factory.validate_settings({"client_id": "x", "client_secret": "y"}, {"base_url": "ftp:x"})
    with pytest.raises(ConfigurationError, match="rate_limit_scale"):
        factory.validate_settings({"client_id": "x", "client_secret": "y"}, {"rate_limit_scale": 0})
    settings = WalmartSettings.parse({"client_id": "x", "client_secret": SECRET}, {})
    assert settings.base_url == "https://marketplace.walmartapis.com"
    assert SECRET not in repr(settings)


def test_capabilities_declare_walmarts_rules() -> None:
    capabilities = walmart_capabilities(scale=10)
    assert capabilities.operations == {
        "import_orders",
        "get_order",
        "ship",
        "cancel",
        "refund",
        "acknowledge",
    }
    assert capabilities.acknowledgement_required
    assert capabilities.acknowledgement_deadline == timedelta(hours=4)
    assert capabilities.tracking_required
    assert not capabilities.partial_cancel
    rates = {limit.operation: limit.rate for limit in capabilities.rate_limits}
    assert rates["getAllOrders"] == pytest.approx(5.0)


def test_a_local_clock_that_agrees_with_walmart_measures_the_wait_to_the_millisecond() -> None:
    served = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
    local_now = served.timestamp() + 0.8  # the Date header has lost the fraction
    headers = httpx.Headers(
        {
            "x-next-replenish-time": str(int(served.timestamp() * 1000) + 1000),
            "date": format_datetime(served, usegmt=True),
        }
    )
    assert seconds_until_replenish(headers, local_now) == pytest.approx(0.25)
    assert seconds_until_replenish(headers, local_now + 3600) == pytest.approx(1.05)
    assert seconds_until_replenish(httpx.Headers(), local_now) is None
