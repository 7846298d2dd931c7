"""The simulator's returns: seeded ones, registering new ones and handling them.

Returns only cover shipped units of order items, never more than were shipped and not yet
returned. `seed` gives a share of the orders with shipped items a customer return, from
its own random stream so the orders a seed makes stay as they were. `register` and
`handle` raise `Refused` with bol's wording, which a write's process status carries as
its errorMessage (`processing.py` calls them when the write comes due).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from orderbridge.sandbox.bol.records import Order, OrderItem
from orderbridge.sandbox.bol.return_records import (
    REASONS,
    ProcessingResult,
    Return,
    ReturnItem,
)

RETURN_SHARE = 0.2
DAY = 86_400.0
CUSTOMER_FIELDS = (
    *("salutation", "firstName", "surname", "streetName", "houseNumber"),
    *("houseNumberExtension", "extraAddressInformation", "zipCode", "city", "countryCode"),
    *("email", "deliveryPhoneNumber", "company", "vatNumber"),
)


class ReturnRefused(Exception):
    """The return cannot be made or handled; the message says why."""


class ReturnBook:
    def __init__(self, seed: int) -> None:
        self.clear(seed)

    def clear(self, seed: int) -> None:
        # Its own stream: drawing returns must not change which orders a seed makes.
        self.rng = random.Random(f"bol-returns-{seed}")
        self._returns: dict[str, Return] = {}
        self._next_id = 10_000_000 + self.rng.randint(0, 999_999)

    def __iter__(self) -> Iterator[Return]:
        return iter(self._returns.values())

    def get(self, return_id: str) -> Return | None:
        return self._returns.get(return_id)

    def item(self, rma_id: str) -> ReturnItem | None:
        for found in self._returns.values():
            for item in found.items:
                if item.rma_id == rma_id:
                    return item
        return None

    def newest_first(self) -> list[Return]:
        return sorted(
            self._returns.values(),
            key=lambda found: (found.registered_at, found.return_id),
            reverse=True,
        )

    def returned(self, order_item_id: str) -> int:
        return sum(
            item.expected_quantity
            for found in self._returns.values()
            for item in found.items
            if item.order_item_id == order_item_id
        )

    def seed(self, orders: Iterable[Order], now: float) -> None:
        for order in orders:
            shipped = [item for item in order.items if item.quantity_shipped]
            if not shipped or self.rng.random() >= RETURN_SHARE:
                continue
            registered = min(now, order.placed_at + (3 + self.rng.random() * 10) * DAY)
            main = self.rng.choice(sorted(REASONS))
            self.register(order, shipped[0], 1, registered, (main, self.rng.choice(REASONS[main])))

    def register(
        self,
        order: Order,
        item: OrderItem,
        quantity: int,
        now: float,
        reason: tuple[str, str | None] = ("Anders", "Ik heb me bedacht"),
        comments: str = "",
    ) -> ReturnItem:
        left = item.quantity_shipped - self.returned(item.order_item_id)
        if quantity > left:
            raise ReturnRefused(
                f"The quantity returned ({quantity}) for order item {item.order_item_id} "
                f"exceeds the shipped quantity not yet returned ({left})."
            )
        self._next_id += 1
        return_id, rma_id = str(self._next_id), str(self._next_id + 30_000_000)
        returned = ReturnItem(
            rma_id=rma_id,
            order_id=order.order_id,
            order_item_id=item.order_item_id,
            ean=item.ean,
            title=item.title,
            expected_quantity=quantity,
            main_reason=reason[0],
            detailed_reason=reason[1],
            customer_comments=comments,
            customer={
                key: value
                for key, value in order.shipment_details.items()
                if key in CUSTOMER_FIELDS
            },
            track_and_trace=f"3SBOL{self.rng.randint(0, 10**10 - 1):010d}",
            transporter_name="PostNL",
        )
        self._returns[return_id] = Return(return_id, now, item.fulfilment_method, [returned])
        return returned


def handle(item: ReturnItem, handling_result: str, quantity: int, now: float) -> None:
    if item.handled:
        raise ReturnRefused(f"Return item with rma id {item.rma_id} has already been handled.")
    if quantity > item.expected_quantity:
        raise ReturnRefused(
            f"The quantity returned ({quantity}) for rma id {item.rma_id} exceeds the expected "
            f"quantity ({item.expected_quantity})."
        )
    verdict = "REJECTED" if handling_result == "RETURN_DOES_NOT_MEET_CONDITIONS" else "ACCEPTED"
    item.results.append(ProcessingResult(quantity, verdict, handling_result, now))
