"""The simulator's whole in-memory state, reachable in-process as `app.state.simulator`.

One `WalmartSimulator` owns the order store, the generator, issued access tokens, the
throttling buckets, the fault injector, call statistics, the log of applied writes, the
clock and the returns made for shipped orders. `reset()` rebuilds orders, returns,
buckets, statistics and faults from the settings (same seed, same orders); issued
access tokens survive it, so a client under test need not log in again.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.walmart import lifecycle
from orderbridge.sandbox.walmart.auth import TokenRegistry
from orderbridge.sandbox.walmart.custom_orders import build_order
from orderbridge.sandbox.walmart.faults import FaultConfig, FaultInjector
from orderbridge.sandbox.walmart.generator import OrderGenerator
from orderbridge.sandbox.walmart.records import Order
from orderbridge.sandbox.walmart.return_book import ReturnBook
from orderbridge.sandbox.walmart.returns_api import RATE_LIMITS as RETURN_RATE_LIMITS
from orderbridge.sandbox.walmart.settings import WalmartSimulatorSettings
from orderbridge.sandbox.walmart.store import OrderStore
from orderbridge.sandbox.walmart.throttle import Throttle


class CallStats:
    """Calls per operation and HTTP status, for `/_sandbox/stats`."""

    def __init__(self) -> None:
        self._counts: dict[str, Counter[int]] = {}

    def record(self, operation: str, status: int) -> None:
        self._counts.setdefault(operation, Counter())[status] += 1

    def count(self, operation: str, status: int | None = None) -> int:
        counter = self._counts.get(operation, Counter())
        return counter.total() if status is None else counter[status]

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {
            operation: {str(status): n for status, n in sorted(counter.items())}
            for operation, counter in sorted(self._counts.items())
        }

    def clear(self) -> None:
        self._counts.clear()


class WalmartSimulator:
    def __init__(self, settings: WalmartSimulatorSettings, clock: SimulatorClock) -> None:
        self.settings = settings
        self.clock = clock
        self.tokens = TokenRegistry(clock, settings.access_token_ttl_seconds)
        self.throttle = Throttle(
            {**RETURN_RATE_LIMITS, **settings.rate_limits}, settings.speed_factor, clock
        )
        self.faults = FaultInjector(settings.seed, self._initial_faults())
        self.stats = CallStats()
        self.store = OrderStore()
        self.generator = OrderGenerator(settings.seed)
        self.returns = ReturnBook(settings.seed)
        # purchase order id → the writes applied to it: [{"operation", "at"}]
        self.applied: dict[str, list[dict[str, Any]]] = {}
        self.reset()

    def _initial_faults(self) -> FaultConfig:
        s = self.settings
        return FaultConfig(s.fault_rate_500, s.fault_rate_503, s.latency_ms)

    def now_ms(self) -> int:
        return int(self.clock.timestamp() * 1000)

    def reset(self, orders: int | None = None) -> int:
        """Back to the initial state; returns the number of orders now held."""
        settings = self.settings
        self.generator = OrderGenerator(settings.seed)
        self.store.clear()
        self.applied.clear()
        count = settings.initial_orders if orders is None else orders
        self.store.load(self.generator.generate(count, self.now_ms(), settings.history_days))
        self.returns.clear(settings.seed)
        self.returns.seed(self.store, self.now_ms())
        self.throttle.reset()
        self.faults.reset(self._initial_faults())
        self.stats.clear()
        return len(self.store)

    def add_generated(self, count: int, status: str = "Created") -> list[Order]:
        now = self.now_ms()
        created = [self.generator.new_order(now, status) for _ in range(count)]
        self.store.load(created)
        return created

    def add_partial(self, partial: Any) -> Order:
        order = build_order(partial, self.generator, self.now_ms())
        self.store.add(order)
        return order

    def record_write(self, order: Order, operation: str) -> None:
        self.applied.setdefault(order.purchase_order_id, []).append(
            {"operation": operation, "at": self.now_ms()}
        )

    def change_status(self, order: Order, body: dict[str, Any]) -> None:
        """A change made at Walmart rather than through the API (see `control.py`)."""
        now = self.now_ms()
        lines = body.get("lineNumbers")
        status = body.get("status")
        if body.get("intentToCancel"):
            lifecycle.customer_asks_to_cancel(order, lines, now)
        elif status == "Cancelled":
            lifecycle.customer_cancels(order, lines, now)
        elif status == "Acknowledged":
            lifecycle.acknowledge(order, now)
        elif status == "Shipped":
            tracking = self.generator.tracking(now, order.method_code)
            lifecycle.seller_ships(order, lines, tracking, now)
        elif status == "Delivered":
            lifecycle.delivered(order, lines, now)
        else:
            raise lifecycle.TransitionError(
                "give status Acknowledged, Shipped, Delivered or Cancelled, or intentToCancel"
            )
