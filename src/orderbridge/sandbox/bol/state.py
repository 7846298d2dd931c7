"""The simulator's whole in-memory state, reachable in-process as `app.state.simulator`.

One `BolSimulator` owns the orders (with shipments, cancellations, returns and process
statuses), the generator, issued tokens, throttling windows, faults, call statistics and
the clock. `reset()` rebuilds orders, returns, windows, statistics and faults from the
settings (same seed, same orders); issued tokens survive a reset so a client under test
need not log in again.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from orderbridge.sandbox.bol.auth import TokenRegistry
from orderbridge.sandbox.bol.faults import FaultConfig, FaultInjector
from orderbridge.sandbox.bol.generator import OrderGenerator
from orderbridge.sandbox.bol.partial_orders import build_order
from orderbridge.sandbox.bol.processing import apply, due, new_status
from orderbridge.sandbox.bol.records import Cancellation, Order, ProcessStatus
from orderbridge.sandbox.bol.settings import BolSimulatorSettings
from orderbridge.sandbox.bol.store import OrderStore
from orderbridge.sandbox.bol.throttle import Throttle
from orderbridge.sandbox.clock import SimulatorClock


class CallStats:
    """Calls per operation and HTTP status, for `/_sandbox/stats`."""

    def __init__(self) -> None:
        self._counts: dict[str, Counter[int]] = {}

    def record(self, operation: str, status: int) -> None:
        self._counts.setdefault(operation, Counter())[status] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {
            operation: {str(status): n for status, n in sorted(counter.items())}
            for operation, counter in sorted(self._counts.items())
        }

    def clear(self) -> None:
        self._counts.clear()


class BolSimulator:
    def __init__(self, settings: BolSimulatorSettings, clock: SimulatorClock) -> None:
        self.settings = settings
        self.clock = clock
        self.tokens = TokenRegistry(clock, settings.access_token_ttl_seconds)
        self.throttle = Throttle(settings.speed_factor, clock)
        self.faults = FaultInjector(settings.seed, self._initial_faults())
        self.stats = CallStats()
        self.store = OrderStore()
        self.overrides: dict[str, dict[str, Any]] = {}
        self.generator = OrderGenerator(settings.seed)
        self._next_status = 0
        self.reset()

    def _initial_faults(self) -> FaultConfig:
        s = self.settings
        return FaultConfig(s.fault_rate_500, s.fault_rate_503, s.latency_ms)

    def now(self) -> float:
        return self.clock.timestamp()

    def reset(self, orders: int | None = None) -> int:
        """Back to the initial state; returns the number of orders now held."""
        settings = self.settings
        self.generator = OrderGenerator(settings.seed)
        self.store.clear()
        self.overrides.clear()
        history = self.generator.history(
            settings.initial_orders if orders is None else orders,
            self.now(),
            settings.history_days,
        )
        for order in history.orders:
            self.store.add(order)
        self.store.shipments.extend(history.shipments)
        self.store.cancellations.extend(history.cancellations)
        self.store.returns.clear(settings.seed)
        self.store.returns.seed(self.store.orders(), self.now())
        self._next_status = 1_000_000_000 + self.generator.rng.randint(0, 99_999_999)
        self.throttle.reset()
        self.faults.reset(self._initial_faults())
        self.stats.clear()
        return len(self.store)

    def settle(self) -> None:
        """Finish every write whose processing time has passed; forget expired statuses."""
        now = self.now()
        # Each write takes effect at the moment its processing ended, not when it is seen.
        for status in due(list(self.store.statuses.values()), now):
            apply(status, self.store, status.due_at, self.generator.shipment_ids)
        keep = self.settings.process_status_retention_seconds
        expired = [
            key
            for key, status in self.store.statuses.items()
            if status.finished_at is not None and now > status.finished_at + keep
        ]
        for key in expired:
            del self.store.statuses[key]

    def submit(self, event_type: str, entity_id: str, request: dict[str, Any]) -> ProcessStatus:
        """Accept a write: a PENDING process status that comes due after the delay."""
        now = self.now()
        self._next_status += 1
        status = new_status(str(self._next_status), event_type, entity_id, request, now)
        status.due_at = now + self.settings.processing_delay
        self.store.statuses[status.process_status_id] = status
        return status

    def add_generated(self, count: int, method: str | None = None) -> list[Order]:
        created = []
        for _ in range(count):
            order = self.generator.order(self.now(), method=method)
            self.store.add(order)
            created.append(order)
        return created

    def add_partial(self, partial: Any) -> Order:
        order = build_order(partial, self.generator, self.now())
        self.store.add(order)
        return order

    def customer_cancels(
        self, order: Order, item_ids: list[str] | None, *, request_only: bool
    ) -> list[str]:
        """The customer cancels open items (or only asks to); returns the items touched."""
        now = self.now()
        touched = []
        for item in order.items:
            if item_ids is not None and item.order_item_id not in item_ids:
                continue
            if item.open <= 0:
                continue
            item.cancellation_request = True
            item.changed_at = now
            if not request_only:
                quantity = item.open
                item.quantity_cancelled += quantity
                self.store.cancellations.append(
                    Cancellation(
                        order.order_id, item.order_item_id, quantity, None, "CUSTOMER", now
                    )
                )
            touched.append(item.order_item_id)
        return touched
