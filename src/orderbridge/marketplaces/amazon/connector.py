"""The Amazon connector: binds the HTTP client and the pure mapper to the connector port.

It owns one connection's HTTP client, rate limiter and token cache, so the composition
root should build one connector per connection and reuse it (or pass a shared limiter).
Writes go out through :mod:`.shipping` (confirmShipment) and :mod:`.feed_updates`
(cancellations and refunds as feeds, and a return's refund decision as a refund, see
:mod:`.return_decisions`); this class only picks which. Returns are read from the
returns report (:mod:`.return_reads`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.order import OrderSnapshot
from orderbridge.marketplaces.amazon.capabilities import amazon_capabilities
from orderbridge.marketplaces.amazon.client import AmazonClient, rate_from_headers
from orderbridge.marketplaces.amazon.feed_updates import FeedUpdates
from orderbridge.marketplaces.amazon.feeds import FeedsClient
from orderbridge.marketplaces.amazon.mapper import map_order, order_id_of
from orderbridge.marketplaces.amazon.return_decisions import refund_for, unsupported_decision
from orderbridge.marketplaces.amazon.return_reads import ReturnReads
from orderbridge.marketplaces.amazon.returns_reports import ReturnsReports
from orderbridge.marketplaces.amazon.settings import AmazonSettings
from orderbridge.marketplaces.amazon.shipping import confirm_shipment
from orderbridge.marketplaces.base import (
    CallObserver,
    Capabilities,
    MappingProblem,
    OrderPage,
    ReadWindow,
    ReturnPage,
    SharedBudget,
)
from orderbridge.marketplaces.errors import ItemProblem, PermanentError
from orderbridge.marketplaces.http import MarketplaceHttp, RetryPolicy, excerpt
from orderbridge.marketplaces.ratelimit import RateLimiter, Sleep
from orderbridge.marketplaces.updates import (
    CancellationUpdate,
    MarketplaceUpdate,
    RefundUpdate,
    ReturnDecisionUpdate,
    ShipmentUpdate,
    UpdateOutcome,
)

CHANNEL = "amazon"
# A tiny look-back for check(): enough to prove the search works, cheap to answer.
_CHECK_LOOKBACK = timedelta(hours=1)


class AmazonConnector:
    """One Amazon seller connection: orders and returns read, shipments, cancellations and
    refunds sent."""

    channel: ClassVar[str] = CHANNEL

    def __init__(
        self,
        settings: AmazonSettings,
        *,
        observer: CallObserver | None = None,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        budget: SharedBudget | None = None,
    ) -> None:
        self.settings = settings
        self.capabilities: Capabilities = amazon_capabilities(settings.rate_limit_scale)
        self.limiter = limiter or RateLimiter(
            self.capabilities.rate_limits, sleep=sleep, shared=budget
        )
        self._client_http = httpx.AsyncClient(
            timeout=settings.timeout_seconds, transport=transport, follow_redirects=False
        )
        policy = retry or RetryPolicy()
        self.http = MarketplaceHttp(
            channel=CHANNEL,
            client=self._client_http,
            limiter=self.limiter,
            observer=observer,
            retry=policy,
            rate_header=rate_from_headers,
            sleep=sleep,
        )
        # The same connection, limiter and secrets, without repeats on 5xx and timeouts:
        # for writes whose lost answer the core must see (see AmazonClient.send).
        single_attempt = MarketplaceHttp(
            channel=CHANNEL,
            client=self._client_http,
            limiter=self.limiter,
            observer=observer,
            retry=replace(policy, attempts=1),
            rate_header=rate_from_headers,
            redactor=self.http.redact,
            sleep=sleep,
        )
        self.client = AmazonClient(settings, self.http, single_attempt_http=single_attempt)
        self._feed_updates = FeedUpdates(
            settings, self.client, FeedsClient(self.client, self.limiter)
        )
        self._return_reads = ReturnReads(
            self.client,
            ReturnsReports(self.client, scale=settings.rate_limit_scale, sleep=sleep),
        )

    async def marketplace_now(self) -> datetime:
        if self.client.skew is None:
            # The token exchange is the cheapest call that shows Amazon's clock.
            await self.client.access_token()
        return self.client.now()

    async def read_orders(self, window: ReadWindow) -> AsyncIterator[OrderPage]:
        _check_window(window)
        pages = self.client.search_orders(
            last_updated_after=window.lower, last_updated_before=window.upper
        )
        # A caller that stops early must not leave the page walk suspended mid-request.
        async with aclosing(pages):
            async for body in pages:
                yield map_page(body["orders"])

    async def read_returns(self, window: ReadWindow) -> AsyncIterator[ReturnPage]:
        _check_window(window)
        pages = self._return_reads.read(window)
        async with aclosing(pages):
            async for page in pages:
                yield page

    async def get_order(self, external_id: str) -> OrderSnapshot:
        try:
            payload = await self.client.get_order(external_id)
        except PermanentError as exc:
            if exc.http_status == 404:
                raise ItemProblem(
                    f"amazon order {external_id} was not found",
                    operation=exc.operation,
                    http_status=404,
                    response_excerpt=exc.response_excerpt,
                    request=exc.request,
                ) from exc
            raise
        try:
            return map_order(payload)
        except InvalidOrderData as exc:
            raise ItemProblem(
                str(exc),
                operation="getOrder",
                response_excerpt=excerpt(str(payload), self.http.redact),
            ) from exc

    async def check(self) -> None:
        now = await self.marketplace_now()
        pages = self.client.search_orders(
            last_updated_after=now - _CHECK_LOOKBACK, page_size=1, included_data=()
        )
        async with aclosing(pages):
            async for _ in pages:
                break

    async def push_update(self, update: MarketplaceUpdate, *, retry: bool) -> UpdateOutcome:
        marketplace_id = update.marketplace_id or self.settings.marketplace_ids[0]
        if isinstance(update, ShipmentUpdate):
            return await confirm_shipment(self.client, update, marketplace_id, retry=retry)
        if isinstance(update, CancellationUpdate):
            return await self._feed_updates.cancel(update, marketplace_id, retry=retry)
        if isinstance(update, RefundUpdate):
            return await self._feed_updates.refund(update, marketplace_id)
        if isinstance(update, ReturnDecisionUpdate):
            if update.decision not in self.capabilities.return_decisions:
                raise unsupported_decision(update)
            # A refund decision is a refund; no second path to Amazon's adjustment feed.
            return await self._feed_updates.refund(refund_for(update), marketplace_id)
        raise PermanentError(f"amazon: no way to deliver a {type(update).__name__}")

    async def check_update(self, update: MarketplaceUpdate, handle: str) -> UpdateOutcome:
        if isinstance(update, ReturnDecisionUpdate):
            return await self._feed_updates.check(refund_for(update), handle)
        return await self._feed_updates.check(update, handle)

    async def aclose(self) -> None:
        await self._client_http.aclose()


def _check_window(window: ReadWindow) -> None:
    if window.lower.utcoffset() is None or window.upper.utcoffset() is None:
        raise PermanentError(f"read window {window} has a naive bound; use UTC-aware times")
    if window.lower > window.upper:
        raise PermanentError(
            f"read window is reversed: lower {window.lower} is after upper {window.upper}"
        )


def map_page(orders: list[Any]) -> OrderPage:
    """Map every order of one API page; one bad order is a problem, not a failed page."""
    page = OrderPage()
    for payload in orders:
        try:
            page.snapshots.append(map_order(payload))
        except InvalidOrderData as exc:
            page.problems.append(_problem(payload, str(exc)))
        except (ValueError, TypeError, ArithmeticError) as exc:
            # A payload shape the mapper did not foresee: quarantine this order, keep the
            # page, so one odd order cannot wedge the connection.
            page.problems.append(_problem(payload, f"unexpected {type(exc).__name__}: {exc}"))
    return page


def _problem(payload: Any, message: str) -> MappingProblem:
    raw = dict(payload) if isinstance(payload, dict) else {"payload": payload}
    return MappingProblem(order_id_of(payload), message, raw)
