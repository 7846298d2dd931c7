"""The eBay connector: binds the HTTP client and the pure mapper to the connector port.

It owns one connection's HTTP client, rate limiter and token cache. Reads come from the
Fulfillment API's getOrders; when a line of several units is marked fulfilled, the order's
shipping fulfillments are read too, since eBay marks a line fulfilled with its first unit.
Returns come from the Post-Order API (:mod:`.returns_reading`). Writes go out through
:mod:`.shipping`, :mod:`.cancellations`, :mod:`.refunds` and :mod:`.return_decisions`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
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
from orderbridge.marketplaces.ebay.cancellations import Cancellations
from orderbridge.marketplaces.ebay.capabilities import GET_ORDER, ebay_capabilities
from orderbridge.marketplaces.ebay.client import EbayClient
from orderbridge.marketplaces.ebay.mapper import (
    map_order,
    needs_fulfillments,
    order_id_of,
    shipped_by_line,
)
from orderbridge.marketplaces.ebay.refunds import Refunds
from orderbridge.marketplaces.ebay.refusals import EbayRefusal
from orderbridge.marketplaces.ebay.return_decisions import ReturnDecisions, unsupported
from orderbridge.marketplaces.ebay.returns_reading import ReturnsReading
from orderbridge.marketplaces.ebay.settings import EbaySettings
from orderbridge.marketplaces.ebay.shipping import ship
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

CHANNEL = "ebay"
# A short look-back for check(): enough to prove the search works, cheap to answer.
_CHECK_LOOKBACK = timedelta(hours=1)
# getOrder answers 404 or 400 with 32100 ("Invalid order ID") for an order it does not know.
_UNKNOWN_ORDER = 32100


class EbayConnector:
    """One eBay seller account: orders and returns read; shipments, cancellations, refunds
    and return decisions sent."""

    channel: ClassVar[str] = CHANNEL

    def __init__(
        self,
        settings: EbaySettings,
        *,
        observer: CallObserver | None = None,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        budget: SharedBudget | None = None,
    ) -> None:
        self.settings = settings
        self.capabilities: Capabilities = ebay_capabilities(settings.rate_limit_scale)
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
        # The same connection, limiter and secrets, without repeats on 5xx and timeouts:
        # a write whose answer was lost goes back to the core, which looks before resending.
        single_attempt = MarketplaceHttp(
            channel=CHANNEL,
            client=self._client_http,
            limiter=self.limiter,
            observer=observer,
            retry=replace(policy, attempts=1),
            redactor=self.http.redact,
            sleep=sleep,
        )
        self.client = EbayClient(settings, self.http, single_attempt_http=single_attempt)
        self._cancellations = Cancellations(self.client, settings.rate_limit_scale)
        self._refunds = Refunds(self.client, settings.rate_limit_scale)
        self._returns = ReturnsReading(self.client, settings)
        self._return_decisions = ReturnDecisions(
            self.client, settings.marketplace_id, settings.rate_limit_scale
        )

    async def marketplace_now(self) -> datetime:
        if self.client.skew is None:
            # The token exchange is the cheapest answer that carries eBay's clock.
            await self.client.tokens.access_token()
        return self.client.now()

    async def read_orders(self, window: ReadWindow) -> AsyncIterator[OrderPage]:
        _check_window(window)
        pages = self.client.get_orders(window.lower, window.upper)
        # A caller that stops early must not leave the page walk suspended mid-request.
        async with aclosing(pages):
            async for body in pages:
                yield await self._map_page(body.get("orders") or [])

    async def read_returns(self, window: ReadWindow) -> AsyncIterator[ReturnPage]:
        _check_window(window)
        pages = self._returns.read(window)
        # A caller that stops early must not leave the search suspended mid-request.
        async with aclosing(pages):
            async for page in pages:
                yield page

    async def get_order(self, external_id: str) -> OrderSnapshot:
        try:
            payload = await self.client.get_order(external_id)
        except EbayRefusal as exc:
            if exc.http_status == 404 or _UNKNOWN_ORDER in exc.error_ids:
                raise ItemProblem(
                    f"ebay order {external_id} was not found",
                    operation=exc.operation,
                    http_status=exc.http_status,
                    response_excerpt=exc.response_excerpt,
                    request=exc.request,
                ) from exc
            raise
        try:
            return self._map(payload, await self._shipped(payload))
        except InvalidOrderData as exc:
            raise ItemProblem(
                str(exc),
                operation=GET_ORDER,
                response_excerpt=excerpt(str(payload), self.http.redact),
            ) from exc

    async def check(self) -> None:
        now = await self.marketplace_now()
        pages = self.client.get_orders(now - _CHECK_LOOKBACK, now - timedelta(minutes=1), limit=1)
        async with aclosing(pages):
            async for _ in pages:
                break

    async def push_update(self, update: MarketplaceUpdate, *, retry: bool) -> UpdateOutcome:
        if isinstance(update, ShipmentUpdate):
            return await ship(self.client, update, retry=retry)
        if isinstance(update, CancellationUpdate):
            return await self._cancellations.cancel(update, self._marketplace(update))
        if isinstance(update, RefundUpdate):
            return await self._refunds.refund(update, retry=retry)
        if isinstance(update, ReturnDecisionUpdate):
            if update.decision not in self.capabilities.return_decisions:
                raise unsupported(update.decision)
            return await self._return_decisions.push(update, retry=retry)
        raise PermanentError(f"ebay: no way to deliver a {type(update).__name__}")

    async def check_update(self, update: MarketplaceUpdate, handle: str) -> UpdateOutcome:
        if isinstance(update, CancellationUpdate):
            return await self._cancellations.check(handle, self._marketplace(update))
        if isinstance(update, RefundUpdate):
            return await self._refunds.check(update, handle)
        if isinstance(update, ReturnDecisionUpdate):
            return await self._return_decisions.check(update, handle)
        raise PermanentError(
            f"ebay: a {type(update).__name__} is applied at once; there is nothing to check"
        )

    async def aclose(self) -> None:
        await self._client_http.aclose()

    async def _map_page(self, orders: list[Any]) -> OrderPage:
        """Map every order of one page; one bad order is a problem, not a failed page."""
        page = OrderPage()
        for payload in orders:
            try:
                page.snapshots.append(self._map(payload, await self._shipped(payload)))
            except InvalidOrderData as exc:
                page.problems.append(_problem(payload, str(exc)))
            except (ValueError, TypeError, ArithmeticError) as exc:
                # A shape the mapper did not foresee: quarantine this order, keep the page.
                page.problems.append(_problem(payload, f"unexpected {type(exc).__name__}: {exc}"))
        return page

    async def _shipped(self, payload: Any) -> dict[str, int] | None:
        if not needs_fulfillments(payload):
            return None
        order_id = order_id_of(payload)
        return shipped_by_line(await self.client.shipping_fulfillments(order_id))

    def _map(self, payload: Any, shipped: Mapping[str, int] | None) -> OrderSnapshot:
        return map_order(
            payload,
            shipped=shipped,
            default_currency=self.settings.currency,
            default_marketplace=self.settings.marketplace_id,
        )

    def _marketplace(self, update: MarketplaceUpdate) -> str:
        return update.marketplace_id or self.settings.marketplace_id


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
