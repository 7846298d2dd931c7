"""The bol.com connector: binds the HTTP client, the change feed and the mapper to the port.

It owns one connection's HTTP client, rate limiter and token, so the composition root
builds one connector per connection and reuses it. Reading is a list walk
(:mod:`.change_feed`) followed by one details call per changed order, since the list
carries neither prices nor addresses; returns are read by :mod:`.returns_reading`. Writes
go through :mod:`.shipping`, :mod:`.cancelling` and :mod:`.return_handling` and are
followed by their process statuses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import replace
from datetime import datetime
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
from orderbridge.marketplaces.bol.cancelling import Cancelling
from orderbridge.marketplaces.bol.capabilities import GET_ORDER, bol_capabilities
from orderbridge.marketplaces.bol.change_feed import ChangeFeed, ListedOrder
from orderbridge.marketplaces.bol.client import BolClient
from orderbridge.marketplaces.bol.mapper import map_order, order_id_of
from orderbridge.marketplaces.bol.return_handling import ReturnHandling, unsupported
from orderbridge.marketplaces.bol.returns_reading import ReturnsReading
from orderbridge.marketplaces.bol.settings import BolSettings
from orderbridge.marketplaces.bol.shipping import Shipping
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

CHANNEL = "bol"
# Orders fetched per stored page: one minute of bol's default details budget, so the
# import commits (and renews its lease) at least that often.
DETAILS_PER_PAGE = 8
_NO_REFUNDS = (
    "bol.com has no refund call in its Retailer API: the customer is refunded by bol when "
    "the retailer handles the return (or cancels the item before shipping)"
)


class BolConnector:
    """One bol.com retailer account: orders and returns read; shipments, cancellations and
    return handlings sent."""

    channel: ClassVar[str] = CHANNEL

    def __init__(
        self,
        settings: BolSettings,
        *,
        observer: CallObserver | None = None,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        budget: SharedBudget | None = None,
    ) -> None:
        self.settings = settings
        self.capabilities: Capabilities = bol_capabilities(
            settings.rate_limit_scale, settings.rate_limits
        )
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
            sleep=sleep,
        )
        # The same pool, budget and secrets without repeats on 5xx and timeouts: for
        # writes whose lost answer the core must see (see BolClient.write).
        once = MarketplaceHttp(
            channel=CHANNEL,
            client=self._client_http,
            limiter=self.limiter,
            observer=observer,
            retry=replace(policy, attempts=1),
            redactor=self.http.redact,
            sleep=sleep,
        )
        self.client = BolClient(settings, self.http, single_attempt_http=once)
        self._feed = ChangeFeed(self.client, settings.fulfilment_method)
        self._shipping = Shipping(self.client, settings.rate_limit_scale)
        self._cancelling = Cancelling(self.client, settings.rate_limit_scale)
        self._returns = ReturnsReading(self.client, settings.fulfilment_method)
        self._return_handling = ReturnHandling(self.client, settings.rate_limit_scale)

    async def marketplace_now(self) -> datetime:
        if self.client.skew is None:
            # The token exchange is the cheapest answer that shows bol's clock.
            await self.client.tokens.access_token()
        return self.client.now()

    async def read_orders(self, window: ReadWindow) -> AsyncIterator[OrderPage]:
        _check_window(window)
        if self.client.skew is None:
            await self.marketplace_now()
        batches = self._feed.changed(window)
        # A caller that stops early must not leave the list walk suspended mid-request.
        async with aclosing(batches):
            async for batch in batches:
                if not batch:
                    # Nothing new on this list page: an empty page still tells the core
                    # the read is alive, so its lease is renewed during long walks.
                    yield OrderPage()
                    continue
                for start in range(0, len(batch), DETAILS_PER_PAGE):
                    yield await self._details(batch[start : start + DETAILS_PER_PAGE])

    async def read_returns(self, window: ReadWindow) -> AsyncIterator[ReturnPage]:
        _check_window(window)
        pages = self._returns.read(window)
        # A caller that stops early must not leave the list walk suspended mid-request.
        async with aclosing(pages):
            async for page in pages:
                yield page

    async def _details(self, listed: list[ListedOrder]) -> OrderPage:
        page = OrderPage()
        for entry in listed:
            try:
                payload = await self.client.order(entry.order_id)
            except PermanentError as exc:
                if exc.http_status != 404:
                    raise
                page.problems.append(
                    MappingProblem(
                        entry.order_id,
                        f"bol lists order {entry.order_id} but answers 404 for its details",
                        {"orderId": entry.order_id},
                    )
                )
                continue
            try:
                page.snapshots.append(map_order(payload, placed_at=entry.placed_at))
            except InvalidOrderData as exc:
                page.problems.append(_problem(payload, str(exc)))
            except (ValueError, TypeError, ArithmeticError) as exc:
                # A shape the mapper did not foresee: quarantine this order, keep the page.
                page.problems.append(_problem(payload, f"unexpected {type(exc).__name__}: {exc}"))
        return page

    async def get_order(self, external_id: str) -> OrderSnapshot:
        try:
            payload = await self.client.order(external_id)
        except PermanentError as exc:
            if exc.http_status == 404:
                raise ItemProblem(
                    f"bol order {external_id} was not found",
                    operation=GET_ORDER,
                    http_status=404,
                    response_excerpt=exc.response_excerpt,
                    request=exc.request,
                ) from exc
            raise
        try:
            return map_order(payload)
        except (InvalidOrderData, ValueError, TypeError, ArithmeticError) as exc:
            raise ItemProblem(
                str(exc),
                operation=GET_ORDER,
                response_excerpt=excerpt(str(payload), self.http.redact),
            ) from exc

    async def check(self) -> None:
        await self.marketplace_now()
        await self.client.orders_page(
            {
                "status": "OPEN",
                "fulfilment-method": self.settings.fulfilment_method,
                "change-interval-minute": "1",
                "page": "1",
            }
        )

    async def push_update(self, update: MarketplaceUpdate, *, retry: bool) -> UpdateOutcome:
        if isinstance(update, ShipmentUpdate):
            return await self._shipping.push(update, retry=retry)
        if isinstance(update, CancellationUpdate):
            return await self._cancelling.push(update, retry=retry)
        if isinstance(update, RefundUpdate):
            raise PermanentError(_NO_REFUNDS, operation="refund")
        if isinstance(update, ReturnDecisionUpdate):
            if update.decision not in self.capabilities.return_decisions:
                raise unsupported(update.decision)
            return await self._return_handling.push(update, retry=retry)
        raise PermanentError(f"bol: no way to deliver a {type(update).__name__}")

    async def check_update(self, update: MarketplaceUpdate, handle: str) -> UpdateOutcome:
        if isinstance(update, ShipmentUpdate):
            return await self._shipping.check(update, handle)
        if isinstance(update, CancellationUpdate):
            return await self._cancelling.check(update, handle)
        if isinstance(update, ReturnDecisionUpdate):
            return await self._return_handling.check(update, handle)
        raise PermanentError(f"bol: a {type(update).__name__} is never submitted, so not checked")

    async def aclose(self) -> None:
        await self._client_http.aclose()


def _check_window(window: ReadWindow) -> None:
    if window.lower.utcoffset() is None or window.upper.utcoffset() is None:
        raise PermanentError(f"read window {window} has a naive bound; use UTC-aware times")
    if window.lower > window.upper:
        raise PermanentError(
            f"read window is reversed: lower {window.lower} is after upper {window.upper}"
        )


def _problem(payload: Any, message: str) -> MappingProblem:
    raw = dict(payload) if isinstance(payload, dict) else {"payload": payload}
    return MappingProblem(order_id_of(payload), message, raw)
