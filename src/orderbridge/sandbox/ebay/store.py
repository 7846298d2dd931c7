"""The simulator's orders, and the getOrders search over them.

Results are newest first by creation date (then order id); eBay documents no order, so a
client should not rely on one. Both ends of a date range are inclusive.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from orderbridge.sandbox.ebay.records import Order


@dataclass(frozen=True)
class OrderQuery:
    created: tuple[float, float | None] | None = None
    modified: tuple[float, float | None] | None = None
    statuses: frozenset[str] | None = None
    order_ids: tuple[str, ...] | None = None
    oldest: float | None = None  # nothing created before this is served


class OrderStore:
    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}

    def __len__(self) -> int:
        return len(self._orders)

    def __iter__(self) -> Iterator[Order]:
        return iter(self._orders.values())

    def clear(self) -> None:
        self._orders.clear()

    def add(self, order: Order) -> None:
        self._orders[order.order_id] = order

    def load(self, orders: Iterable[Order]) -> None:
        for order in orders:
            self.add(order)

    def get(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    def search(self, query: OrderQuery) -> list[Order]:
        if query.order_ids is not None:
            found = [self._orders[i] for i in query.order_ids if i in self._orders]
        else:
            found = [order for order in self._orders.values() if _matches(order, query)]
        if query.oldest is not None:
            found = [order for order in found if order.created >= query.oldest]
        found.sort(key=lambda order: (-order.created, order.order_id))
        return found


def _within(moment: float, bounds: tuple[float, float | None]) -> bool:
    lower, upper = bounds
    return moment >= lower and (upper is None or moment <= upper)


def _matches(order: Order, query: OrderQuery) -> bool:
    # eBay uses the creation date alone when both date filters are given.
    if query.created is not None:
        if not _within(order.created, query.created):
            return False
    elif query.modified is not None and not _within(order.last_modified, query.modified):
        return False
    return query.statuses is None or order.fulfillment_status in query.statuses
