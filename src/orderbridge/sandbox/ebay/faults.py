"""Injected failures and latency, from a seeded random source.

With probability ``fault_rate_500`` a business call answers 500 (30500 "System error"),
with ``fault_rate_503`` a 503; ``latency_ms`` is added to every business call.

Lost answers serve exactly-once tests: after ``lose_next_writes(n)`` the next n write
calls that succeed (createShippingFulfillment, issueRefund, createCancellation,
approveCancellation) are applied as usual but answered 500, as when eBay did the work and
the answer never arrived. ``fail_next_refunds(n)`` makes the next n refunds end FAILED.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass

from orderbridge.sandbox.ebay.errors import EbayApiError, system_error


@dataclass
class FaultConfig:
    fault_rate_500: float = 0.0
    fault_rate_503: float = 0.0
    latency_ms: float = 0.0

    def validate(self) -> None:
        for name in ("fault_rate_500", "fault_rate_503"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number within 0..1")
        if self.fault_rate_500 + self.fault_rate_503 > 1:
            raise ValueError("fault_rate_500 + fault_rate_503 must not exceed 1")
        if (
            isinstance(self.latency_ms, bool)
            or not isinstance(self.latency_ms, int | float)
            or self.latency_ms < 0
        ):
            raise ValueError("latency_ms must be a number >= 0")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _count(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0")
    return value


class FaultInjector:
    def __init__(self, seed: int, config: FaultConfig) -> None:
        config.validate()
        self._seed = seed
        self._rng = random.Random(f"ebay-faults:{seed}")
        self.config = config
        self.lost_pending = 0
        self.failing_refunds = 0
        self.lost: dict[str, int] = {}

    def configure(self, config: FaultConfig) -> None:
        config.validate()
        self.config = config

    def reset(self, config: FaultConfig) -> None:
        self.configure(config)
        self._rng = random.Random(f"ebay-faults:{self._seed}")
        self.lost_pending = 0
        self.failing_refunds = 0
        self.lost.clear()

    def lose_next_writes(self, count: object) -> None:
        self.lost_pending = _count(count, "lose_write_responses")

    def fail_next_refunds(self, count: object) -> None:
        self.failing_refunds = _count(count, "fail_refunds")

    def take_refund_failure(self) -> bool:
        if self.failing_refunds <= 0:
            return False
        self.failing_refunds -= 1
        return True

    def lose(self, operation: str) -> EbayApiError | None:
        if self.lost_pending <= 0:
            return None
        self.lost_pending -= 1
        self.lost[operation] = self.lost.get(operation, 0) + 1
        return system_error("Injected by the orderbridge eBay simulator: applied, answer withheld.")

    async def delay(self) -> None:
        if self.config.latency_ms > 0:
            await asyncio.sleep(self.config.latency_ms / 1000)

    def draw(self) -> EbayApiError | None:
        config = self.config
        if config.fault_rate_500 <= 0 and config.fault_rate_503 <= 0:
            return None
        roll = self._rng.random()
        if roll < config.fault_rate_500:
            return system_error("Injected by the orderbridge eBay simulator (fault_rate_500).")
        if roll < config.fault_rate_500 + config.fault_rate_503:
            return system_error(
                "Injected by the orderbridge eBay simulator (fault_rate_503).", status=503
            )
        return None
