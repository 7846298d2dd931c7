"""Seeded generator of realistic Walmart US marketplace orders.

Same seed and same `now` give the same orders, so a failing test or a demo run can be
replayed exactly. Orders carry 1-3 lines from the catalogue (mostly one unit each, as
Walmart splits most orders), a US address with its state's sales tax, Walmart-shaped ids
(13-digit purchase and customer order ids, a relay e-mail address) and a method code with
its ship and delivery promise. Older orders have moved on: most are shipped or delivered,
some cancelled; the last day's are mostly still `Created` or `Acknowledged`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from orderbridge.sandbox.walmart import lifecycle
from orderbridge.sandbox.walmart.catalogue import (
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
    PRODUCTS,
    SECOND_LINES,
    STREETS,
    Product,
)
from orderbridge.sandbox.walmart.records import Address, Line, Order, StatusEntry, Tracking

T = TypeVar("T")
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
ORDER_STATUSES = (
    "Created",
    "Acknowledged",
    "PartiallyShipped",
    "Shipped",
    "Delivered",
    "Cancelled",
)

_RECENT = ((0.55, "Created"), (0.9, "Acknowledged"), (0.95, "Shipped"), (1.0, "Cancelled"))
_DAYS_OLD = (
    (0.15, "Acknowledged"),
    (0.25, "PartiallyShipped"),
    (0.8, "Shipped"),
    (0.93, "Delivered"),
    (1.0, "Cancelled"),
)
_WEEKS_OLD = ((0.25, "Shipped"), (0.9, "Delivered"), (1.0, "Cancelled"))
_METHODS = ((0.55, "Standard"), (0.8, "Value"), (0.95, "Express"), (1.0, "OneDay"))
_LINES = ((0.7, 1), (0.92, 2), (1.0, 3))
_UNITS = ((0.85, 1), (1.0, 2))
_CARRIERS = ((0.5, "USPS"), (0.8, "UPS"), (1.0, "FedEx"))
_SHIPPING_CENTS = {"Value": 0, "Standard": 599, "Express": 1299, "OneDay": 1999}
_FREE_SHIPPING_FROM = 3500


def weighted(table: Sequence[tuple[float, T]], r: float) -> T:
    for bound, value in table:
        if r < bound:
            return value
    return table[-1][1]


class OrderGenerator:
    """Deterministic source of orders; remembers issued ids so none repeats."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._used: set[str] = set()

    def reserve_id(self, purchase_order_id: str) -> bool:
        """Claim an id supplied from outside; False if it is taken."""
        if purchase_order_id in self._used:
            return False
        self._used.add(purchase_order_id)
        return True

    def generate(self, count: int, now_ms: int, history_days: int) -> list[Order]:
        """Orders placed over the last ``history_days``, none in the last ten minutes."""
        span = history_days * DAY_MS - 600_000
        orders = []
        for _ in range(count):
            placed = now_ms - 600_000 - int(self.rng.random() * span)
            age = now_ms - placed
            table = _RECENT if age < DAY_MS else _DAYS_OLD if age < 4 * DAY_MS else _WEEKS_OLD
            orders.append(self.make(placed, now_ms, weighted(table, self.rng.random())))
        return orders

    def new_order(self, now_ms: int, status: str = "Created") -> Order:
        """An order released to the seller just now, as the control API adds them."""
        return self.make(now_ms, now_ms, status)

    def make(self, placed_ms: int, now_ms: int, status: str) -> Order:
        rnd = self.rng.random
        method = weighted(_METHODS, rnd())
        place = _pick(PLACES, rnd())
        name = f"{_pick(FIRST_NAMES, rnd())} {_pick(LAST_NAMES, rnd())}"
        ship_days = 0 if method == "OneDay" else 1 if method == "Express" else 2
        ship_by = placed_ms - placed_ms % DAY_MS + (ship_days + 1) * DAY_MS - 1
        deliver_by = (
            ship_by + (1 if method in ("OneDay", "Express") else 3 + int(rnd() * 3)) * DAY_MS
        )
        order = Order(
            purchase_order_id=self.purchase_order_id(),
            customer_order_id=f"{int(rnd() * 10**12):013d}",
            customer_email=f"{self.rng.getrandbits(128):032X}@relay.walmart.com",
            order_ms=placed_ms,
            ship_by_ms=ship_by,
            deliver_by_ms=deliver_by,
            method_code=method,
            phone=f"{200 + int(rnd() * 700)}555{int(rnd() * 10000):04d}",
            address=Address(
                name=name,
                address1=f"{1 + int(rnd() * 9800)} {_pick(STREETS, rnd())}",
                address2=_pick(SECOND_LINES, rnd()) if rnd() < 0.2 else None,
                city=place.city,
                state=place.state,
                postal_code=place.postal_code,
            ),
            lines=self.lines(placed_ms, method, place.tax_rate_per_100k),
            shipping_program={"Express": "TWO_DAY", "OneDay": "ONE_DAY"}.get(method),
        )
        settle(order, status, min(now_ms, ship_by), self)
        return order

    def lines(self, placed_ms: int, method: str, tax_rate: int) -> list[Line]:
        rnd = self.rng.random
        chosen: list[Product] = []
        for _ in range(weighted(_LINES, rnd())):
            product = _pick(PRODUCTS, rnd())
            if product not in chosen:
                chosen.append(product)
        subtotal = 0
        lines = []
        for index, product in enumerate(chosen, start=1):
            units = weighted(_UNITS, rnd())
            price = product.price_cents * units
            subtotal += price
            lines.append(
                Line(
                    line_number=str(index),
                    sku=product.sku,
                    product_name=product.name,
                    quantity=units,
                    product=price,
                    product_tax=tax_of(price, tax_rate),
                    statuses=[StatusEntry("Created", units)],
                    status_ms=placed_ms,
                    weight_lb=product.weight_lb,
                )
            )
        shipping = _SHIPPING_CENTS[method]
        if method == "Standard" and subtotal >= _FREE_SHIPPING_FROM:
            shipping = 0
        lines[0].shipping = shipping
        lines[0].shipping_tax = tax_of(shipping, tax_rate)
        return lines

    def purchase_order_id(self) -> str:
        while True:
            candidate = f"{1 + int(self.rng.random() * 8)}{int(self.rng.random() * 10**12):012d}"
            if self.reserve_id(candidate):
                return candidate

    def tracking(self, ship_ms: int, method: str) -> Tracking:
        rnd = self.rng.random
        carrier = weighted(_CARRIERS, rnd())
        if carrier == "UPS":
            number = "1Z" + "".join(
                _pick("0123456789ABCDEFGHJKLMNPRSTUVWXYZ", rnd()) for _ in range(16)
            )
        elif carrier == "USPS":
            number = "9400" + "".join(str(int(rnd() * 10)) for _ in range(18))
        else:
            number = "".join(str(int(rnd() * 10)) for _ in range(12))
        return Tracking(
            ship_ms=ship_ms, method_code=method, tracking_number=number, carrier=carrier
        )


