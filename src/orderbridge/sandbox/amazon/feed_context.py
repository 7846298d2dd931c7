"""What a feed message may read and change while its feed is processed.

Messages see the order store, the feed's marketplaces (an order outside them is unknown to
the feed), the feed's id (recorded with refunds) and the time the feed finished processing,
which becomes the lastUpdatedTime of the orders it changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderbridge.sandbox.amazon.feed_results import UNKNOWN_ITEM, UNKNOWN_ORDER, MessageError
from orderbridge.sandbox.amazon.records import Item, Order
from orderbridge.sandbox.amazon.store import OrderStore


@dataclass(frozen=True)
class FeedContext:
    store: OrderStore
    marketplace_ids: tuple[str, ...]
    feed_id: str
    at: int

    def order(self, order_id: str) -> Order:
        order = self.store.get(order_id)
        if order is None:
            raise MessageError(UNKNOWN_ORDER, f"Order {order_id} was not found.", order_id)
        if order.marketplace_id not in self.marketplace_ids:
            raise MessageError(
                UNKNOWN_ORDER,
                f"Order {order_id} was not found in the feed's marketplaces "
                f"({', '.join(self.marketplace_ids)}).",
                order_id,
            )
        return order

    def touch(self, order: Order) -> None:
        # never move lastUpdatedTime backwards past a later change
        self.store.touch(order, max(self.at, order.last_updated))


def find_item(order: Order, item_id: str) -> Item:
    for item in order.items:
        if item.order_item_id == item_id:
            return item
    raise MessageError(
        UNKNOWN_ITEM, f"Order {order.order_id} has no item {item_id}.", order.order_id
    )
