"""The simulator's whole in-memory state, reachable in-process as ``app.state.simulator``.

One ``EbaySimulator`` owns the orders, the return requests, the id source and generator,
issued access tokens, throttling buckets, the fault injector, call statistics and the
clock. ``reset()`` rebuilds orders, returns, buckets, statistics and faults from the
settings (same seed, same orders); issued access tokens survive it, so a client under
test need not log in again.
"""

from __future__ import annotations

from typing import Any

from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.ebay.auth import TokenRegistry
from orderbridge.sandbox.ebay.custom_orders import build_order
from orderbridge.sandbox.ebay.faults import FaultConfig, FaultInjector
from orderbridge.sandbox.ebay.generator import OrderGenerator
from orderbridge.sandbox.ebay.ids import IdSource
from orderbridge.sandbox.ebay.lifecycle import settle
from orderbridge.sandbox.ebay.pipeline import CallStats
from orderbridge.sandbox.ebay.records import Order
from orderbridge.sandbox.ebay.return_book import ReturnBook
from orderbridge.sandbox.ebay.settings import EbaySimulatorSettings
from orderbridge.sandbox.ebay.store import OrderStore
from orderbridge.sandbox.ebay.throttle import Throttle


class EbaySimulator:
    def __init__(self, settings: EbaySimulatorSettings, clock: SimulatorClock) -> None:
        self.settings = settings
        self.clock = clock
        self.tokens = TokenRegistry(clock, settings.access_token_ttl_seconds)
        self.throttle = Throttle(settings.speed_factor, clock)
        self.faults = FaultInjector(settings.seed, self._initial_faults())
        self.stats = CallStats()
        self.store = OrderStore()
        self.ids = IdSource(settings.seed)
        self.generator = OrderGenerator(settings.seed, self.ids)
        self.returns = ReturnBook(settings.seed)
        self.reset()

    def _initial_faults(self) -> FaultConfig:
        s = self.settings
        return FaultConfig(s.fault_rate_500, s.fault_rate_503, s.latency_ms)

    def reset(self, orders: int | None = None) -> int:
        """Back to the initial state; returns the number of orders now held."""
        settings = self.settings
        self.ids = IdSource(settings.seed)
        self.generator = OrderGenerator(settings.seed, self.ids)
        self.store.clear()
        count = settings.initial_orders if orders is None else orders
        self.store.load(
            self.generator.history(
                settings.marketplace_ids, count, self.clock.timestamp(), settings.history_days
            )
        )
        self.returns.clear(settings.seed)
        self.returns.seed(self.store, self.clock.timestamp())
        self.throttle.reset()
        self.faults.reset(self._initial_faults())
        self.stats.clear()
        return len(self.store)

    def settle(self) -> None:
        """Apply every refund and cancellation step due by the simulator's now."""
        now = self.clock.timestamp()
        for order in self.store:
            settle(order, now, self.ids)

    def add_generated(self, count: int, marketplace_id: str | None, status: str) -> list[Order]:
        now = self.clock.timestamp()
        marketplaces = [marketplace_id] if marketplace_id else list(self.settings.marketplace_ids)
        created = []
        for index in range(count):
            order = self.generator.order(marketplaces[index % len(marketplaces)], now, now, status)
            self.store.add(order)
            created.append(order)
        return created

    def add_partial(self, partial: Any) -> Order:
        order = build_order(
            partial, self.generator, self.settings.marketplace_ids, self.clock.timestamp()
        )
        self.store.add(order)
        return order