def settle(order: Order, status: str, latest_ms: int, generator: OrderGenerator) -> None:
    """Move a fresh order to ``status`` with believable times up to ``latest_ms``."""
    if status not in ORDER_STATUSES:
        raise ValueError(f"status must be one of {', '.join(ORDER_STATUSES)}")
    rnd = generator.rng.random
    placed = order.order_ms
    acked = min(placed + int((0.1 + rnd()) * HOUR_MS), max(latest_ms, placed))
    shipped = min(acked + int((1 + rnd() * 20) * HOUR_MS), max(latest_ms, acked))
    if status == "Created":
        return
    if status == "Cancelled":
        reason = lifecycle.CUSTOMER_CANCELLED if rnd() < 0.6 else "SELLER_CANCEL_OUT_OF_STOCK"
        for line in order.lines:
            lifecycle.cancel(line, line.open_units, reason, acked)
        return
    lifecycle.acknowledge(order, acked)
    if status == "Acknowledged":
        return
    tracking = generator.tracking(shipped, order.method_code)
    if status == "PartiallyShipped" and (len(order.lines) > 1 or order.lines[0].quantity > 1):
        first = order.lines[0]
        lifecycle.ship(first, 1, tracking, shipped)
        return
    lifecycle.seller_ships(order, None, tracking, shipped)
    if status == "Delivered":
        lifecycle.delivered(order, None, max(shipped, min(order.deliver_by_ms, latest_ms)))


def tax_of(cents: int, rate_per_100k: int) -> int:
    """Sales tax in whole cents, half a cent rounded up."""
    return (cents * rate_per_100k + 50_000) // 100_000


def _pick(seq: Sequence[T], r: float) -> T:
    return seq[int(r * len(seq))]
