"""Token-bucket throttling at the official usage-plan rates, scaled by a speed factor.

SP-API meters each application + selling-partner pair per operation with a token bucket:
`rate` tokens per second refill a bucket holding at most `burst` tokens, and a call without a
token gets 429 QuotaExceeded (Usage-Plans-and-Rate-Limits.md). The simulator keys buckets by
(seller id behind the access token, operation). Refill reads the injectable clock, so a
frozen clock never refills and tests can count calls exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderbridge.sandbox.clock import SimulatorClock

# (rate per second, burst) from the operation descriptions of the official models:
# orders_2026-01-01.json, ordersV0.json (confirmShipment), feeds_2021-06-30.json and
# reports_2021-06-30.json
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeeds": (0.0222, 10),
    "getFeedDocument": (0.0222, 10),
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "cancelReport": (0.0222, 10),
    "getReports": (0.0222, 10),
    "getReportDocument": (0.0167, 15),
}


@dataclass
class TokenBucket:
    rate: float
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        if now > self.updated:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        # a clock moved backwards must not mint tokens, nor make the bucket owe time
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RateLimiter:
    def __init__(self, speed_factor: float | None, clock: SimulatorClock) -> None:
        self._speed = speed_factor or 0.0
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    @property
    def enabled(self) -> bool:
        return self._speed > 0

    def rate(self, operation: str) -> float:
        """The refill rate applied; the official one when throttling is off."""
        base, _ = USAGE_PLANS[operation]
        return base * self._speed if self.enabled else base

    def header_value(self, operation: str) -> str:
        # six significant digits hide float noise such as 0.0056 * 100 = 0.5599999999999999
        return f"{self.rate(operation):.6g}"

    def acquire(self, seller_id: str, operation: str) -> bool:
        if not self.enabled:
            return True
        now = self._clock.timestamp()
        key = (seller_id, operation)
        bucket = self._buckets.get(key)
        if bucket is None:
            _, burst = USAGE_PLANS[operation]
            bucket = TokenBucket(self.rate(operation), burst, float(burst), now)
            self._buckets[key] = bucket
        return bucket.take(now)

    def reset(self) -> None:
        self._buckets.clear()
