"""The simulator's "now", and the ``Date`` header that shows it to clients.

Everything time-dependent (token expiry, bucket refill, refunds and cancellations that
settle later, timestamps of new orders) reads this clock, never the system time. A clock
follows real time by default; tests freeze it or move it. Clients measure eBay's time from
the ``Date`` header, so the header comes from this clock too (servers hosting the
simulator turn their own Date header off).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any


class SimulatorClock:
    """Real time shifted by an offset, or a frozen instant."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._offset = 0.0
        self._frozen_at: float | None = None
        if start is not None:
            self.set(start, frozen=frozen)
        elif frozen:
            self._frozen_at = time.time()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def timestamp(self) -> float:
        return self._frozen_at if self._frozen_at is not None else time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=UTC)

    def set(self, when: datetime, *, frozen: bool = True) -> None:
        """Jump to ``when`` (a naive time is UTC); a frozen clock stays there."""
        target = (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
        if frozen:
            self._frozen_at = target
        else:
            self._frozen_at = None
            self._offset = target - time.time()

    def advance(self, seconds: float) -> None:
        if self._frozen_at is not None:
            self._frozen_at += seconds
        else:
            self._offset += seconds

    def use_real_time(self) -> None:
        self._frozen_at = None
        self._offset = 0.0


class DateHeader:
    """ASGI middleware stamping every response with the simulator's time."""

    def __init__(self, app: Any, clock: SimulatorClock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                stamp = format_datetime(self.clock.now(), usegmt=True).encode("ascii")
                message = {**message, "headers": [*headers, (b"date", stamp)]}
            await send(message)

        await self.app(scope, receive, stamped)
