"""A simulator's notion of "now", injectable so tests are deterministic; shared by every
marketplace simulator.

Everything time-dependent (token expiry, throttling refill, settle-lag rules, last-update
bumps, timestamps of new orders, writes that finish later) reads this clock, never the
system time directly. A clock follows real time by default; tests freeze it or move it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SimulatorClock:
    """Real time plus an offset, or a frozen instant."""

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
        if self._frozen_at is not None:
            return self._frozen_at
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=UTC)

    def set(self, when: datetime, *, frozen: bool = True) -> None:
        """Jump to `when` (naive datetimes are UTC); a frozen clock stays there."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        target = when.timestamp()
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
