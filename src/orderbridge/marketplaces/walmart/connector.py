"""The Walmart connector: binds the HTTP client and the pure mapper to the connector port.

It owns one connection's HTTP client, rate limiter and access token, so the composition
root builds one per connection and reuses it. Walmart answers every write synchronously
with the changed order, so every update ends as :class:`Applied`; the writes themselves
live in :mod:`.acknowledgement`, :mod:`.shipping`, :mod:`.cancellation`,
:mod:`.refunds` and :mod:`.return_refunds`, and this class only picks which. Returns
are read from the Returns API (:mod:`.returns_reading`).
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
    AcknowledgementUpdate,
    CancellationUpdate,
    MarketplaceUpdate,
    RefundUpdate,
    ReturnDecisionUpdate,
    ShipmentUpdate,
    UpdateOutcome,
)
from orderbridge.marketplaces.walmart.acknowledgement import acknowledge
from orderbridge.marketplaces.walmart.cancellation import cancel
from orderbridge.marketplaces.walmart.capabilities import GET_AN_ORDER, walmart_capabilities
from orderbridge.marketplaces.walmart.client import WalmartClient
from orderbridge.marketplaces.walmart.mapper import map_order, order_id_of
from orderbridge.marketplaces.walmart.refunds import refund
from orderbridge.marketplaces.walmart.return_refunds import refund_return, unsupported_decision
from orderbridge.marketplaces.walmart.returns_reading import map_return_page
from orderbridge.marketplaces.walmart.settings import WalmartSettings
from orderbridge.marketplaces.walmart.shipping import ship
from orderbridge.marketplaces.walmart.throttling import ReplenishAsRetryAfter

CHANNEL = "walmart"
# Walmart serves orders created in the last 180 days; a day's margin keeps the bound
# inside that when the clocks disagree. Without the bound Walmart searches only seven.
CREATED_LOOKBACK = timedelta(days=179)
_CHECK_LOOKBACK = timedelta(hours=1)


class WalmartConnector:
    """One Walmart seller account: orders read and acknowledged, returns read, shipments,
    cancellations and refunds sent."""

    channel: ClassVar[str] = CHANNEL

    def __init__(
        self,
        settings: WalmartSettings,
        *,
        observer: CallObserver | None = None,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        budget: SharedBudget | None = None,
    ) -> None:
        self.settings = settings
        self.capabilities: Capabilities = walmart_capabilities(settings.rate_limit_scale)
        self.limiter = limiter or RateLimiter(
            self.capabilities.rate_limits, sleep=sleep, shared=budget
        )
        self._client_http = httpx.AsyncClient(
            timeout=settings.timeout_seconds,
            transport=ReplenishAsRetryAfter(transport),
            follow_redirects=False,
        )
        policy = retry or RetryPolicy()
        self.http = MarketplaceHttp(
            channel=CHANNEL,
            client=self._client_http,
            limiter=self.limiter,
            observer=observer,
            retry=policy,
            sleep=sleep,
        )
        # The same connection, limiter and secrets, without repeats on 5xx and timeouts:
        # for writes whose lost answer the core must see (see WalmartClient.order_action).
        single_attempt = MarketplaceHttp(
            channel=CHANNEL,
            client=self._client_http,
            limiter=self.limiter,
            observer=observer,
            retry=replace(policy, attempts=1),
            redactor=self.http.redact,
            sleep=sleep,
        )
        self.client = WalmartClient(settings, self.http, single_attempt_http=single_attempt)

    async def marketplace_now(self) -> datetime:
        if self.client.skew is None:
            # The token exchange is the cheapest call that shows Walmart's clock.
            await self.client.tokens.get()
        return self.client.now()

    async def read_orders(self, window: ReadWindow) -> AsyncIterator[OrderPage]:
        _check_window(window)
        pages = self.client.list_orders(
            modified_from=window.lower,
            modified_to=window.upper,
            created_from=(await self.marketplace_now()) - CREATED_LOOKBACK,
        )
        # A caller that stops early must not leave the page walk suspended mid-request.
        async with aclosing(pages):
            async for orders in pages:
                yield map_page(orders)

    async def read_returns(self, window: ReadWindow) -> AsyncIterator[ReturnPage]:
        _check_window(window)
        pages = self.client.list_returns(modified_from=window.lower, modified_to=window.upper)
        async with aclosing(pages):
            async for returns in pages:
                yield map_return_page(returns)

    async def get_order(self, external_id: str) -> OrderSnapshot:
        try:
            order = await self.client.get_order(external_id)
        except PermanentError as exc:
            if exc.http_status == 404:
                raise ItemProblem(
                    f"walmart order {external_id} was not found",
                    operation=exc.operation,
                    http_status=404,
                    response_excerpt=exc.response_excerpt,
                    request=exc.request,
                ) from exc
            raise
        try:
            return map_order(order)
        except InvalidOrderData as exc:
            raise ItemProblem(
                str(exc),
                operation=GET_AN_ORDER,
                response_excerpt=excerpt(str(order), self.http.redact),
            ) from exc

    async def check(self) -> None:
        now = await self.marketplace_now()
        pages = self.client.list_orders(
            modified_from=now - _CHECK_LOOKBACK,
            modified_to=now,
            created_from=now - CREATED_LOOKBACK,
            limit=1,
        )
        async with aclosing(pages):
            async for _ in pages:
                break

    async def push_update(self, update: MarketplaceUpdate, *, retry: bool) -> UpdateOutcome:
        if isinstance(update, AcknowledgementUpdate):
            return await acknowledge(self.client, update)
        if isinstance(update, ShipmentUpdate):
            return await ship(self.client, update, retry=retry)
        if isinstance(update, CancellationUpdate):
            return await cancel(self.client, update, retry=retry)
        if isinstance(update, RefundUpdate):
            return await refund(self.client, update, retry=retry)
        if isinstance(update, ReturnDecisionUpdate):
            if update.decision not in self.capabilities.return_decisions:
                raise unsupported_decision(update)
            # Every attempt reads the return first, so a retry needs nothing more.
            return await refund_return(self.client, update)
        raise PermanentError(f"walmart: no way to deliver a {type(update).__name__}")

    async def check_update(self, update: MarketplaceUpdate, handle: str) -> UpdateOutcome:
        # Walmart answers every write at once; nothing is ever left to check.
        raise PermanentError(
            f"walmart applies updates synchronously; there is no pending update {handle!r}"
        )

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
    """Map every order of one page; one bad order is a problem, not a failed page."""
    page = OrderPage()
    for order in orders:
        try:
            page.snapshots.append(map_order(order))
        except InvalidOrderData as exc:
            page.problems.append(_problem(order, str(exc)))
        except (ValueError, TypeError, ArithmeticError, AttributeError) as exc:
            # A payload shape the mapper did not foresee: quarantine this order, keep the
            # page, so one odd order cannot wedge the connection.
            page.problems.append(_problem(order, f"unexpected {type(exc).__name__}: {exc}"))
    return page


def _problem(order: Any, message: str) -> MappingProblem:
    raw = dict(order) if isinstance(order, dict) else {"payload": order}
    return MappingProblem(order_id_of(order), message, raw)
