"""Amazon SP-API over HTTP: Login with Amazon tokens, authorised reads and writes.

This module only speaks HTTP and translates failures into the connector error classes;
it hands back payloads as dicts and never maps them. Every call goes through the shared
rate-limited transport under its SP-API operation name.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from orderbridge.marketplaces.amazon.capabilities import GET_ORDER, LWA_TOKEN, SEARCH_ORDERS
from orderbridge.marketplaces.amazon.settings import AmazonSettings
from orderbridge.marketplaces.errors import ConfigurationError, PermanentError, TransientError
from orderbridge.marketplaces.http import AUTH_STATUSES, Body, MarketplaceHttp, excerpt

logger = logging.getLogger(__name__)

ORDERS_PATH = "/orders/2026-01-01/orders"
PAGE_SIZE = 100
# What the mapper needs: buyer and recipient for the addresses, fulfillment for the status,
# ship-by window and shipped quantities, proceeds for prices, tax, shipping and discounts,
# promotion for the promotion ids and tax for who collects it (kept in the raw payload).
INCLUDED_DATA: tuple[str, ...] = (
    "BUYER",
    "RECIPIENT",
    "FULFILLMENT",
    "PROCEEDS",
    "PROMOTION",
    "TAX",
)
# Refresh this long before LWA's expiry so a token never dies while a call is in flight.
TOKEN_MARGIN = timedelta(minutes=5)
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"
SKEW_WARNING = timedelta(seconds=60)
# LWA error codes that mean the stored credentials themselves are refused.
_CREDENTIAL_ERRORS = {
    "invalid_grant": (
        "refresh token rejected by Login with Amazon: re-authorise the app and update the "
        "connection's credentials"
    ),
    "invalid_client": (
        "client id or client secret rejected by Login with Amazon: copy the app's LWA "
        "credentials from Seller Central / Developer Central into the connection"
    ),
    "unauthorized_client": (
        "the app is not allowed to use this refresh token: re-authorise the app and update "
        "the connection's credentials"
    ),
}
# Write calls hand every 4xx back so the error can carry Amazon's own message.
_REFUSALS: frozenset[int] = frozenset(range(400, 500))
_EXPIRED_URL: frozenset[int] = frozenset({403})
_ORDERS_ROLE = "the Orders role (Direct-to-Consumer Shipping for buyer and address data)"
# A feed is authorised by the role its feed type needs, not by a role of the Feeds API.
_FEEDS_ROLE = "the role the feed type needs"
# Likewise a report: the returns reports need the role Amazon lists for them.
_REPORTS_ROLE = "the role the returns reports need"
_ROLES: Mapping[str, str] = {
    "createFeedDocument": _FEEDS_ROLE,
    "createFeed": _FEEDS_ROLE,
    "getFeed": _FEEDS_ROLE,
    "getFeedDocument": _FEEDS_ROLE,
    "createReport": _REPORTS_ROLE,
    "getReport": _REPORTS_ROLE,
    "getReportDocument": _REPORTS_ROLE,
}


def _user_agent() -> str:
    try:
        return f"orderbridge/{version('orderbridge')}"
    except PackageNotFoundError:
        return "orderbridge/unknown"


USER_AGENT = _user_agent()


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the millisecond (truncated), as SP-API expects."""
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: window bounds must be timezone-aware")
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rate_from_headers(headers: httpx.Headers) -> float | None:
    """The rate Amazon applies now, from ``x-amzn-RateLimit-Limit`` (requests per second).

    The header is best effort and absent on 429/401/403, so a missing or odd value is
    ignored. It reports the rate actually enforced, so it is used as is, without
    ``rate_limit_scale``: a sped-up sandbox reports its sped-up rate.
    """
    raw = headers.get(RATE_LIMIT_HEADER)
    if raw is None:
        return None
    try:
        rate = float(raw.strip())
    except ValueError:
        return None
    return rate if rate > 0 else None


