"""Seeded generator of realistic bol.com orders from Dutch and Belgian customers.

The same seed and the same ``now`` give the same orders. Orders carry one to three items
from the catalogue, bol-shaped ids (order ids like ``A2K8290LP8``, ten-digit order item
ids), delivery promises by the Dutch calendar, and a life that fits their age: recent
orders are open (a few with a cancellation request or cancelled by the customer), older
ones mostly shipped (with their shipment), some cancelled, a few partly shipped. About
one item in ten is fulfilled by bol (FBB) and shipped by bol.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from orderbridge.sandbox.bol.catalogue import CATALOGUE, Offer
from orderbridge.sandbox.bol.customers import billing, customer
from orderbridge.sandbox.bol.dutch_time import local_date
from orderbridge.sandbox.bol.records import Cancellation, Order, OrderItem, Shipment

DAY = 86_400.0
CENT = Decimal("0.01")
_ID_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRANSPORTERS = ("TNT", "TNT", "DHL", "DPD-NL", "BPOST_BE", "GLS", "BRIEFPOST")


@dataclass
class History:
    orders: list[Order] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    cancellations: list[Cancellation] = field(default_factory=list)


class OrderGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._order_ids: set[str] = set()
        self._item_ids: set[str] = set()
        self._shipment_number = 500_000_000 + self.rng.randint(0, 9_999_999)

    # -- ids -------------------------------------------------------------------------

    def order_id(self) -> str:
        while True:
            value = "A" + "".join(self.rng.choice(_ID_CHARS) for _ in range(9))
            if value not in self._order_ids:
                self._order_ids.add(value)
                return value

    def order_item_id(self) -> str:
        while True:
            value = str(self.rng.randint(2_000_000_000, 2_999_999_999))
            if value not in self._item_ids:
                self._item_ids.add(value)
                return value

    def shipment_ids(self) -> tuple[str, str]:
        """A shipment id and its transport id."""
        self._shipment_number += self.rng.randint(1, 40)
        return str(self._shipment_number), str(self._shipment_number - 200_000_000)

    def track_and_trace(self, code: str) -> str | None:
        if code == "BRIEFPOST":
            return None
        if code == "TNT":
            return f"3SBOL{self.rng.randint(10**9, 10**10 - 1)}"
        return str(self.rng.randint(10**13, 10**14 - 1))

    # -- orders ----------------------------------------------------------------------

    def item(
        self,
        offer: Offer,
        quantity: int,
        placed_at: float,
        *,
        method: str = "FBR",
        unit_price: Decimal | None = None,
    ) -> OrderItem:
        price = unit_price if unit_price is not None else offer.price
        placed_day = local_date(placed_at)
        latest = placed_day + timedelta(days=self.rng.choice((1, 1, 2, 3)))
        frame = "REGULAR" if self.rng.random() < 0.9 else self.rng.choice(("EVENING", "SUNDAY"))
        discounts: list[tuple[str, Decimal]] = []
        if self.rng.random() < 0.1:
            discounts.append(("2e halve prijs", (price * quantity / 4).quantize(CENT)))
        commission = (price * quantity * Decimal("0.13") + Decimal("0.99")).quantize(CENT)
        return OrderItem(
            order_item_id=self.order_item_id(),
            ean=offer.ean,
            title=offer.title,
            offer_id=offer.offer_id,
            offer_reference=offer.reference,
            quantity=quantity,
            unit_price=price,
            commission=commission,
            fulfilment_method=method,
            latest_delivery_date=latest,
            exact_delivery_date=None,
            expiry_date=latest + timedelta(days=3),
            time_frame_type=frame,
            changed_at=placed_at,
            discounts=discounts,
        )

    def order(self, placed_at: float, *, method: str | None = None) -> Order:
        """An open order placed at ``placed_at``."""
        rng = self.rng
        pickup = rng.random() < 0.07
        shipment = customer(rng, pickup_point=pickup)
        offers = rng.sample(CATALOGUE, k=rng.choice((1, 1, 1, 2, 2, 3)))
        items = [
            self.item(
                offer,
                rng.choice((1, 1, 1, 2, 3)),
                placed_at,
                method=method or ("FBB" if rng.random() < 0.1 else "FBR"),
            )
            for offer in offers
        ]
        return Order(self.order_id(), placed_at, pickup, shipment, billing(rng, shipment), items)

    def history(self, count: int, now: float, days: int) -> History:
        """``count`` orders placed over the last ``days``, each as far along as its age."""
        history = History()
        for _ in range(count):
            placed_at = now - self.rng.random() * days * DAY
            order = self.order(placed_at)
            for item in order.items:
                self._live(order, item, now, history)
            history.orders.append(order)
        history.orders.sort(key=lambda order: order.placed_at)
        return history

    def _live(self, order: Order, item: OrderItem, now: float, history: History) -> None:
        """What happened to ``item`` by ``now``; an event not due yet has not happened."""
        rng = self.rng
        fate = rng.random()
        if item.fulfilment_method == "FBB" or fate < 0.8:
            whole = fate < 0.7 or item.quantity == 1 or item.fulfilment_method == "FBB"
            shipped = item.quantity if whole else 1
            at = order.placed_at + rng.uniform(0.05, 1.5) * DAY
            if at < now:
                history.shipments.append(self.ship(order, item, shipped, at))
        elif fate < 0.88:
            at = order.placed_at + rng.uniform(0.01, 0.5) * DAY
            if at >= now:
                return
            by = "CUSTOMER" if fate < 0.84 else "RETAILER"
            item.quantity_cancelled = item.quantity
            item.cancellation_request = by == "CUSTOMER"
            item.changed_at = at
            reason = None if by == "CUSTOMER" else "OUT_OF_STOCK"
            history.cancellations.append(
                Cancellation(order.order_id, item.order_item_id, item.quantity, reason, by, at)
            )
        elif fate < 0.92:
            at = order.placed_at + rng.uniform(0.01, 0.3) * DAY
            if at < now and now - order.placed_at < 2 * DAY:
                item.cancellation_request = True
                item.changed_at = at

    def ship(self, order: Order, item: OrderItem, quantity: int, at: float) -> Shipment:
        """``quantity`` units of ``item`` shipped at ``at``, as bol records it."""
        code = "BOL" if item.fulfilment_method == "FBB" else self.rng.choice(TRANSPORTERS)
        shipment_id, transport_id = self.shipment_ids()
        item.quantity_shipped = quantity
        item.changed_at = at
        return Shipment(
            shipment_id=shipment_id,
            order_id=order.order_id,
            shipped_at=at,
            reference=None,
            lines=[(item.order_item_id, quantity)],
            transport_id=transport_id,
            transporter_code=None if code == "BOL" else code,
            track_and_trace=None if code == "BOL" else self.track_and_trace(code),
            fulfilment_method=item.fulfilment_method,
        )
