"""In-memory order store with time-sorted indexes for searchOrders.

Two sorted lists of (epoch seconds, orderId) keys, one by createdTime and one by
lastUpdatedTime, let a search bisect straight to its time window and continue from a
pagination cursor instead of scanning every order for every page. The orderId in the key
breaks ties so that the order of results is total and stable across pages.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from orderbridge.sandbox.amazon.records import Order

TimeField = Literal["created", "updated"]
Key = tuple[int, str]


@dataclass(frozen=True)
class OrderFilter:
    """Non-time filters of a search; None means "any"."""

    marketplace_ids: Collection[str] | None = None
    statuses: Collection[str] | None = None
    fulfilled_by: Collection[str] | None = None

    def matches(self, order: Order) -> bool:
        return (
            (self.marketplace_ids is None or order.marketplace_id in self.marketplace_ids)
            and (self.statuses is None or order.status in self.statuses)
            and (self.fulfilled_by is None or order.fulfilled_by in self.fulfilled_by)
        )


class OrderStore:
    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._by_created: list[Key] = []
        self._by_updated: list[Key] = []

    def __len__(self) -> int:
        return len(self._orders)

    def __iter__(self) -> Iterator[Order]:
        return iter(self._orders.values())

    def get(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    def clear(self) -> None:
        self._orders.clear()
        self._by_created.clear()
        self._by_updated.clear()

    def load(self, orders: Iterable[Order]) -> None:
        """Add many orders at once; one sort instead of one insertion each."""
        for order in orders:
            if order.order_id in self._orders:
                raise KeyError(f"duplicate order id {order.order_id}")
            self._orders[order.order_id] = order
            self._by_created.append((order.created, order.order_id))
            self._by_updated.append((order.last_updated, order.order_id))
        self._by_created.sort()
        self._by_updated.sort()

    def add(self, order: Order) -> None:
        if order.order_id in self._orders:
            raise KeyError(f"duplicate order id {order.order_id}")
        self._orders[order.order_id] = order
        insort(self._by_created, (order.created, order.order_id))
        insort(self._by_updated, (order.last_updated, order.order_id))

    def touch(self, order: Order, updated: int) -> None:
        """Set lastUpdatedTime and move the order to its new place in the update index."""
        old = (order.last_updated, order.order_id)
        index = bisect_left(self._by_updated, old)
        if index < len(self._by_updated) and self._by_updated[index] == old:
            del self._by_updated[index]
        order.last_updated = updated
        insort(self._by_updated, (updated, order.order_id))

    def scan(
        self,
        field: TimeField,
        lower: float,
        upper: float,
        order_filter: OrderFilter,
        limit: int,
        after: Key | None = None,
    ) -> tuple[list[Order], bool]:
        """Up to `limit` matching orders with lower <= time <= upper, after the cursor `after`.

        Returns the page and whether more matching orders follow it.
        """
        keys = self._by_created if field == "created" else self._by_updated
        # (t,) sorts before every (t, id), so this finds the first key at or after `lower`
        start = bisect_left(keys, (math.ceil(lower),))
        if after is not None:
            start = max(start, bisect_right(keys, after))
        end = bisect_left(keys, (math.floor(upper) + 1,))
        page: list[Order] = []
        orders = self._orders
        for index in range(start, end):
            order = orders[keys[index][1]]
            if order_filter.matches(order):
                if len(page) == limit:
                    return page, True
                page.append(order)
        return page, False