class AmazonClient:
    """One connection's HTTP dialogue with LWA, the Orders APIs, the Feeds API and the
    Reports API."""

    def __init__(
        self,
        settings: AmazonSettings,
        http: MarketplaceHttp,
        *,
        single_attempt_http: MarketplaceHttp | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self._http = http
        self._single_attempt_http = single_attempt_http or http
        self._monotonic = monotonic
        self._wall = wall
        self._token: str | None = None
        self._token_fresh_until = 0.0
        self._token_lock = asyncio.Lock()
        self._skew: timedelta | None = None
        http.redact.add(settings.client_secret)
        http.redact.add(settings.refresh_token)

    @property
    def redact(self) -> Callable[[str], str]:
        """The connection's redactor, for excerpts built outside this module."""
        return self._http.redact

    # -- clock -------------------------------------------------------------------------

    @property
    def skew(self) -> timedelta | None:
        """Amazon's clock minus ours, as a lower bound; None until a response was seen."""
        return self._skew

    def now(self) -> datetime:
        """Our UTC clock corrected by the measured skew (never ahead of Amazon's)."""
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
        # ``Date`` is truncated to the second and was stamped before we received it, so
        # Date - receipt underestimates Amazon's clock: a window bound computed from it is
        # never later than Amazon allows.
        skew = served - self._wall()
        if abs(skew) > SKEW_WARNING and (self._skew is None or abs(self._skew) <= SKEW_WARNING):
            logger.warning("amazon: clock skew of %s against Amazon's Date header", skew)
        self._skew = skew

    # -- Login with Amazon -------------------------------------------------------------

    async def access_token(self) -> str:
        """A valid LWA access token: cached, refreshed ahead of expiry, one refresh at a time."""
        if self._token is not None and self._monotonic() < self._token_fresh_until:
            return self._token
        async with self._token_lock:
            # Another caller may have refreshed while we waited for the lock.
            if self._token is not None and self._monotonic() < self._token_fresh_until:
                return self._token
            return await self._refresh_token()

    def invalidate_token(self, token: str) -> None:
        """Forget ``token`` after SP-API refused it, unless a newer one already replaced it."""
        if self._token == token:
            self._token = None
            self._token_fresh_until = 0.0

    async def _refresh_token(self) -> str:
        settings = self.settings
        # The token's hour starts before we hear back, so its expiry is counted from here.
        requested_at = self._monotonic()
        response = await self._http.request(
            LWA_TOKEN,
            "POST",
            settings.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": settings.refresh_token,
                "client_id": settings.client_id,
                "client_secret": settings.client_secret,
            },
            headers={"user-agent": USER_AGENT, "accept": "application/json"},
            # LWA's own 4xx carry the reason (invalid_grant, …) that decides the class.
            hand_back=frozenset(range(400, 500)),
        )
        self._measure_skew(response)
        if response.status_code >= 400:
            raise self._lwa_error(response)
        body = _json_object(response, LWA_TOKEN, self._http)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise TransientError(
                "Login with Amazon answered without an access_token",
                operation=LWA_TOKEN,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self._http.redact),
            )
        lifetime = _lifetime(body.get("expires_in"))
        margin = min(TOKEN_MARGIN.total_seconds(), lifetime / 2)
        # An expired token is harmless and would only grow the list, so it is swapped out.
        self._http.redact.discard(self._token)
        self._http.redact.add(token)
        self._token = token
        self._token_fresh_until = requested_at + lifetime - margin
        return token

    def _lwa_error(self, response: httpx.Response) -> Exception:
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("error") if isinstance(body, dict) else None
        text = excerpt(response.text, self._http.redact)
        if isinstance(code, str) and code in _CREDENTIAL_ERRORS:
            return ConfigurationError(
                _CREDENTIAL_ERRORS[code],
                operation=LWA_TOKEN,
                http_status=response.status_code,
                response_excerpt=text,
            )
        return PermanentError(
            f"Login with Amazon refused the token request ({code or 'no error code'})",
            operation=LWA_TOKEN,
            http_status=response.status_code,
            response_excerpt=text,
        )

    # -- Orders API 2026-01-01 ---------------------------------------------------------

    async def search_orders(
        self,
        *,
        last_updated_after: datetime,
        last_updated_before: datetime | None = None,
        page_size: int = PAGE_SIZE,
        included_data: tuple[str, ...] = INCLUDED_DATA,
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Every page of ``searchOrders`` for the window, as the raw response objects.

        A follow-up page repeats every parameter unchanged and adds ``paginationToken``,
        as the model demands. A token seen twice means the walk would loop: that is a
        PermanentError, never a quiet stop.
        """
        params: dict[str, str] = {
            "lastUpdatedAfter": format_timestamp(last_updated_after),
            "marketplaceIds": ",".join(self.settings.marketplace_ids),
            "maxResultsPerPage": str(page_size),
        }
        if last_updated_before is not None:
            params["lastUpdatedBefore"] = format_timestamp(last_updated_before)
        if included_data:
            params["includedData"] = ",".join(included_data)
        seen: set[str] = set()
        page_params = params
        while True:
            body = await self._get(SEARCH_ORDERS, ORDERS_PATH, page_params)
            if not isinstance(body.get("orders"), list):
                raise PermanentError(
                    "searchOrders answered without an 'orders' list",
                    operation=SEARCH_ORDERS,
                    response_excerpt=excerpt(str(body), self._http.redact),
                )
            yield body
            pagination = body.get("pagination")
            token = pagination.get("nextToken") if isinstance(pagination, dict) else None
            if not token:
                return
            if not isinstance(token, str):
                raise PermanentError(
                    f"searchOrders answered a non-string nextToken {token!r}",
                    operation=SEARCH_ORDERS,
                )
            if token in seen:
                raise PermanentError(
                    "searchOrders returned the same pagination token twice; stopping so the "
                    "window is not reported as complete",
                    operation=SEARCH_ORDERS,
                    request=f"GET {ORDERS_PATH} paginationToken={token[:80]}",
                )
            seen.add(token)
            page_params = {**params, "paginationToken": token}

    async def get_order(
        self, order_id: str, *, included_data: tuple[str, ...] = INCLUDED_DATA
    ) -> dict[str, Any]:
        """The ``order`` object of ``getOrder`` for one order id."""
        params = {"includedData": ",".join(included_data)} if included_data else {}
        body = await self._get(GET_ORDER, f"{ORDERS_PATH}/{quote(order_id, safe='')}", params)
        order = body.get("order")
        if not isinstance(order, dict):
            raise PermanentError(
                f"getOrder {order_id}: the answer has no 'order' object",
                operation=GET_ORDER,
                response_excerpt=excerpt(str(body), self._http.redact),
            )
        return order

    async def _get(self, operation: str, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        response = await self._authorised(operation, "GET", path, params=params)
        return _json_object(response, operation, self._http)

    # -- writes and the Feeds API: JSON bodies, Amazon's own refusals -------------------

    async def send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        once: bool = False,
    ) -> httpx.Response:
        """One authorised SP-API call, with an optional JSON ``body``; a 4xx raises
        PermanentError with Amazon's own message.

        ``once`` sends without the transport's retries on 5xx and timeouts: for a call
        that is not safe to repeat blindly, an answer that never came is handed to the
        core, which retries the whole update and checks Amazon's state first.
        """
        http = self._single_attempt_http if once else self._http
        response = await self._authorised(
            operation,
            method,
            path,
            params=params,
            body=None if body is None else Body.json(body),
            http=http,
            hand_back=_REFUSALS,
        )
        if response.status_code >= 400:
            raise PermanentError(
                f"Amazon refused {operation}: {_error_messages(response)}",
                operation=operation,
                http_status=response.status_code,
                response_excerpt=excerpt(response.text, self._http.redact),
                request=f"{method} {path}",
            )
        return response

    def json_of(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        """The JSON object of a successful answer, or a classified error."""
        return _json_object(response, operation, self._http)

    async def presigned(
        self, operation: str, method: str, url: str, *, body: Body | None = None
    ) -> httpx.Response:
        """A call to a pre-signed document URL: no access token, the signature redacted."""
        signature = urlsplit(url).query
        self._http.redact.add(signature)
        try:
            response = await self._http.request(
                operation,
                method,
                url,
                headers={"user-agent": USER_AGENT},
                body=body,
                hand_back=_EXPIRED_URL,
            )
            if response.status_code in _EXPIRED_URL:
                # A pre-signed URL lives five minutes; a later attempt asks for a new one.
                raise TransientError(
                    f"amazon {operation}: the document URL was refused (expired?)",
                    operation=operation,
                    http_status=response.status_code,
                    response_excerpt=excerpt(response.text, self._http.redact),
                )
            return response
        finally:
            self._http.redact.discard(signature)

    async def _authorised(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Body | None = None,
        http: MarketplaceHttp | None = None,
        hand_back: Collection[int] = AUTH_STATUSES,
    ) -> httpx.Response:
        url = self.settings.base_url + path
        token = await self.access_token()
        response = await self._send(operation, method, url, params, body, token, http, hand_back)
        if response.status_code in AUTH_STATUSES:
            # SP-API answers 403 for an expired token too: refresh once, then try once more.
            self.invalidate_token(token)
            token = await self.access_token()
            response = await self._send(
                operation, method, url, params, body, token, http, hand_back
            )
            if response.status_code in AUTH_STATUSES:
                raise ConfigurationError(
                    f"Amazon refused {operation} with a fresh access token: check that the app "
                    f"has {_ROLES.get(operation, _ORDERS_ROLE)} and that the seller's "
                    "authorisation is still valid",
                    operation=operation,
                    http_status=response.status_code,
                    response_excerpt=excerpt(response.text, self._http.redact),
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
                "x-amz-access-token": token,
                "x-amz-date": self.now().strftime("%Y%m%dT%H%M%SZ"),
                "user-agent": USER_AGENT,
                "accept": "application/json",
            },
            body=body,
            hand_back=hand_back,
        )
        self._measure_skew(response)
        return response


def _lifetime(expires_in: Any) -> float:
    """LWA's ``expires_in`` in seconds; an odd value falls back to the documented hour."""
    try:
        lifetime = float(expires_in)
    except (TypeError, ValueError):
        return 3600.0
    return lifetime if lifetime > 0 else 3600.0


def _json_object(response: httpx.Response, operation: str, http: MarketplaceHttp) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        # A cut or garbled body is a transport accident more often than a contract change.
        raise TransientError(
            f"amazon {operation}: the answer is not JSON",
            operation=operation,
            http_status=response.status_code,
            response_excerpt=excerpt(response.text, http.redact),
        ) from None
    if not isinstance(body, dict):
        raise PermanentError(
            f"amazon {operation}: the answer is not a JSON object",
            operation=operation,
            http_status=response.status_code,
            response_excerpt=excerpt(response.text, http.redact),
        )
    return body


def _error_messages(response: httpx.Response) -> str:
    """Amazon's ``errors[]`` as "code: message details", or the status alone."""
    try:
        body = response.json()
    except ValueError:
        body = None
    errors = body.get("errors") if isinstance(body, dict) else None
    parts: list[str] = []
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        words = [
            str(error[key]).strip()
            for key in ("message", "details")
            if isinstance(error.get(key), str) and error[key].strip()
        ]
        code = error.get("code")
        if isinstance(code, str) and code.strip():
            words.insert(0, f"{code.strip()}:" if words else code.strip())
        if words:
            parts.append(" ".join(words))
    return "; ".join(parts) or f"HTTP {response.status_code}"
