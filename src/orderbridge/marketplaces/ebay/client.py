"""eBay over HTTP: the Fulfillment API and the Post-Order cancellation and return calls.

This module only speaks HTTP and turns failures into the connector error classes; it hands
back payloads as dicts and never maps them. Every call goes through the shared rate-limited
transport under its eBay method name, with the connection's user access token: ``Bearer``
for the Fulfillment API, ``IAF`` for the Post-Order API (its scheme for OAuth tokens).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

import httpx

from orderbridge.marketplaces.ebay import capabilities as ops
from orderbridge.marketplaces.ebay.oauth import UserTokens
from orderbridge.marketplaces.ebay.order_queries import (
    PAGE_LIMIT,
    modified_between,
    offset_of,
    orders_query,
)
from orderbridge.marketplaces.ebay.refusals import EbayRefusal, describe, errors_of
from orderbridge.marketplaces.ebay.settings import EbaySettings
from orderbridge.marketplaces.errors import ConfigurationError, PermanentError, TransientError
from orderbridge.marketplaces.http import Body, MarketplaceHttp, excerpt

logger = logging.getLogger(__name__)

FULFILLMENT_PATH = "/sell/fulfillment/v1"
POSTORDER_PATH = "/post-order/v2"
SKEW_WARNING = timedelta(seconds=60)
# An order leaving the window mid-walk shifts every later offset; a walk is restarted when
# the total moves, this many times before the window is given up for this run.
MAX_RESTARTS = 5
_REFUSALS: frozenset[int] = frozenset(range(400, 500))


def _user_agent() -> str:
    try:
        return f"orderbridge/{version('orderbridge')}"
    except PackageNotFoundError:
        return "orderbridge/unknown"


USER_AGENT = _user_agent()


class EbayClient:
    """One connection's HTTP dialogue with eBay."""

    def __init__(
        self,
        settings: EbaySettings,
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
        self.tokens = UserTokens(
            settings, http, on_response=self._measure_skew, monotonic=monotonic
        )

    @property
    def redact(self) -> Callable[[str], str]:
        return self._http.redact

    # -- clock -------------------------------------------------------------------------

    @property
    def skew(self) -> timedelta | None:
        """eBay's clock minus ours, as a lower bound; None until an answer was seen."""
        return self._skew

    def now(self) -> datetime:
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
        # Date is cut to the second and stamped before we read it: the estimate errs
        # early, so a window bound built from it never lies in eBay's future.
        skew = served - self._wall()
        if abs(skew) > SKEW_WARNING and (self._skew is None or abs(self._skew) <= SKEW_WARNING):
            logger.warning("ebay: clock skew of %s against eBay's Date header", skew)
        self._skew = skew

    # -- Fulfillment API: reads ---------------------------------------------------------

    async def get_orders(
        self, lower: datetime, upper: datetime, *, limit: int = PAGE_LIMIT
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Every page of getOrders for orders modified in ``[lower, upper]``."""
        expression = modified_between(lower, upper)
        offset = 0
        baseline: int | None = None
        restarts = 0
        while True:
            url = (
                f"{self._fulfillment}/order?{orders_query(expression, limit=limit, offset=offset)}"
            )
            body = await self.get_json(ops.GET_ORDERS, url)
            orders = body.get("orders", [])
            total = body.get("total", len(orders) + offset)
            if not isinstance(orders, list) or not isinstance(total, int):
                raise PermanentError(
                    "getOrders answered without an 'orders' list and a 'total'",
                    operation=ops.GET_ORDERS,
                    response_excerpt=excerpt(str(body), self.redact),
                )
            if baseline is not None and total != baseline:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise TransientError(
                        f"getOrders: the window {expression} kept changing while it was read "
                        f"({restarts} restarts); it is read again on the next run",
                        operation=ops.GET_ORDERS,
                    )
                logger.info("ebay getOrders: total moved %s → %s, reading again", baseline, total)
                baseline, offset = None, 0
                continue
            baseline = total
            yield body
            following = _next_offset(body, offset, len(orders), total)
            if following is None:
                return
            offset = following

    async def get_order(self, order_id: str) -> dict[str, Any]:
        url = f"{self._fulfillment}/order/{_segment(order_id)}?fieldGroups=TAX_BREAKDOWN"
        return await self.get_json(ops.GET_ORDER, url)

    async def shipping_fulfillments(self, order_id: str) -> list[dict[str, Any]]:
        url = f"{self._fulfillment}/order/{_segment(order_id)}/shipping_fulfillment"
        body = await self.get_json(ops.GET_SHIPPING_FULFILLMENTS, url)
        fulfillments = body.get("fulfillments", [])
        if not isinstance(fulfillments, list):
            raise PermanentError(
                f"getShippingFulfillments {order_id}: 'fulfillments' is not a list",
                operation=ops.GET_SHIPPING_FULFILLMENTS,
            )
        return [item for item in fulfillments if isinstance(item, dict)]

    # -- Fulfillment API: writes --------------------------------------------------------

    async def create_fulfillment(self, order_id: str, body: dict[str, Any]) -> str:
        """Create one package's fulfillment; returns its id from the ``Location`` header."""
        url = f"{self._fulfillment}/order/{_segment(order_id)}/shipping_fulfillment"
        response = await self.send(ops.CREATE_SHIPPING_FULFILLMENT, "POST", url, body=body)
        location = response.headers.get("location", "")
        fulfillment_id = unquote(urlsplit(location).path.rstrip("/").rpartition("/")[2])
        if not fulfillment_id:
            raise TransientError(
                f"createShippingFulfillment {order_id}: eBay answered without a Location",
                operation=ops.CREATE_SHIPPING_FULFILLMENT,
                http_status=response.status_code,
            )
        return fulfillment_id

    async def issue_refund(self, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self._fulfillment}/order/{_segment(order_id)}/issue_refund"
        response = await self.send(ops.ISSUE_REFUND, "POST", url, body=body)
        return self.json_of(response, ops.ISSUE_REFUND)

    # -- Post-Order API: cancellations --------------------------------------------------

    async def cancellation_eligibility(self, order_id: str, marketplace_id: str) -> dict[str, Any]:
        url = f"{self._postorder}/cancellation/check_eligibility"
        response = await self.send(
            ops.CHECK_CANCEL_ELIGIBILITY,
            "POST",
            url,
            body={"legacyOrderId": order_id},
            marketplace_id=marketplace_id,
            retried=True,
        )
        return self.json_of(response, ops.CHECK_CANCEL_ELIGIBILITY)

    async def create_cancellation(
        self, body: dict[str, Any], marketplace_id: str
    ) -> dict[str, Any]:
        url = f"{self._postorder}/cancellation"
        response = await self.send(
            ops.CREATE_CANCELLATION, "POST", url, body=body, marketplace_id=marketplace_id
        )
        return self.json_of(response, ops.CREATE_CANCELLATION)

    async def get_cancellation(self, cancel_id: str, marketplace_id: str) -> dict[str, Any]:
        url = f"{self._postorder}/cancellation/{_segment(cancel_id)}"
        return await self.get_json(ops.GET_CANCELLATION, url, marketplace_id=marketplace_id)

    async def approve_cancellation(self, cancel_id: str, marketplace_id: str) -> None:
        url = f"{self._postorder}/cancellation/{_segment(cancel_id)}/approve"
        await self.send(
            ops.APPROVE_CANCELLATION, "POST", url, body={}, marketplace_id=marketplace_id
        )

    # -- Post-Order API: returns --------------------------------------------------------

    async def search_returns(self, params: dict[str, str], marketplace_id: str) -> dict[str, Any]:
        """One page of ``GET /post-order/v2/return/search``."""
        url = f"{self._postorder}/return/search?{urlencode(params)}"
        return await self.get_json(ops.SEARCH_RETURNS, url, marketplace_id=marketplace_id)

    async def get_return(
        self, return_id: str, marketplace_id: str, *, summary: bool = False
    ) -> dict[str, Any]:
        """``GET /post-order/v2/return/{returnId}``: the ``FULL`` detail (its history and
        refunds), or with ``summary`` the ``SUMMARY`` (its state and amounts)."""
        groups = "SUMMARY" if summary else "FULL"
        url = f"{self._postorder}/return/{_segment(return_id)}?fieldgroups={groups}"
        return await self.get_json(ops.GET_RETURN, url, marketplace_id=marketplace_id)

    async def decide_return(
        self, return_id: str, body: dict[str, Any], marketplace_id: str
    ) -> None:
        url = f"{self._postorder}/return/{_segment(return_id)}/decide"
        await self.send(ops.DECIDE_RETURN, "POST", url, body=body, marketplace_id=marketplace_id)

    async def refund_return(
        self, return_id: str, body: dict[str, Any], marketplace_id: str
    ) -> dict[str, Any]:
        url = f"{self._postorder}/return/{_segment(return_id)}/issue_refund"
        response = await self.send(
            ops.ISSUE_RETURN_REFUND, "POST", url, body=body, marketplace_id=marketplace_id
        )
        return self.json_of(response, ops.ISSUE_RETURN_REFUND)

    # -- plumbing -----------------------------------------------------------------------

    @property
    def _fulfillment(self) -> str:
        return self.settings.base_url + FULFILLMENT_PATH

    @property
    def _postorder(self) -> str:
        return self.settings.postorder_base_url + POSTORDER_PATH

    async def get_json(
        self, operation: str, url: str, *, marketplace_id: str | None = None
    ) -> dict[str, Any]:
        response = await self.send(
            operation, "GET", url, marketplace_id=marketplace_id, retried=True
        )
        return self.json_of(response, operation)

    async def send(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        body: dict[str, Any] | None = None,
        marketplace_id: str | None = None,
        retried: bool = False,
    ) -> httpx.Response:
        """One authorised call; a 4xx raises EbayRefusal with eBay's errors.

        Writes go without the transport's repeats on 5xx and timeouts (``retried`` False):
        an answer that never came is handed to the core, whose retry looks at eBay first.
        """
        http = self._http if retried else self._single_attempt_http
        postorder = marketplace_id is not None
        token = await self.tokens.access_token()
        response = await self._send(http, operation, method, url, body, token, marketplace_id)
        if response.status_code == 401:
            # An access token can be revoked before its time: refresh once, then once more.
            self.tokens.invalidate(token)
            token = await self.tokens.access_token()
            response = await self._send(http, operation, method, url, body, token, marketplace_id)
        if response.status_code in (401, 403):
            raise ConfigurationError(
                f"eBay denied {operation} (HTTP {response.status_code}) with a fresh token: "
                + _access_hint(operation, postorder),
                operation=operation,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self.redact),
                request=f"{method} {urlsplit(url).path}",
            )
        if response.status_code >= 400:
            errors = errors_of(response)
            raise EbayRefusal(
                f"eBay refused {operation}: {describe(errors, response.status_code)}",
                error_ids=frozenset(e.error_id for e in errors if e.error_id is not None),
                operation=operation,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self.redact),
                request=f"{method} {urlsplit(url).path}",
            )
        return response

    async def _send(
        self,
        http: MarketplaceHttp,
        operation: str,
        method: str,
        url: str,
        body: dict[str, Any] | None,
        token: str,
        marketplace_id: str | None,
    ) -> httpx.Response:
        scheme = "IAF" if marketplace_id is not None else "Bearer"
        headers = {
            "authorization": f"{scheme} {token}",
            "accept": "application/json",
            "user-agent": USER_AGENT,
        }
        if marketplace_id is not None:
            headers["x-ebay-c-marketplace-id"] = marketplace_id
        response = await http.request(
            operation,
            method,
            url,
            headers=headers,
            body=None if body is None else Body.json(body),
            hand_back=_REFUSALS,
        )
        self._measure_skew(response)
        return response

    def json_of(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        """The JSON object of a successful answer, or a classified error."""
        try:
            body = response.json()
        except ValueError:
            # A cut or garbled body is a transport accident more often than a contract change.
            raise TransientError(
                f"ebay {operation}: the answer is not JSON",
                operation=operation,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self.redact),
            ) from None
        if not isinstance(body, dict):
            raise PermanentError(
                f"ebay {operation}: the answer is not a JSON object",
                operation=operation,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self.redact),
            )
        return body


def _segment(value: str) -> str:
    return quote(value, safe="")


def _next_offset(body: dict[str, Any], offset: int, count: int, total: int) -> int | None:
    """Where the next page starts, None after the last; a walk that would loop or stop
    short is an error, never a quiet end."""
    link = body.get("next")
    if not link:
        if offset + count < total:
            raise TransientError(
                f"getOrders stopped at {offset + count} of {total} orders without a next page",
                operation=ops.GET_ORDERS,
            )
        return None
    following = offset_of(link) if isinstance(link, str) else None
    if following is None or following <= offset:
        raise PermanentError(
            f"getOrders: the next link {str(link)[:200]!r} does not move past offset {offset}",
            operation=ops.GET_ORDERS,
        )
    return following


def _access_hint(operation: str, postorder: bool) -> str:
    if operation == ops.ISSUE_REFUND:
        return (
            "refunds need the sell.finances scope in the seller's grant; eBay also demands "
            "digital signatures on refunds for EU and UK sellers"
        )
    if postorder:
        return (
            "the seller's grant must allow the Post-Order API; eBay also demands digital "
            "signatures on cancellations for EU and UK sellers"
        )
    return "the seller's grant must include the sell.fulfillment scope; grant access again"
