"""The simulator's in-memory data: orders (indexed by item too), shipments, cancellations,
returns and process statuses, with the queries the API endpoints need."""

from __future__ import annotations

from collections.abc import Iterable

from orderbridge.sandbox.bol.records import Cancellation, Order, OrderItem, ProcessStatus, Shipment
from orderbridge.sandbox.bol.return_book import ReturnBook


class OrderStore:
    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._item_owner: dict[str, str] = {}
        self.shipments: list[Shipment] = []
        self.cancellations: list[Cancellation] = []
        self.statuses: dict[str, ProcessStatus] = {}
        # Re-seeded by the simulator's reset, which knows the seed.
        self.returns = ReturnBook(0)

    def __len__(self) -> int:
        return len(self._orders)

    def clear(self) -> None:
        self._orders.clear()
        self._item_owner.clear()
        self.shipments.clear()
        self.cancellations.clear()
        self.statuses.clear()

    def add(self, order: Order) -> None:
        if order.order_id in self._orders:
            raise ValueError(f"order {order.order_id} exists already")
        self._orders[order.order_id] = order
        for item in order.items:
            self._item_owner[item.order_item_id] = order.order_id

    def get(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    def order_of_item(self, order_item_id: str) -> Order | None:
        owner = self._item_owner.get(order_item_id)
        return self._orders.get(owner) if owner else None

    def orders(self) -> Iterable[Order]:
        return self._orders.values()

    def listed(
        self, keep: Iterable[tuple[Order, list[OrderItem]]]
    ) -> list[tuple[Order, list[OrderItem]]]:
        """Orders with their matching items, newest order first, as bol's list sorts them."""
        return sorted(
            (entry for entry in keep if entry[1]),
            key=lambda entry: (-entry[0].placed_at, entry[0].order_id),
        )

    def shipments_of(self, order_id: str) -> list[Shipment]:
        return [shipment for shipment in self.shipments if shipment.order_id == order_id]

    def statuses_of(self, entity_id: str, event_type: str) -> list[ProcessStatus]:
        """Newest first, as bol lists them."""
        found = [
            status
            for status in self.statuses.values()
            if status.entity_id == entity_id and status.event_type == event_type
        ]
        return sorted(
            found, key=lambda status: (status.created_at, status.process_status_id), reverse=True
        )
