"""Settings of one sandbox OMS: the shared secret and the faults it starts with."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_TOLERANCE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class SandboxOmsSettings:
    """How the sandbox OMS checks deliveries, and how many it fails on purpose at start."""

    # Out of repr: the sandbox may print its settings at start-up.
    secret: str = field(repr=False)
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS
    fail_next: int = 0
    fail_status: int = 500
    delay_seconds: float = 0.0
    # Every delivery takes this long, as a busy OMS does; keeps deliveries in flight in tests.
    latency_seconds: float = 0.0
