"""The eBay client's HTTP dialogue against a scripted transport: tokens, refusals, paging.

Pure unit tests: httpx.MockTransport answers in eBay's shapes, so each rule of the client
is checked in isolation (the real simulator is used by the integration tests).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from orderbridge.marketplaces.ebay.client import EbayClient
from orderbridge.marketplaces.ebay.refusals import EbayRefusal
from orderbridge.marketplaces.ebay.settings import SCOPE_FINANCES, SCOPE_FULFILLMENT, EbaySettings
from orderbridge.marketplaces.errors import ConfigurationError, PermanentError, TransientError
from orderbridge.marketplaces.http import MarketplaceHttp, RetryPolicy
from orderbridge.marketplaces.ratelimit import RateLimiter

SETTINGS = EbaySettings.parse(
    {"client_id": "app-id", "client_secret": "cert-secret", "refresh_token": "v^1.1#refresh"},
    {"base_url": "https://api.ebay.test"},
)
LOWER = datetime(2026, 3, 1, tzinfo=UTC)
UPPER = datetime(2026, 3, 2, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler) -> EbayClient:
    async def no_sleep(_: float) -> None:
        return None

    http = MarketplaceHttp(
        channel="ebay",
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        limiter=RateLimiter(sleep=no_sleep),
        retry=RetryPolicy(attempts=2, base_delay=0, max_delay=0),
        sleep=no_sleep,
    )
    return EbayClient(SETTINGS, http)


ACCESS = "v^1.1#access"


def token_answer(token: str = ACCESS) -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": token, "expires_in": 7200, "token_type": "User Access Token"}
    )


def ebay_error(status: int, error_id: int, message: str) -> httpx.Response:
    body = {"errors": [{"errorId": error_id, "domain": "API_FULFILLMENT", "message": message}]}
    return httpx.Response(status, json=body)


async def test_the_token_is_minted_once_with_basic_auth_and_scopes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/identity/v1/oauth2/token":
            return token_answer()
        assert request.headers["authorization"] == "Bearer v^1.1#access"
        return httpx.Response(200, json={"orderId": "01-23456-78901"})

    client = client_for(handler)
    await client.get_order("01-23456-78901")
    await client.get_order("01-23456-78901")
    token_requests = [r for r in seen if r.url.path.endswith("/token")]
    assert len(token_requests) == 1
    (token_request,) = token_requests
    expected = base64.b64encode(b"app-id:cert-secret").decode()
    assert token_request.headers["authorization"] == f"Basic {expected}"
    form = parse_qs(token_request.content.decode())
    assert form["grant_type"] == ["refresh_token"]
    assert form["refresh_token"] == ["v^1.1#refresh"]
    assert form["scope"] == [f"{SCOPE_FULFILLMENT} {SCOPE_FINANCES}"]


async def test_a_refused_token_is_refreshed_once_then_the_call_repeats() -> None:
    tokens = iter(["v^1.1#old", "v^1.1#new"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_answer(next(tokens))
        if request.headers["authorization"] == "Bearer v^1.1#old":
            return ebay_error(401, 1001, "Invalid access token")
        return httpx.Response(200, json={"orderId": "01-23456-78901"})

    assert (await client_for(handler).get_order("01-23456-78901"))["orderId"] == "01-23456-78901"


async def test_a_rejected_refresh_token_is_a_configuration_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"error": "invalid_grant", "error_description": "token is invalid"}
        )

    with pytest.raises(ConfigurationError, match="refresh_token") as raised:
        await client_for(handler).get_order("01-23456-78901")
    assert "v^1.1#refresh" not in str(raised.value.attributes())


async def test_a_refusal_keeps_ebays_error_ids_and_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_answer()
        return ebay_error(409, 34924, "The item refund amount exceeds the item remaining amount.")

    with pytest.raises(EbayRefusal) as raised:
        await client_for(handler).issue_refund("01-23456-78901", {"reasonForRefund": "X"})
    assert raised.value.error_ids == frozenset({34924})
    assert raised.value.http_status == 409
    assert "34924: The item refund amount exceeds" in raised.value.message


async def test_a_scope_refusal_says_which_grant_is_missing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_answer()
        return ebay_error(403, 1100, "Access denied")

    with pytest.raises(ConfigurationError, match=r"sell\.finances"):
        await client_for(handler).issue_refund("01-23456-78901", {})


def page(offset: int, count: int, total: int, *, next_offset: int | None) -> httpx.Response:
    body: dict[str, Any] = {
        "total": total,
        "offset": offset,
        "limit": 2,
        "orders": [{"orderId": f"01-00000-{offset + i:05d}"} for i in range(count)],
    }
    if next_offset is not None:
        body["next"] = (
            f"https://api.ebay.test/sell/fulfillment/v1/order?limit=2&offset={next_offset}"
        )
    return httpx.Response(200, json=body)


async def walk(client: EbayClient) -> list[str]:
    ids = []
    async for body in client.get_orders(LOWER, UPPER, limit=2):
        ids.extend(order["orderId"] for order in body["orders"])
    return ids


async def test_pages_are_followed_by_the_next_offset() -> None:
    offsets: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_answer()
        offset = int(request.url.params["offset"])
        offsets.append(request.url.params["offset"])
        assert request.url.params["filter"].startswith("lastmodifieddate:[2026-03-01T00:00")
        return page(
            offset, 2 if offset < 4 else 1, 5, next_offset=offset + 2 if offset < 4 else None
        )

    assert await walk(client_for(handler)) == [f"01-00000-{i:05d}" for i in range(5)]
    assert offsets == ["0", "2", "4"]


async def test_a_window_that_changes_mid_walk_is_read_again() -> None:
    answers = iter(
        [
            page(0, 2, 5, next_offset=2),
            page(2, 2, 4, next_offset=4),  # an order left the window: offsets shifted
            page(0, 2, 4, next_offset=2),
            page(2, 2, 4, next_offset=None),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return token_answer() if request.url.path.endswith("/token") else next(answers)

    ids = await walk(client_for(handler))
    assert ids == [
        "01-00000-00000",
        "01-00000-00001",
        "01-00000-00000",
        "01-00000-00001",
        "01-00000-00002",
        "01-00000-00003",
    ]


async def test_a_walk_that_stops_short_or_loops_is_an_error() -> None:
    def short(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_answer()
        return page(0, 2, 5, next_offset=None)

    with pytest.raises(TransientError, match="2 of 5"):
        await walk(client_for(short))

    def looping(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_answer()
        return page(0, 2, 5, next_offset=0)

    with pytest.raises(PermanentError, match="does not move past offset 0"):
        await walk(client_for(looping))


async def test_a_new_fulfillment_id_comes_from_the_location_header() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_answer()
        assert json.loads(request.content)["lineItems"] == [{"lineItemId": "1", "quantity": 1}]
        assert request.headers["content-type"] == "application/json"
        location = (
            "https://api.ebay.test/sell/fulfillment/v1/order/01-23456-78901"
            "/shipping_fulfillment/1Z999AA10123456784"
        )
        return httpx.Response(201, headers={"Location": location})

    client = client_for(handler)
    body = {"lineItems": [{"lineItemId": "1", "quantity": 1}]}
    assert await client.create_fulfillment("01-23456-78901", body) == "1Z999AA10123456784"


async def test_post_order_calls_use_the_iaf_scheme_and_the_marketplace_header() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_answer()
        assert request.url.path == "/post-order/v2/cancellation/check_eligibility"
        assert request.headers["authorization"] == "IAF v^1.1#access"
        assert request.headers["x-ebay-c-marketplace-id"] == "EBAY_DE"
        return httpx.Response(200, json={"eligible": True})

    answer = await client_for(handler).cancellation_eligibility("01-23456-78901", "EBAY_DE")
    assert answer == {"eligible": True}


async def test_the_clock_follows_ebays_date_header() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"access_token": "t", "expires_in": 7200},
            headers={"date": "Wed, 04 Mar 2026 15:30:00 GMT"},
        )

    http = client_for(handler)
    await http.tokens.access_token()
    assert http.skew is not None
    assert abs((http.now() - datetime(2026, 3, 4, 15, 30, tzinfo=UTC)).total_seconds()) < 5
