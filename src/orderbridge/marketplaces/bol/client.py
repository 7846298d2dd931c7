"""bol.com Retailer API v10 over HTTP: bearer calls, the v10 media type, bol's refusals.

This module only speaks HTTP and classifies failures; it hands payloads back as dicts and
never maps them. JSON numbers (bol sends prices as numbers) are parsed as ``Decimal`` so
no amount ever passes through a float. Every call goes through the connection's shared
rate-limited transport under its operationId, and bol's ``x-ratelimit-remaining`` /
``x-ratelimit-reset`` headers can only hold a bucket back, never speed it up.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import quote

import httpx

from orderbridge.marketplaces.bol import capabilities as ops
from orderbridge.marketplaces.bol.problems import problem_text
from orderbridge.marketplaces.bol.settings import BolSettings
from orderbridge.marketplaces.bol.tokens import TokenSource
from orderbridge.marketplaces.errors import ConfigurationError, PermanentError, TransientError
from orderbridge.marketplaces.http import Body, MarketplaceHttp, excerpt

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/vnd.retailer.v10+json"
PAGE_SIZE = 50  # bol's fixed page size of its lists (orders, returns, shipments, statuses)
SKEW_WARNING = timedelta(seconds=60)
_AUTH = frozenset({401, 403})
_REFUSALS = frozenset(range(400, 500))


def _user_agent() -> str:
    try:
        return f"orderbridge/{version('orderbridge')}"
    except PackageNotFoundError:
        return "orderbridge/unknown"


USER_AGENT = _user_agent()


def served_at(response: httpx.Response) -> datetime | None:
    """The server's time from the ``Date`` header, or None without a usable one."""
    header = response.headers.get("date")
    if not header:
        return None
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class BolClient:
    """One connection's HTTP dialogue with login.bol.com and the Retailer and Shared APIs."""

    def __init__(
        self,
        settings: BolSettings,
        http: MarketplaceHttp,
        *,
        single_attempt_http: MarketplaceHttp | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self._http = http
        self._once_http = single_attempt_http or http
        self._wall = wall
        self._skew: timedelta | None = None
        self.tokens = TokenSource(
            settings, http, user_agent=USER_AGENT, observe=self._measure, monotonic=monotonic
        )

    @property
    def redact(self) -> Callable[[str], str]:
        return self._http.redact

    # -- bol's clock -----------------------------------------------------------------

    @property
    def skew(self) -> timedelta | None:
        return self._skew

    def now(self) -> datetime:
        """Our UTC clock corrected by the skew measured from bol's ``Date`` headers."""
        return self._wall() + (self._skew or timedelta(0))

    def _measure(self, response: httpx.Response) -> None:
        served = served_at(response)
        if served is None:
            return
        # Date is truncated to the second and stamped before we read it: the skew is a
        # lower bound of bol's clock, so a window bound from it is never ahead of bol.
        skew = served - self._wall()
        if abs(skew) > SKEW_WARNING and (self._skew is None or abs(self._skew) <= SKEW_WARNING):
            logger.warning("bol: clock skew of %s against bol's Date header", skew)
        self._skew = skew

    # -- paths -----------------------------------------------------------------------

    def retailer(self, path: str) -> str:
        return f"{self.settings.retailer_root}{path}"

    def shared(self, path: str) -> str:
        return f"{self.settings.shared_root}{path}"

    # -- reads -----------------------------------------------------------------------

    async def orders_page(self, params: Mapping[str, str]) -> tuple[list[Any], datetime | None]:
        """One page of ``GET /retailer/orders`` and the moment bol served it."""
        response = await self._call(ops.GET_ORDERS, "GET", self.retailer("/orders"), params)
        body = self._json(response, ops.GET_ORDERS)
        orders = body.get("orders", [])
        if not isinstance(orders, list):
            raise PermanentError(
                "bol get-orders answered an 'orders' that is not a list",
                operation=ops.GET_ORDERS,
                response_excerpt=excerpt(response.text, self.redact),
            )
        return orders, served_at(response)

    async def order(self, order_id: str) -> dict[str, Any]:
        """``GET /retailer/orders/{order-id}``; a 404 raises PermanentError(http_status=404)."""
        path = self.retailer(f"/orders/{quote(order_id, safe='')}")
        return self._json(await self._call(ops.GET_ORDER, "GET", path), ops.GET_ORDER)

    async def shipments_of(self, order_id: str) -> list[dict[str, Any]]:
        """Every shipment bol holds for one order (``GET /retailer/shipments?order-id``)."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {"order-id": order_id, "page": str(page)}
            response = await self._call(
                ops.GET_SHIPMENTS, "GET", self.retailer("/shipments"), params
            )
            shipments = self._json(response, ops.GET_SHIPMENTS).get("shipments") or []
            items = [item for item in shipments if isinstance(item, dict)]
            if not items:
                return found
            found.extend(items)
            page += 1

    async def returns_page(self, params: Mapping[str, str]) -> list[Any]:
        """One page of ``GET /retailer/returns`` (50 returns, no date filter)."""
        response = await self._call(ops.GET_RETURNS, "GET", self.retailer("/returns"), params)
        returns = self._json(response, ops.GET_RETURNS).get("returns", [])
        if not isinstance(returns, list):
            raise PermanentError(
                "bol get-returns answered a 'returns' that is not a list",
                operation=ops.GET_RETURNS,
                response_excerpt=excerpt(response.text, self.redact),
            )
        return returns

    async def return_(self, return_id: str) -> dict[str, Any]:
        """``GET /retailer/returns/{return-id}``; a 404 raises PermanentError(http_status=404)."""
        path = self.retailer(f"/returns/{quote(return_id, safe='')}")
        return self._json(await self._call(ops.GET_RETURN, "GET", path), ops.GET_RETURN)

    async def process_status(self, process_status_id: str) -> dict[str, Any] | None:
        """One process status; None once bol no longer keeps it (404)."""
        path = self.shared(f"/process-status/{quote(process_status_id, safe='')}")
        response = await self._call(ops.GET_PROCESS_STATUS, "GET", path, hand_back=frozenset({404}))
        if response.status_code == 404:
            return None
        return self._json(response, ops.GET_PROCESS_STATUS)

    async def process_statuses(self, entity_id: str, event_type: str) -> list[dict[str, Any]]:
        """The first page (the newest 50) of process statuses of one entity and event."""
        params = {"entity-id": entity_id, "event-type": event_type, "page": "1"}
        response = await self._call(
            ops.GET_PROCESS_STATUSES, "GET", self.shared("/process-status"), params
        )
        statuses = self._json(response, ops.GET_PROCESS_STATUSES).get("processStatuses") or []
        return [item for item in statuses if isinstance(item, dict)]

    async def process_statuses_bulk(self, ids: Collection[str]) -> list[dict[str, Any]]:
        """Several process statuses in one call; expired ones are simply absent."""
        body = {"processStatusQueries": [{"processStatusId": value} for value in ids]}
        response = await self._call(
            ops.GET_PROCESS_STATUS_BULK, "POST", self.shared("/process-status"), body=body
        )
        statuses = self._json(response, ops.GET_PROCESS_STATUS_BULK).get("processStatuses") or []
        return [item for item in statuses if isinstance(item, dict)]

    # -- writes ----------------------------------------------------------------------

    async def write(self, operation: str, method: str, path: str, body: Any) -> dict[str, Any]:
        """One asynchronous write, sent once; bol's 202 ``ProcessStatus`` is returned.

        Without the transport's repeats on 5xx and timeouts: bol documents no idempotency
        key, so an answer that never came goes back to the core, which retries the whole
        update and looks at bol's state first. 4xx answers carry bol's Problem text.
        """
        response = await self._call(operation, method, path, body=body, once=True)
        return self._json(response, operation)

    # -- plumbing --------------------------------------------------------------------

    async def _call(
        self,
        operation: str,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        body: Any = None,
        once: bool = False,
        hand_back: Collection[int] = frozenset(),
    ) -> httpx.Response:
        http = self._once_http if once else self._http
        token = await self.tokens.access_token()
        response = await self._send(http, operation, method, path, params, body, token)
        if response.status_code == 401:
            # An expired or revoked token: one fresh token, one more try.
            self.tokens.invalidate(token)
            token = await self.tokens.access_token()
            response = await self._send(http, operation, method, path, params, body, token)
        if response.status_code in _AUTH:
            verdict = (
                "refused a fresh access token for" if response.status_code == 401 else "forbids"
            )
            raise ConfigurationError(
                f"bol {verdict} {operation} (HTTP {response.status_code}): check that the API "
                "client in the seller dashboard is active and may use the Retailer API",
                operation=operation,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self.redact),
            )
        if response.status_code >= 400 and response.status_code not in hand_back:
            raise self._refusal(operation, response)
        return response

    async def _send(
        self,
        http: MarketplaceHttp,
        operation: str,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Any,
        token: str,
    ) -> httpx.Response:
        response = await http.request(
            operation,
            method,
            self.settings.base_url + path,
            params=params,
            headers={
                "authorization": f"Bearer {token}",
                "accept": MEDIA_TYPE,
                "user-agent": USER_AGENT,
            },
            body=None if body is None else _body(body),
            # Every 4xx comes back (408 and 429 are the transport's), so a refusal can
            # carry bol's own Problem text.
            hand_back=_REFUSALS,
        )
        self._measure(response)
        self._hold_back(http, operation, response)
        return response

    def _hold_back(self, http: MarketplaceHttp, operation: str, response: httpx.Response) -> None:
        """A spent budget (remaining 0) blocks the operation until bol's reset."""
        remaining = response.headers.get("x-ratelimit-remaining")
        reset = response.headers.get("x-ratelimit-reset")
        if remaining is None or reset is None or response.status_code == 429:
            return
        try:
            spent = int(remaining.strip()) <= 0
            seconds = float(reset.strip())
        except ValueError:
            return
        if spent and 0 < seconds < 3600:
            http.limiter.block_until(operation, http.limiter.clock() + seconds)

    def _refusal(self, operation: str, response: httpx.Response) -> PermanentError:
        return PermanentError(
            f"bol refused {operation}: {problem_text(response)}",
            operation=operation,
            http_status=response.status_code,
            response_excerpt=excerpt(response.text, self.redact),
            request=f"{response.request.method} {response.request.url.path}",
        )

    def _json(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        try:
            body = json.loads(response.text, parse_float=Decimal)
        except ValueError:
            # A cut or garbled body is a transport accident more often than a contract change.
            raise TransientError(
                f"bol {operation}: the answer is not JSON",
                operation=operation,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self.redact),
            ) from None
        if not isinstance(body, dict):
            raise PermanentError(
                f"bol {operation}: the answer is not a JSON object",
                operation=operation,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self.redact),
            )
        return body


def _body(value: Any) -> Body:
    return Body(json.dumps(value, separators=(",", ":")).encode(), MEDIA_TYPE)
