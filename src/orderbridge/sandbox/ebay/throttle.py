"""Throttling: one token bucket per seller and method, at our model of eBay's quotas.

eBay publishes daily call quotas, not rates; the simulator spends them as buckets at the
rates orderbridge's connector assumes by default (see the connector's capabilities),
multiplied by the speed factor, so a sandbox run meets 429 where a real seller would run
into the quota sooner than planned. A frozen clock never refills, so tests count exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderbridge.sandbox.clock import SimulatorClock

# (rate per second at speed 1, burst)
CALL_RATES: dict[str, tuple[float, int]] = {
    "getOrders": (0.25, 25),
    "getOrder": (0.25, 25),
    "getShippingFulfillments": (0.25, 25),
    "getShippingFulfillment": (0.25, 25),
    "createShippingFulfillment": (0.25, 25),
    "issueRefund": (0.05, 5),
    "checkCancellationEligibility": (0.05, 5),
    "createCancellation": (0.05, 5),
    "getCancellation": (0.05, 5),
    "approveCancellation": (0.05, 5),
    "searchReturns": (0.05, 5),
    "getReturn": (0.05, 5),
    "decideReturn": (0.05, 5),
    "issueReturnRefund": (0.05, 5),
}


@dataclass
class Bucket:
    rate: float
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        if now > self.updated:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        # A clock moved back must neither mint tokens nor make the bucket owe time.
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Throttle:
    def __init__(self, speed_factor: float, clock: SimulatorClock) -> None:
        self._speed = speed_factor
        self._clock = clock
        self._buckets: dict[str, Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self._speed > 0

    def admit(self, operation: str) -> bool:
        if not self.enabled:
            return True
        now = self._clock.timestamp()
        bucket = self._buckets.get(operation)
        if bucket is None:
            rate, burst = CALL_RATES[operation]
            bucket = Bucket(rate * self._speed, burst, float(burst), now)
            self._buckets[operation] = bucket
        return bucket.take(now)

    def drain(self, operation: str) -> None:
        """Empty one bucket now, as if the seller had spent its calls elsewhere."""
        if self.enabled:
            self.admit(operation)
            self._buckets[operation].tokens = 0.0

    def reset(self) -> None:
        self._buckets.clear()
