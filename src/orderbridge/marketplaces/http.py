"""The one rate-limited HTTP transport every connector sends its calls through.

Each call names its operation. The transport waits for that operation's token, sends,
reports a :class:`CallRecord`, and classifies the answer where it was received:

* 2xx, and the statuses the caller asked to see (by default 401/403, so a connector can
  refresh its token once), are returned;
* 429 waits (``Retry-After``, else one bucket refill) and tries again, without counting as
  a failure, until a generous number of waits; then :class:`RateLimitedError`;
* 408, 5xx, timeouts and network errors are retried with jittered exponential backoff a
  few times; then :class:`TransientError`;
* any other status is a :class:`PermanentError` with the status and a redacted excerpt.

Nothing secret leaves this module: excerpts and request descriptions pass through a
redactor that knows the connection's secrets, and headers are never recorded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from orderbridge.marketplaces.base import CallObserver, CallRecord
from orderbridge.marketplaces.errors import PermanentError, RateLimitedError, TransientError
from orderbridge.marketplaces.ratelimit import RateLimiter, Sleep

logger = logging.getLogger(__name__)

EXCERPT_LIMIT = 2000
AUTH_STATUSES: frozenset[int] = frozenset({401, 403})
RateHeaderReader = Callable[[httpx.Headers], float | None]

_SECRET_FIELDS = re.compile(
    r'("(?:access_token|refresh_token|client_secret|restrictedDataToken|id_token)"\s*:\s*)"[^"]*"',
    re.IGNORECASE,
)
_REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard the transport tries before it gives up and classifies the failure.

    Delays are seconds; tests shrink them to keep fast. ``jitter`` returns a factor in
    [0, 1] so that many connections backing off together do not retry in lockstep.
    """

    attempts: int = 4  # tries per call for 5xx, timeouts and network errors
    base_delay: float = 1.0
    max_delay: float = 30.0
    rate_limit_waits: int = 30  # 429s waited out per call before RateLimitedError
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def backoff(self, failures: int) -> float:
        """The pause after the ``failures``-th failure: half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (failures - 1)))
        return ceiling / 2 + ceiling / 2 * self.jitter()


class Redactor:
    """Removes the connection's secrets from any text we are about to log or store."""

    def __init__(self, secrets: Collection[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        # Very short values would blank innocent text and protect nothing.
        if secret and len(secret) >= 6:
            self._secrets.add(secret)

    def discard(self, secret: str | None) -> None:
        if secret:
            self._secrets.discard(secret)

    def __call__(self, text: str) -> str:
        text = _SECRET_FIELDS.sub(rf'\1"{_REDACTED}"', text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, _REDACTED)
        return text


def excerpt(text: str, redact: Callable[[str], str], limit: int = EXCERPT_LIMIT) -> str:
    """The start of a response body, redacted, cut at ``limit`` characters."""
    cleaned = redact(text)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "…"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True, slots=True)
class Body:
    """A request body as bytes with its media type: a JSON write, an uploaded document."""

    content: bytes
    content_type: str

    @classmethod
    def json(cls, value: Any) -> Body:
        return cls(json.dumps(value, separators=(",", ":")).encode(), "application/json")

    def __repr__(self) -> str:
        # Bodies can hold buyers' data: logs and errors get the size only.
        return f"Body({len(self.content)} bytes, {self.content_type!r})"


def _with_type(headers: Mapping[str, str] | None, body: Body | None) -> Mapping[str, str] | None:
    if body is None:
        return headers
    return {**(headers or {}), "content-type": body.content_type}


class MarketplaceHttp:
    """Rate-limited, classified HTTP for one connection of one channel."""

    def __init__(
        self,
        *,
        channel: str,
        client: httpx.AsyncClient,
        limiter: RateLimiter,
        observer: CallObserver | None = None,
        retry: RetryPolicy | None = None,
        rate_header: RateHeaderReader | None = None,
        redactor: Redactor | None = None,
        sleep: Sleep = asyncio.sleep,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.channel = channel
        self.client = client
        self.limiter = limiter
        self.redact = redactor or Redactor()
        self._observer = observer
        self._retry = retry or RetryPolicy()
        self._rate_header = rate_header
        self._sleep = sleep
        self._timer = timer

    async def request(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        body: Body | None = None,
        hand_back: Collection[int] = AUTH_STATUSES,
    ) -> httpx.Response:
        """Send one logical call; return its response or raise a classified error.

        ``hand_back`` lists the error statuses the caller wants to handle itself. 408,
        429 and 5xx are always handled here.
        """
        request_text = self._describe(method, url, params)
        failures = 0
        throttles = 0
        while True:
            await self.limiter.acquire(operation)
            started = self._timer()
            try:
                response = await self.client.request(
                    method,
                    url,
                    params=params,
                    headers=_with_type(headers, body),
                    data=data,
                    content=body.content if body is not None else None,
                )
            except httpx.TransportError as exc:
                # TransportError covers timeouts, refused and reset connections, and
                # protocol errors: none is the marketplace's answer, so all are transient.
                self._report(operation, "error", started)
                failures += 1
                reason = f"{type(exc).__name__}: {self.redact(str(exc)) or 'no detail'}"
                if failures >= self._retry.attempts:
                    raise TransientError(
                        f"{self.channel} {operation}: no answer after {failures} attempts "
                        f"({reason})",
                        operation=operation,
                        request=request_text,
                    ) from exc
                delay = self._retry.backoff(failures)
                logger.warning(
                    "%s %s: %s; retrying in %.2fs", self.channel, operation, reason, delay
                )
                await self._sleep(delay)
                continue

            status = response.status_code
            self._report(operation, status, started)
            self._observe_rate(operation, response)

            if 200 <= status < 300:
                return response
            if status == 429:
                throttles += 1
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                if throttles > self._retry.rate_limit_waits:
                    raise RateLimitedError(
                        f"{self.channel} {operation}: still throttled after "
                        f"{self._retry.rate_limit_waits} waits",
                        operation=operation,
                        http_status=status,
                        response_excerpt=excerpt(response.text, self.redact),
                        retry_after=retry_after
                        if retry_after is not None
                        else self.limiter.bucket(operation).refill_seconds(),
                        request=request_text,
                    )
                wait = self.limiter.throttled(operation, retry_after)
                logger.info("%s %s: throttled (429), waiting %.2fs", self.channel, operation, wait)
                continue
            if status == 408 or status >= 500:
                failures += 1
                if failures >= self._retry.attempts:
                    raise TransientError(
                        f"{self.channel} {operation}: HTTP {status} after {failures} attempts",
                        operation=operation,
                        http_status=status,
                        response_excerpt=excerpt(response.text, self.redact),
                        request=request_text,
                    )
                delay = self._retry.backoff(failures)
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                if retry_after is not None:
                    delay = max(delay, retry_after)
                logger.warning(
                    "%s %s: HTTP %s; retrying in %.2fs", self.channel, operation, status, delay
                )
                await self._sleep(delay)
                continue
            if status in hand_back:
                return response
            raise PermanentError(
                f"{self.channel} {operation}: HTTP {status}",
                operation=operation,
                http_status=status,
                response_excerpt=excerpt(response.text, self.redact),
                request=request_text,
            )

    def _report(self, operation: str, status: int | str, started: float) -> None:
        if self._observer is None:
            return
        record = CallRecord(
            channel=self.channel,
            operation=operation,
            status=status,
            seconds=self._timer() - started,
        )
        try:
            self._observer(record)
        except Exception:
            # Metrics are not worth failing an import for; the fault still shows in the log.
            logger.exception("call observer failed for %s %s", self.channel, operation)

    def _observe_rate(self, operation: str, response: httpx.Response) -> None:
        if self._rate_header is None:
            return
        rate = self._rate_header(response.headers)
        if rate is not None:
            self.limiter.tighten(operation, rate)

    def _describe(self, method: str, url: str, params: Mapping[str, Any] | None) -> str:
        target = httpx.URL(url, params=params) if params else httpx.URL(url)
        return self.redact(f"{method.upper()} {target}")
