"""What the sandbox OMS has received, counted, and been told to get wrong.

One lock guards everything, and no caller awaits while holding it, so the store is safe
for concurrent requests on one event loop and for threads alike.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(slots=True)
class Fault:
    """Answer the next ``remaining`` deliveries late, wrongly, or both."""

    remaining: int
    status: int | None
    delay_seconds: float = 0.0
    body: str | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "remaining": self.remaining,
            "status": self.status,
            "delay_seconds": self.delay_seconds,
            "body": self.body,
        }


@dataclass(slots=True)
class ReceivedOrder:
    idempotency_key: str
    received_at: datetime
    document: dict[str, Any]
    body_sha256: str
    user_agent: str | None


@dataclass(slots=True)
class Counters:
    deliveries: int = 0
    received: int = 0
    duplicates: int = 0
    rejected: int = 0
    faults_served: int = 0
    overlapping: int = 0  # deliveries that arrived while another of the same key was in flight


@dataclass(slots=True)
class Inbox:
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _orders: dict[str, ReceivedOrder] = field(default_factory=dict)
    _attempts: Counter[str] = field(default_factory=Counter)
    _faults: deque[Fault] = field(default_factory=deque)
    _counters: Counters = field(default_factory=Counters)
    _in_flight: Counter[str] = field(default_factory=Counter)

    def begin(self, idempotency_key: str | None) -> None:
        """A delivery starts; two of one order in flight at once is what a sender must avoid."""
        if not idempotency_key:
            return
        with self._lock:
            if self._in_flight[idempotency_key] > 0:
                self._counters.overlapping += 1
            self._in_flight[idempotency_key] += 1

    def end(self, idempotency_key: str | None) -> None:
        if not idempotency_key:
            return
        with self._lock:
            self._in_flight[idempotency_key] -= 1
            if self._in_flight[idempotency_key] <= 0:
                del self._in_flight[idempotency_key]

    def count_delivery(self, idempotency_key: str | None) -> None:
        """Every POST counts, whatever its fate, so tests can see retries happen."""
        with self._lock:
            self._counters.deliveries += 1
            if idempotency_key:
                self._attempts[idempotency_key] += 1

    def add_fault(self, fault: Fault) -> list[dict[str, Any]]:
        with self._lock:
            self._faults.append(fault)
            return [pending.describe() for pending in self._faults]

    def take_fault(self) -> Fault | None:
        """The fault this delivery suffers, if any; consumes one of its repetitions."""
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.popleft()
            self._counters.faults_served += 1
            return Fault(1, fault.status, fault.delay_seconds, fault.body)

    def reject(self) -> None:
        with self._lock:
            self._counters.rejected += 1

    def store(
        self,
        idempotency_key: str,
        document: dict[str, Any],
        body: bytes,
        *,
        user_agent: str | None = None,
    ) -> tuple[ReceivedOrder, bool]:
        """Keep the order unless the key was seen; returns the stored entry and ``duplicate``."""
        with self._lock:
            existing = self._orders.get(idempotency_key)
            if existing is not None:
                self._counters.duplicates += 1
                return existing, True
            entry = ReceivedOrder(
                idempotency_key=idempotency_key,
                received_at=datetime.now(UTC),
                document=document,
                body_sha256=hashlib.sha256(body).hexdigest(),
                user_agent=user_agent,
            )
            self._orders[idempotency_key] = entry
            self._counters.received += 1
            return entry, False

    def orders(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._describe(entry) for entry in self._orders.values()]

    def order(self, idempotency_key: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._orders.get(idempotency_key)
            return self._describe(entry) if entry else None

    def attempts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._attempts)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counters = self._counters
            return {
                "received": counters.received,
                "duplicates": counters.duplicates,
                "rejected": counters.rejected,
                "deliveries": counters.deliveries,
                "faults_served": counters.faults_served,
                "overlapping": counters.overlapping,
                "faults_pending": [fault.describe() for fault in self._faults],
            }

    def reset(self) -> None:
        with self._lock:
            self._orders.clear()
            self._attempts.clear()
            self._faults.clear()
            self._in_flight.clear()
            self._counters = Counters()

    def _describe(self, entry: ReceivedOrder) -> dict[str, Any]:
        return {
            "idempotency_key": entry.idempotency_key,
            "received_at": entry.received_at.isoformat().replace("+00:00", "Z"),
            "attempts": self._attempts[entry.idempotency_key],
            "body_sha256": entry.body_sha256,
            "user_agent": entry.user_agent,
            "document": entry.document,
        }
