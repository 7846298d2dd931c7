"""Injected failures and latency for business calls, from a seeded random source.

With probability fault_rate_500 a call answers 500 and with probability fault_rate_503 it
answers 503; latency_ms is added to every business call. The same sequence of calls meets
the same faults each run.

Lost responses serve exactly-once tests: after `lose_next_writes(n)` the next n write
calls (acknowledge, shipping, cancel, refund) that succeed are applied as usual but
answered with a 500, as when Walmart did the work and the answer never arrived. Calls
that fail keep their real answer and do not use up the count.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass

from orderbridge.sandbox.walmart.errors import (
    WalmartApiError,
    internal_error,
    service_unavailable,
)


@dataclass
class FaultConfig:
    fault_rate_500: float = 0.0
    fault_rate_503: float = 0.0
    latency_ms: float = 0.0

    def validate(self) -> None:
        for name in ("fault_rate_500", "fault_rate_503"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number within 0..1")
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a number within 0..1")
        if self.fault_rate_500 + self.fault_rate_503 > 1.0:
            raise ValueError("fault_rate_500 + fault_rate_503 must not exceed 1")
        if not isinstance(self.latency_ms, int | float) or self.latency_ms < 0:
            raise ValueError("latency_ms must be a number >= 0")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


class FaultInjector:
    def __init__(self, seed: int, config: FaultConfig) -> None:
        config.validate()
        self._seed = seed
        self._rng = random.Random(seed)
        self.config = config
        self.lost_responses_pending = 0
        self.lost_responses: dict[str, int] = {}

    def configure(self, config: FaultConfig) -> None:
        config.validate()
        self.config = config

    def reset(self, config: FaultConfig) -> None:
        self.configure(config)
        self._rng = random.Random(self._seed)
        self.lost_responses_pending = 0
        self.lost_responses.clear()

    def lose_next_writes(self, count: object) -> None:
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError("lose_write_responses must be an integer >= 0")
        self.lost_responses_pending = count

    def lose_response(self, operation: str) -> WalmartApiError | None:
        """The 500 replacing the answer of an applied write, while some are to be lost."""
        if self.lost_responses_pending <= 0:
            return None
        self.lost_responses_pending -= 1
        self.lost_responses[operation] = self.lost_responses.get(operation, 0) + 1
        return internal_error(
            "Injected by the orderbridge Walmart simulator (lose_write_responses): the "
            "request was applied, its answer withheld."
        )

    async def delay(self) -> None:
        if self.config.latency_ms > 0:
            await asyncio.sleep(self.config.latency_ms / 1000.0)

    def draw(self) -> WalmartApiError | None:
        """The fault this call meets, if any."""
        config = self.config
        if config.fault_rate_500 <= 0 and config.fault_rate_503 <= 0:
            return None
        r = self._rng.random()
        if r < config.fault_rate_500:
            return internal_error("Injected by the orderbridge Walmart simulator (fault_rate_500).")
        if r < config.fault_rate_500 + config.fault_rate_503:
            return service_unavailable(
                "Injected by the orderbridge Walmart simulator (fault_rate_503)."
            )
        return None
