"""The Walmart Orders and Returns APIs over HTTP: headers, paging, reads and writes,
classified errors.

This module only speaks HTTP and translates failures into the connector error classes;
it hands back payloads as dicts and never maps them. Every call carries the headers
Walmart requires (``WM_SVC.NAME``, a fresh GUID in ``WM_QOS.CORRELATION_ID``, and on
business calls ``WM_SEC.ACCESS_TOKEN``) and the Basic authorisation the specification
declares for every operation, and goes through the connection's rate-limited transport
under its ``operationId``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Callable, Collection, Mapping
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import httpx

from orderbridge.marketplaces.errors import ConfigurationError, PermanentError
from orderbridge.marketplaces.http import AUTH_STATUSES, Body, MarketplaceHttp, excerpt
from orderbridge.marketplaces.walmart.answers import error_codes, error_text, json_object
from orderbridge.marketplaces.walmart.capabilities import (
    GET_ALL_ORDERS,
    GET_AN_ORDER,
    GET_RETURNS,
    ISSUE_REFUND,
)
from orderbridge.marketplaces.walmart.settings import WalmartSettings
from orderbridge.marketplaces.walmart.throttling import seconds_until_replenish, tokens_left
from orderbridge.marketplaces.walmart.tokens import AccessTokens

logger = logging.getLogger(__name__)

ORDERS_PATH = "/v3/orders"
RETURNS_PATH = "/v3/returns"
PAGE_LIMIT = 200
RETURNS_PAGE_LIMIT = 200  # the most getReturns answers at once
SKEW_WARNING = timedelta(seconds=60)
_REFUSALS: frozenset[int] = frozenset(range(400, 500))
_RETURNS_OPERATIONS = frozenset({GET_RETURNS, ISSUE_REFUND})


def _user_agent() -> str:
    try:
        return f"orderbridge/{version('orderbridge')}"
    except PackageNotFoundError:
        return "orderbridge/unknown"


USER_AGENT = _user_agent()


def format_date(moment: datetime, *, round_up: bool = False) -> str:
    """``yyyy-MM-dd'T'HH:mm:ssZ`` in UTC, the form Walmart documents for its date filters.

    Whole seconds only: a window's lower bound is cut down and its upper bound rounded up,
    so the seconds lost to the format are read rather than skipped.
    """
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: window bounds must be timezone-aware")
    moment = moment.astimezone(UTC)
    if round_up and moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class WalmartClient:
    """One connection's HTTP dialogue with the Walmart Marketplace Orders and Returns APIs."""

    def __init__(
        self,
        settings: WalmartSettings,
        http: MarketplaceHttp,
        *,
        single_attempt_http: MarketplaceHttp | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self._http = http
        self._single_attempt_http = single_attempt_http or http
        self._wall = wall
        self._skew: timedelta | None = None
        self.tokens = AccessTokens(
            settings, http, self._headers, observe=self._observe_token, monotonic=monotonic
        )

    @property
    def redact(self) -> Callable[[str], str]:
        return self._http.redact

    # -- clock -------------------------------------------------------------------------

    @property
    def skew(self) -> timedelta | None:
        """Walmart's clock minus ours, as a lower bound; None until an answer was seen."""
        return self._skew

    def now(self) -> datetime:
        """Our UTC clock corrected by the measured skew (never ahead of Walmart's)."""
        return self._wall() + (self._skew or timedelta(0))

    def _measure_skew(self, response: httpx.Response) -> None:
        header = response.headers.get("date")
        if not header:
            return
        try:
            served = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return
        if served.tzinfo is None:
            served = served.replace(tzinfo=UTC)
        # Date is cut to the second and stamped before we received it: the skew is a
        # lower bound, so a window bound computed from it never runs ahead of Walmart.
        skew = served - self._wall()
        if abs(skew) > SKEW_WARNING and (self._skew is None or abs(self._skew) <= SKEW_WARNING):
            logger.warning("walmart: clock skew of %s against Walmart's Date header", skew)
        self._skew = skew

    # -- headers and throttling --------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {
            "WM_SVC.NAME": self.settings.service_name,
            # A fresh GUID per call: Walmart traces each call by it.
            "WM_QOS.CORRELATION_ID": str(uuid4()),
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if self.settings.channel_type:
            headers["WM_CONSUMER.CHANNEL.TYPE"] = self.settings.channel_type
        return headers

    def _observe_token(self, response: httpx.Response) -> None:
        self._measure_skew(response)

    def _observe(self, operation: str, response: httpx.Response) -> None:
        self._measure_skew(response)
        if tokens_left(response.headers) == 0:
            wait = seconds_until_replenish(response.headers, time.time())
            if wait:
                # Walmart's bucket is empty: calling before the refill would only earn a 429.
                limiter = self._http.limiter
                limiter.block_until(operation, limiter.clock() + wait)

    # -- reads ---------------------------------------------------------------------------

    async def list_orders(
        self,
        *,
        modified_from: datetime,
        modified_to: datetime,
        created_from: datetime,
        limit: int = PAGE_LIMIT,
    ) -> AsyncGenerator[list[dict[str, Any]], None]:
        """Every page of ``GET /v3/orders`` for the window, as lists of raw orders."""
        params = {
            "lastModifiedStartDate": format_date(modified_from),
            "lastModifiedEndDate": format_date(modified_to, round_up=True),
            # Without it Walmart searches only orders created in the last seven days.
            "createdStartDate": format_date(created_from),
            "limit": str(limit),
        }
        pages = self._walk(GET_ALL_ORDERS, ORDERS_PATH, params, self._page)
        async with aclosing(pages):
            async for orders in pages:
                yield orders

    async def list_returns(
        self, *, modified_from: datetime, modified_to: datetime, limit: int = RETURNS_PAGE_LIMIT
    ) -> AsyncGenerator[list[dict[str, Any]], None]:
        """Every page of ``GET /v3/returns`` of returns created or changed in the window."""
        params = {
            "returnLastModifiedStartDate": format_date(modified_from),
            "returnLastModifiedEndDate": format_date(modified_to, round_up=True),
            "limit": str(limit),
        }
        pages = self._walk(GET_RETURNS, RETURNS_PATH, params, self._returns_page)
        async with aclosing(pages):
            async for returns in pages:
                yield returns

    async def find_return(self, return_order_id: str) -> dict[str, Any] | None:
        """One return order by its id (the RMA number), or None when Walmart has none."""
        pages = self._walk(
            GET_RETURNS, RETURNS_PATH, {"returnOrderId": return_order_id}, self._returns_page
        )
        async with aclosing(pages):
            async for returns in pages:
                for found in returns:
                    if isinstance(found, dict) and found.get("returnOrderId") == return_order_id:
                        return found
        return None

    async def _walk(
        self,
        operation: str,
        path: str,
        params: Mapping[str, str],
        page_of: Callable[[httpx.Response], tuple[list[dict[str, Any]], Any]],
    ) -> AsyncGenerator[list[dict[str, Any]], None]:
        """Every page of a Walmart search, following ``meta.nextCursor``.

        A next page is the path followed by ``nextCursor`` exactly as sent. A cursor seen
        twice would loop forever: that is a PermanentError, never a quiet stop that would
        report the window as read.
        """
        url = self.settings.base_url + path
        seen: set[str] = set()
        page_params: Mapping[str, str] | None = params
        while True:
            response = await self._authorised(
                operation, "GET", url, params=page_params, hand_back=_REFUSALS
            )
            if response.status_code == 404 and any(
                code.startswith("CONTENT_NOT_FOUND") for code in error_codes(response)
            ):
                # Walmart may answer an empty search with "nothing found".
                return
            self._refuse(operation, response, f"GET {path}")
            found, cursor = page_of(response)
            yield found
            if not cursor:
                return
            if not isinstance(cursor, str) or not cursor.startswith("?"):
                raise PermanentError(
                    f"{operation} answered a nextCursor that is not a query string: {cursor!r}",
                    operation=operation,
                )
            if cursor in seen:
                raise PermanentError(
                    f"{operation} returned the same nextCursor twice; stopping so the window "
                    "is not reported as read",
                    operation=operation,
                    request=self.redact(f"GET {path}{cursor[:200]}"),
                )
            seen.add(cursor)
            url, page_params = self.settings.base_url + path + cursor, None

    def _page(self, response: httpx.Response) -> tuple[list[dict[str, Any]], Any]:
        body = json_object(response, GET_ALL_ORDERS, self.redact)
        listing = body.get("list")
        meta = listing.get("meta") if isinstance(listing, dict) else None
        elements = listing.get("elements") if isinstance(listing, dict) else None
        if not isinstance(listing, dict) or not isinstance(meta, dict):
            raise PermanentError(
                "getAllOrders answered without list.meta",
                operation=GET_ALL_ORDERS,
                response_excerpt=excerpt(response.text, self.redact),
            )
        orders = elements.get("order", []) if isinstance(elements, dict) else []
        if not isinstance(orders, list):
            raise PermanentError(
                "getAllOrders answered a list.elements.order that is not a list",
                operation=GET_ALL_ORDERS,
                response_excerpt=excerpt(response.text, self.redact),
            )
        return orders, meta.get("nextCursor")

    def _returns_page(self, response: httpx.Response) -> tuple[list[dict[str, Any]], Any]:
        body = json_object(response, GET_RETURNS, self.redact)
        meta = body.get("meta")
        returns = body.get("returnOrders", [])
        if not isinstance(meta, dict) or not isinstance(returns, list):
            raise PermanentError(
                "getReturns answered without meta or a returnOrders list",
                operation=GET_RETURNS,
                response_excerpt=excerpt(response.text, self.redact),
            )
        return returns, meta.get("nextCursor")

    async def get_order(self, purchase_order_id: str) -> dict[str, Any]:
        """One order; Walmart wraps it in ``{"order": …}``, a bare order is read too."""
        path = f"{ORDERS_PATH}/{quote(purchase_order_id, safe='')}"
        response = await self._authorised(
            GET_AN_ORDER, "GET", self.settings.base_url + path, hand_back=_REFUSALS
        )
        self._refuse(GET_AN_ORDER, response, f"GET {path}")
        return self._order_of(response, GET_AN_ORDER)

    # -- writes --------------------------------------------------------------------------

    async def issue_refund(self, return_order_id: str, body: Any) -> dict[str, Any]:
        """``POST /v3/returns/{returnOrderId}/refund``, sent once: a lost answer goes back
        to the core, whose retry looks at the return first."""
        path = f"{RETURNS_PATH}/{quote(return_order_id, safe='')}/refund"
        response = await self._authorised(
            ISSUE_REFUND,
            "POST",
            self.settings.base_url + path,
            body=Body.json(body),
            http=self._single_attempt_http,
            hand_back=_REFUSALS,
        )
        self._refuse(ISSUE_REFUND, response, f"POST {path}")
        return json_object(response, ISSUE_REFUND, self.redact)

    async def order_action(
        self,
        operation: str,
        purchase_order_id: str,
        action: str,
        body: Any = None,
        *,
        once: bool,
    ) -> dict[str, Any]:
        """``POST /v3/orders/{id}/{action}``; returns the order Walmart answers with.

        ``once`` sends without the transport's repeats on 5xx and timeouts, for a write
        whose lost answer must go back to the core: its retry reads the order first.
        """
        path = f"{ORDERS_PATH}/{quote(purchase_order_id, safe='')}/{action}"
        response = await self._authorised(
            operation,
            "POST",
            self.settings.base_url + path,
            body=None if body is None else Body.json(body),
            http=self._single_attempt_http if once else self._http,
            hand_back=_REFUSALS,
        )
        self._refuse(operation, response, f"POST {path}")
        return self._order_of(response, operation)

    # -- plumbing ------------------------------------------------------------------------

    def _order_of(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        body = json_object(response, operation, self.redact)
        order = body.get("order", body)
        if not isinstance(order, dict) or "purchaseOrderId" not in order:
            raise PermanentError(
                f"walmart {operation}: the answer holds no order",
                operation=operation,
                response_excerpt=excerpt(response.text, self.redact),
            )
        return order

    def _refuse(self, operation: str, response: httpx.Response, request: str) -> None:
        if response.status_code >= 400:
            raise PermanentError(
                f"Walmart refused {operation}: {error_text(response)}",
                operation=operation,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self.redact),
                request=request,
            )

    async def _authorised(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Body | None = None,
        http: MarketplaceHttp | None = None,
        hand_back: Collection[int] = AUTH_STATUSES,
    ) -> httpx.Response:
        token = await self.tokens.get()
        response = await self._send(operation, method, url, params, body, token, http, hand_back)
        if response.status_code in AUTH_STATUSES:
            # A token Walmart no longer takes (revoked, expired early): renew it once.
            self.tokens.invalidate(token)
            token = await self.tokens.get()
            response = await self._send(
                operation, method, url, params, body, token, http, hand_back
            )
            if response.status_code in AUTH_STATUSES:
                api = "Returns" if operation in _RETURNS_OPERATIONS else "Orders"
                raise ConfigurationError(
                    f"Walmart refused {operation} with a fresh access token: check that the "
                    f"API key has access to {api} (Seller Center → Settings → API Key "
                    f"Management): {error_text(response)}",
                    operation=operation,
                    http_status=response.status_code,
                    response_excerpt=excerpt(response.text, self.redact),
                )
        return response

    async def _send(
        self,
        operation: str,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        body: Body | None,
        token: str,
        http: MarketplaceHttp | None,
        hand_back: Collection[int],
    ) -> httpx.Response:
        response = await (http or self._http).request(
            operation,
            method,
            url,
            params=params,
            headers={
                **self._headers(),
                "WM_SEC.ACCESS_TOKEN": token,
                "Authorization": self.tokens.authorization,
            },
            body=body,
            hand_back=hand_back,
        )
        self._observe(operation, response)
        return response
