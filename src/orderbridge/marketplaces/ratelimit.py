"""Proactive rate limiting: one token bucket per operation, one limiter per connection.

Marketplaces such as Amazon meter each operation with a token bucket (a rate in tokens per
second, a burst as the bucket size). Waiting for our own copy of that bucket before each
call is cheaper than being throttled: a 429 costs a call and, on Amazon, a full refill.

Responses may only narrow what we believe: a reported rate replaces the declared one only
when it is lower, and a 429 empties the bucket and blocks it until a moment. The clock and
the sleep are injectable so tests run on fake time.

With several worker processes (distributed mode) the buckets of a connection must be one
budget, not one per process: a :class:`SharedBudget` (kept in PostgreSQL, on the
database's clock) then decides when a token is there, and the local bucket only keeps the
process's own waiters in order.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Iterable

from orderbridge.marketplaces.base import RateLimit, SharedBudget

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """``rate`` tokens per second up to ``burst``; ``acquire()`` waits for one token.

    A bucket without a rate meters nothing but still honours ``block_until``: that is the
    shape for operations whose limits the marketplace does not publish.
    """

    def __init__(
        self,
        rate: float | None,
        burst: int,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        shared: tuple[SharedBudget, str] | None = None,
    ) -> None:
        if rate is not None and not (rate > 0 and math.isfinite(rate)):
            raise ValueError(f"rate must be a positive number, got {rate!r}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        self._ceiling = rate
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        # A seller's bucket is full when it has been idle, so we start full too.
        self._tokens = float(burst)
        self._updated = clock()
        self._blocked_until = 0.0
        # Waiters queue in arrival order instead of racing for each refilled token.
        self._lock = asyncio.Lock()
        self._shared = shared
        self._block_to_share: float | None = None

    @property
    def rate(self) -> float | None:
        """The rate in force now: the declared one, or a lower one the server reported."""
        return self._rate

    @property
    def burst(self) -> int:
        return self._burst

    @property
    def blocked_until(self) -> float:
        return self._blocked_until

    def available(self) -> float:
        """Tokens in the bucket at this moment (fractional while refilling)."""
        self._refill(self._clock())
        return self._tokens

    def refill_seconds(self) -> float:
        """How long one token takes to appear in an empty bucket at the current rate."""
        return 0.0 if self._rate is None else 1.0 / self._rate

    async def acquire(self) -> None:
        """Wait until the bucket is unblocked and holds a token, then take it."""
        async with self._lock:
            while True:
                now = self._clock()
                if self._shared is not None and self._block_to_share is not None:
                    budget, operation = self._shared
                    await budget.block(operation, max(self._block_to_share - now, 0.0))
                    self._block_to_share = None
                if now < self._blocked_until:
                    await self._sleep(self._blocked_until - now)
                    continue
                if self._rate is None:
                    return
                if self._shared is not None:
                    budget, operation = self._shared
                    wait = await budget.take(operation, self._rate, self._burst)
                    if wait <= 0:
                        return
                    await self._sleep(wait)
                    continue
                self._refill(now)
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await self._sleep((1.0 - self._tokens) / self._rate)

    def tighten(self, observed_rate: float) -> None:
        """Apply a rate the server reported; it is capped at the declared rate.

        A later, higher report lifts the rate again, but never above what was declared:
        the declared rate is the most this connection is allowed to spend.
        """
        if not (observed_rate > 0 and math.isfinite(observed_rate)):
            return
        # Tokens earned so far were earned at the old rate.
        self._refill(self._clock())
        self._rate = observed_rate if self._ceiling is None else min(self._ceiling, observed_rate)

    def block_until(self, moment: float) -> None:
        """Send nothing before ``moment`` (clock time); an earlier block never shortens it."""
        self._blocked_until = max(self._blocked_until, moment)

    def throttled(self, retry_after: float | None = None) -> float:
        """Record a 429: the server's bucket is empty, so ours is too; returns the wait.

        Without ``Retry-After`` the wait is one refill at the current rate, the earliest
        moment the server can have a token again.
        """
        now = self._clock()
        self._refill(now)
        self._tokens = 0.0
        wait = retry_after if retry_after is not None else self.refill_seconds()
        wait = max(wait, 0.0)
        self.block_until(now + wait)
        # The other processes hear of it with this process's next acquire (this is sync).
        self._block_to_share = self._blocked_until
        return wait

    def _refill(self, now: float) -> None:
        if self._rate is not None and now > self._updated:
            self._tokens = min(
                float(self._burst), self._tokens + (now - self._updated) * self._rate
            )
        self._updated = max(self._updated, now)


class RateLimiter:
    """The buckets of ONE connection, one per operation, shared by all its calls.

    Operations without a declared limit get an unmetered bucket on first use, so a 429
    on them still blocks that operation.
    """

    def __init__(
        self,
        limits: Iterable[RateLimit] = (),
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        shared: SharedBudget | None = None,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, TokenBucket] = {}
        for limit in limits:
            if limit.operation in self._buckets:
                raise ValueError(f"operation {limit.operation!r} has two rate limits")
            self._buckets[limit.operation] = TokenBucket(
                limit.rate,
                limit.burst,
                clock=clock,
                sleep=sleep,
                shared=(shared, limit.operation) if shared is not None else None,
            )

    @property
    def clock(self) -> Clock:
        return self._clock

    def bucket(self, operation: str) -> TokenBucket:
        bucket = self._buckets.get(operation)
        if bucket is None:
            bucket = TokenBucket(None, 1, clock=self._clock, sleep=self._sleep)
            self._buckets[operation] = bucket
        return bucket

    def operations(self) -> frozenset[str]:
        return frozenset(self._buckets)

    async def acquire(self, operation: str) -> None:
        await self.bucket(operation).acquire()

    def tighten(self, operation: str, observed_rate: float) -> None:
        self.bucket(operation).tighten(observed_rate)

    def block_until(self, operation: str, moment: float) -> None:
        self.bucket(operation).block_until(moment)

    def throttled(self, operation: str, retry_after: float | None = None) -> float:
        return self.bucket(operation).throttled(retry_after)
