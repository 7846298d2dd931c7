"""Token-bucket throttling per operation, and the usage headers Walmart reports.

Walmart meters each API with a bucket that refills gradually and answers 429 Too Many
Requests when it is empty. Every answer of a metered call carries
``x-current-token-count`` (whole calls left now) and ``x-next-replenish-time`` (epoch
milliseconds when the next token arrives). Refill reads the injectable clock, so a frozen
clock never refills and tests can count calls exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from orderbridge.sandbox.clock import SimulatorClock

TOKEN_COUNT_HEADER = "x-current-token-count"
REPLENISH_HEADER = "x-next-replenish-time"


@dataclass
class Bucket:
    rate: float
    burst: int
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        # A clock moved backwards must not mint tokens, nor make the bucket owe time.
        self.updated = now

    def next_token_at(self, now: float) -> float:
        if self.tokens >= self.burst:
            return now
        return now + (1.0 - (self.tokens - math.floor(self.tokens))) / self.rate


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]


class Throttle:
    def __init__(
        self,
        limits: Mapping[str, tuple[float, int]],
        speed_factor: float | None,
        clock: SimulatorClock,
    ) -> None:
        self._limits = dict(limits)
        self._speed = speed_factor or 0.0
        self._clock = clock
        self._buckets: dict[str, Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self._speed > 0

    def rate(self, operation: str) -> float:
        return self._limits[operation][0] * self._speed

    def take(self, operation: str) -> Verdict:
        """Spend one token of ``operation`` if there is one; the headers either way."""
        if not self.enabled or operation not in self._limits:
            return Verdict(True, {})
        now = self._clock.timestamp()
        bucket = self._buckets.get(operation)
        if bucket is None:
            rate, burst = self._limits[operation]
            bucket = Bucket(rate * self._speed, burst, float(burst), now)
            self._buckets[operation] = bucket
        bucket.refill(now)
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        headers = {
            TOKEN_COUNT_HEADER: str(math.floor(bucket.tokens)),
            REPLENISH_HEADER: str(math.ceil(bucket.next_token_at(now) * 1000)),
        }
        return Verdict(allowed, headers)

    def drain(self, operation: str) -> None:
        """Empty one bucket now, as a burst of other clients' calls would."""
        self.take(operation)
        bucket = self._buckets.get(operation)
        if bucket is not None:
            bucket.tokens = 0.0

    def reset(self) -> None:
        self._buckets.clear()
