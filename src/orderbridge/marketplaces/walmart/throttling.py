"""Walmart's throttling headers, turned into waits the shared transport understands.

Walmart reports its bucket on each answer: ``x-current-token-count`` (calls left now) and
``x-next-replenish-time`` (epoch milliseconds of the next refill). It sends no
``Retry-After`` with a 429, so :class:`ReplenishAsRetryAfter` adds one computed from the
replenish time; the shared transport then waits exactly until Walmart has a token again
instead of guessing. An answer that leaves no token blocks the operation's own bucket
until the refill too (see ``WalmartClient``), which saves the 429 altogether.

The replenish time is on Walmart's clock. While the local clock agrees with the answer's
``Date`` header (within two seconds) it measures the wait, to the millisecond; when it
does not, the wait is measured against ``Date`` itself, which has whole seconds only, so
it can be up to a second long but is never cut short by a wrong local clock. A small
margin covers the way back, and a wait is capped at a minute: a longer one is a clock
gone wrong, and a 429 after it costs one call.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx

TOKEN_COUNT_HEADER = "x-current-token-count"
REPLENISH_HEADER = "x-next-replenish-time"
MAX_WAIT_SECONDS = 60.0
MARGIN_SECONDS = 0.05
AGREEING_CLOCKS_SECONDS = 2.0


def tokens_left(headers: httpx.Headers) -> int | None:
    raw = headers.get(TOKEN_COUNT_HEADER)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def seconds_until_replenish(headers: httpx.Headers, local_now: float) -> float | None:
    """How long until Walmart's bucket holds a token again, or None without the header."""
    raw = headers.get(REPLENISH_HEADER)
    if raw is None:
        return None
    try:
        replenish = int(raw.strip()) / 1000
    except ValueError:
        return None
    wait = replenish - _walmart_now(headers, local_now) + MARGIN_SECONDS
    return min(max(wait, 0.0), MAX_WAIT_SECONDS)


def _walmart_now(headers: httpx.Headers, local_now: float) -> float:
    stamp = headers.get("date")
    if not stamp:
        return local_now
    try:
        served = parsedate_to_datetime(stamp).timestamp()
    except (TypeError, ValueError):
        return local_now
    return local_now if abs(served - local_now) <= AGREEING_CLOCKS_SECONDS else served


class ReplenishAsRetryAfter(httpx.AsyncBaseTransport):
    """Gives a 429 without ``Retry-After`` one computed from ``x-next-replenish-time``."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if response.status_code == 429 and "retry-after" not in response.headers:
            wait = seconds_until_replenish(response.headers, time.time())
            if wait is not None:
                response.headers["retry-after"] = f"{wait:.3f}"
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
