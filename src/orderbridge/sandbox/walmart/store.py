"""The simulator's orders, by purchase order id and newest first.

Searches walk the orders newest first (by order date, then purchase order id), the order
Walmart lists them in; the sorted view is rebuilt only after orders were added.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from orderbridge.sandbox.walmart.records import Order


class OrderStore:
    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._newest_first: list[Order] | None = None

    def __len__(self) -> int:
        return len(self._orders)

    def __iter__(self) -> Iterator[Order]:
        return iter(self._orders.values())

    def get(self, purchase_order_id: str) -> Order | None:
        return self._orders.get(purchase_order_id)

    def add(self, order: Order) -> None:
        self._orders[order.purchase_order_id] = order
        self._newest_first = None

    def load(self, orders: Iterable[Order]) -> None:
        for order in orders:
            self._orders[order.purchase_order_id] = order
        self._newest_first = None

    def clear(self) -> None:
        self._orders.clear()
        self._newest_first = None

    def newest_first(self) -> list[Order]:
        if self._newest_first is None:
            self._newest_first = sorted(
                self._orders.values(),
                key=lambda order: (order.order_ms, order.purchase_order_id),
                reverse=True,
            )
        return self._newest_first
