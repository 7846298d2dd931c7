"""bol-style rate limits: a fixed budget per endpoint and method per time window.

bol's conventions describe each limit as a method, a path, a time unit, a TTL and a
capacity ("any GET to /retailer/orders is limited to 7 requests every 3 minutes"): a
window opens with the first call and holds ``capacity`` calls until it ends. Every answer
of a limited endpoint carries ``x-ratelimit-limit``, ``x-ratelimit-remaining`` and
``x-ratelimit-reset`` (seconds until the window ends); a call over budget gets 429 with
``Retry-After``. Windows are kept per API client and divided by the speed factor; when
sped up, reset and Retry-After are given with fractions of a second.

The three limits of bol's illustrative table are used as published; the others are the
simulator's own choice (bol publishes no numbers for them), picked to be no tighter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from orderbridge.sandbox.clock import SimulatorClock

# operationId → (capacity, window seconds at speed 1)
LIMITS: dict[str, tuple[int, float]] = {
    "get-orders": (7, 180.0),
    "get-order": (8, 60.0),
    "cancel-order-item": (25, 60.0),
    "create-shipment": (25, 60.0),
    "get-shipments": (20, 60.0),
    "get-process-status": (100, 60.0),
    "get-process-status-entity-id": (20, 60.0),
    "get-process-status-bulk": (20, 60.0),
    "token": (10, 60.0),
    "get-returns": (20, 60.0),
    "get-return": (20, 60.0),
    "handle-return": (25, 60.0),
    "create-return": (25, 60.0),
}


@dataclass
class Window:
    opened_at: float
    used: int


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]


def seconds_text(seconds: float) -> str:
    """Whole seconds, as bol sends them; fractions only when a sped-up window is shorter."""
    if seconds >= 1:
        return str(math.ceil(seconds))
    return f"{max(seconds, 0.001):.3f}"


class Throttle:
    def __init__(self, speed_factor: float | None, clock: SimulatorClock) -> None:
        self._speed = speed_factor or 0.0
        self._clock = clock
        self._windows: dict[tuple[str, str], Window] = {}

    @property
    def enabled(self) -> bool:
        return self._speed > 0

    def window_seconds(self, operation: str) -> float:
        _, seconds = LIMITS[operation]
        return seconds / self._speed if self.enabled else seconds

    def take(self, client: str, operation: str) -> Verdict:
        """Spend one call of ``client``'s budget for ``operation``, if any is left."""
        capacity, _ = LIMITS[operation]
        if not self.enabled:
            return Verdict(True, {})
        now = self._clock.timestamp()
        length = self.window_seconds(operation)
        window = self._windows.get((client, operation))
        if window is None or now >= window.opened_at + length or now < window.opened_at:
            window = Window(now, 0)
            self._windows[(client, operation)] = window
        reset = window.opened_at + length - now
        allowed = window.used < capacity
        if allowed:
            window.used += 1
        headers = {
            "x-ratelimit-limit": str(capacity),
            "x-ratelimit-remaining": str(capacity - window.used),
            "x-ratelimit-reset": seconds_text(reset),
        }
        if not allowed:
            headers["retry-after"] = seconds_text(reset)
        return Verdict(allowed, headers)

    def reset(self) -> None:
        self._windows.clear()
