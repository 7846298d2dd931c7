"""The simulator's whole in-memory state, reachable in-process as `app.state.simulator`.

One `AmazonSimulator` owns the order store, the generator, issued access tokens, throttling
buckets, the fault injector, call statistics, feeds and reports with their documents, the
merchant-fulfilled returns, and the clock. `reset()` rebuilds orders, returns, buckets,
statistics and faults from the settings (same seed, same orders) and forgets feeds and
reports; issued access tokens survive a reset so a client under test need not log in again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from orderbridge.sandbox.amazon.auth import TokenRegistry
from orderbridge.sandbox.amazon.custom_orders import build_order
from orderbridge.sandbox.amazon.faults import FaultConfig, FaultInjector
from orderbridge.sandbox.amazon.feed_documents import DocumentStore
from orderbridge.sandbox.amazon.feeds import FeedStore, process_feed
from orderbridge.sandbox.amazon.generator import OrderGenerator
from orderbridge.sandbox.amazon.lifecycle import check_transition, settle
from orderbridge.sandbox.amazon.overrides import PayloadOverrides
from orderbridge.sandbox.amazon.pagination import PaginationCodec
from orderbridge.sandbox.amazon.records import Order
from orderbridge.sandbox.amazon.reports import ReportStore, process_report
from orderbridge.sandbox.amazon.returns import ReturnStore
from orderbridge.sandbox.amazon.settings import AmazonSimulatorSettings
from orderbridge.sandbox.amazon.store import OrderStore
from orderbridge.sandbox.amazon.throttle import RateLimiter
from orderbridge.sandbox.clock import SimulatorClock


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


class AmazonSimulator:
    def __init__(self, settings: AmazonSimulatorSettings, clock: SimulatorClock) -> None:
        self.settings = settings
        self.clock = clock
        self.tokens = TokenRegistry(clock, settings.access_token_ttl_seconds)
        self.limiter = RateLimiter(settings.speed_factor, clock)
        self.faults = FaultInjector(settings.seed, self._initial_faults())
        self.stats = CallStats()
        self.store = OrderStore()
        self.overrides = PayloadOverrides()
        self.documents = DocumentStore()
        self.feeds = FeedStore()
        self.returns = ReturnStore()
        self.reports = ReportStore()
        # derived from the seed so tokens stay valid across restarts of the same simulator
        key = hashlib.sha256(f"orderbridge-amazon-sim:{settings.seed}".encode()).digest()
        self.pagination = PaginationCodec(key)
        self.generator = OrderGenerator(settings.seed)
        self.reset()

    def _initial_faults(self) -> FaultConfig:
        s = self.settings
        return FaultConfig(s.fault_rate_500, s.fault_rate_503, s.latency_ms)

    def now(self) -> int:
        return int(self.clock.timestamp())

    def reset(self, orders_per_marketplace: int | None = None) -> int:
        """Back to the initial state; returns the number of orders now held."""
        settings = self.settings
        per_marketplace = (
            settings.initial_orders_per_marketplace
            if orders_per_marketplace is None
            else orders_per_marketplace
        )
        self.generator = OrderGenerator(settings.seed)
        self.store.clear()
        self.overrides.clear()
        self.documents.clear()
        self.feeds.clear()
        self.reports.clear()
        self.store.load(
            self.generator.generate(
                settings.marketplace_ids, per_marketplace, self.now(), settings.history_days
            )
        )
        self.returns.clear(settings.seed)
        self.returns.generate(list(self.store), self.now())
        self.limiter.reset()
        self.faults.reset(self._initial_faults())
        self.stats.clear()
        return len(self.store)

    def settle_feeds(self) -> None:
        """Process every feed whose simulated processing time has passed."""
        for feed in self.feeds.due(self.clock.timestamp()):
            process_feed(feed, self.store, self.documents)
        for report in self.reports.due(self.clock.timestamp()):
            process_report(report, self.returns, self.store, self.documents)

    def add_generated(
        self, count: int, marketplace_id: str | None = None, status: str | None = None
    ) -> list[Order]:
        """`count` orders placed now, spread over the seller's marketplaces unless one is given."""
        now = self.now()
        marketplaces = [marketplace_id] if marketplace_id else list(self.settings.marketplace_ids)
        created = []
        for index in range(count):
            order = self.generator.make_new_order(
                marketplaces[index % len(marketplaces)], now, status
            )
            self.store.add(order)
            created.append(order)
        return created

    def add_partial(self, partial: Any) -> Order:
        order = build_order(partial, self.generator, self.settings.marketplace_ids, self.now())
        self.store.add(order)
        return order

    def change_status(
        self,
        order: Order,
        status: str,
        cancelled_by: str | None = None,
        cancel_reason: str | None = None,
    ) -> Order:
        """Apply a status change made now; raises TransitionError when impossible."""
        check_transition(order, status)
        now = self.now()
        settle(
            order,
            status,
            now,
            now,
            self.generator.rng,
            cancelled_by=cancelled_by,
            cancel_reason=cancel_reason,
        )
        self.store.touch(order, now)
        return order
