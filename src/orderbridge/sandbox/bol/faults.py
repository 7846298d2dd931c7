"""Injected failures and latency for API calls, from a seeded random source.

With probability fault_rate_500 a call answers 500 and with fault_rate_503 it answers
503, before it does anything; latency_ms is added to every API call. The random source
is seeded, so the same sequence of calls meets the same faults.

``lose_next_writes(n)``: the next n writes (shipments, cancellations) that bol accepts
are processed as usual but answered 500, as when bol did the work and its answer never
reached the client. Refused writes keep their real answer and do not use up the count.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass

from orderbridge.sandbox.bol.problems import BolProblem


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
        self.lost_pending = 0
        self.lost: dict[str, int] = {}

    def configure(self, config: FaultConfig) -> None:
        config.validate()
        self.config = config

    def reset(self, config: FaultConfig) -> None:
        self.configure(config)
        self._rng = random.Random(self._seed)
        self.lost_pending = 0
        self.lost.clear()

    def lose_next_writes(self, count: object) -> None:
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError("lose_write_responses must be an integer >= 0")
        self.lost_pending = count

    def lose(self, operation: str) -> BolProblem | None:
        """The 500 that replaces an accepted write's answer, while some are to be lost."""
        if self.lost_pending <= 0:
            return None
        self.lost_pending -= 1
        self.lost[operation] = self.lost.get(operation, 0) + 1
        return BolProblem(
            500,
            "Internal server error (injected by the orderbridge bol simulator: the request "
            "was accepted, its answer withheld).",
        )

    async def delay(self) -> None:
        if self.config.latency_ms > 0:
            await asyncio.sleep(self.config.latency_ms / 1000.0)

    def draw(self) -> BolProblem | None:
        config = self.config
        if config.fault_rate_500 <= 0 and config.fault_rate_503 <= 0:
            return None
        r = self._rng.random()
        if r < config.fault_rate_500:
            return BolProblem(500, "Internal server error (injected: fault_rate_500).")
        if r < config.fault_rate_500 + config.fault_rate_503:
            return BolProblem(503, "Service unavailable (injected: fault_rate_503).")
        return None
