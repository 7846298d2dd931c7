"""The simulator's returns: where they come from and how they move.

A return is only ever made for shipped units of purchase order lines, never for more
units than were shipped and not yet returned. `ReturnBook.seed` gives a seeded share of
the shipped orders a return (from its own random stream, so the orders a seed generates
stay exactly as they were). Moving a line to COMPLETED without the seller means Walmart
settled the refund; either way the refund is booked on the order line too, as a
`Customer returned item` refund, so the order shows what the return shows.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from orderbridge.sandbox.walmart import lifecycle
from orderbridge.sandbox.walmart.records import Line, Order, Refund, RefundCharge
from orderbridge.sandbox.walmart.return_records import (
    RETURN_REASONS,
    RETURN_STATUSES,
    WALMART_REFUND,
    ReturnEvent,
    ReturnLine,
    ReturnOrder,
)

RETURN_SHARE = 0.2
HOUR_MS = 3_600_000
_EVENTS = {
    "INITIATED": ("RETURN_INITIATED", "Return initiated for MARKET_PLACE"),
    "DELIVERED": ("RETURN_DELIVERED", "A MARKET_PLACE return was delivered to the return center"),
    "COMPLETED": ("RETURN_COMPLETED", "A MARKET_PLACE return was refunded"),
}


class ReturnError(ValueError):
    """The return or its change is impossible; the message says why."""


class ReturnBook:
    def __init__(self, seed: int) -> None:
        # Its own stream: drawing returns must not change which orders a seed makes.
        self.rng = random.Random(f"walmart-returns-{seed}")
        self._returns: dict[str, ReturnOrder] = {}

    def __len__(self) -> int:
        return len(self._returns)

    def __iter__(self) -> Iterator[ReturnOrder]:
        return iter(self._returns.values())

    def get(self, return_order_id: str) -> ReturnOrder | None:
        return self._returns.get(return_order_id)

    def clear(self, seed: int) -> None:
        self.rng = random.Random(f"walmart-returns-{seed}")
        self._returns.clear()

    def newest_first(self) -> list[ReturnOrder]:
        return sorted(
            self._returns.values(),
            key=lambda found: (found.created_ms, found.return_order_id),
            reverse=True,
        )

    def seed(self, orders: Iterable[Order], now_ms: int) -> None:
        for order in orders:
            shipped = [line for line in order.lines if line.shipped_units]
            if not shipped or self.rng.random() >= RETURN_SHARE:
                continue
            line = shipped[0]
            shipped_ms = max(_shipped_at(line), order.order_ms)
            created = min(now_ms, shipped_ms + int((24 + self.rng.random() * 120) * HOUR_MS))
            status = "DELIVERED" if self.rng.random() < 0.35 and created < now_ms else "INITIATED"
            reason = RETURN_REASONS[int(self.rng.random() * len(RETURN_REASONS))]
            found = self.create(order, [(line.line_number, 1)], reason, created)
            if status == "DELIVERED":
                self.advance(found, status, None, min(now_ms, created + 48 * HOUR_MS))

    def create(
        self,
        order: Order,
        wanted: list[tuple[str, int]],
        reason: str,
        now_ms: int,
        return_type: str = "REFUND",
    ) -> ReturnOrder:
        if reason not in RETURN_REASONS:
            raise ReturnError(f"reason must be one of {', '.join(RETURN_REASONS)}")
        if not wanted:
            raise ReturnError("a return needs at least one line")
        lines: list[ReturnLine] = []
        for number, (line_number, quantity) in enumerate(wanted, start=1):
            line = order.line(line_number)
            if line is None:
                raise ReturnError(f"the order has no line {line_number}")
            open_to_return = line.shipped_units - self.returned_units(order, line_number)
            if quantity < 1 or quantity > open_to_return:
                raise ReturnError(
                    f"line {line_number} has {open_to_return} shipped unit(s) left to return"
                )
            lines.append(
                ReturnLine(
                    number=number,
                    purchase_order_id=order.purchase_order_id,
                    purchase_line=line_number,
                    sku=line.sku,
                    product_name=line.product_name,
                    weight_lb=line.weight_lb,
                    quantity=quantity,
                    unit_price=line.product // line.quantity,
                    unit_tax=line.product_tax // line.quantity,
                    reason=reason,
                    status="INITIATED",
                    status_ms=now_ms,
                    events=[ReturnEvent(*_EVENTS["INITIATED"], now_ms)],
                )
            )
        first, _, last = order.address.name.partition(" ")
        created = ReturnOrder(
            return_order_id=self._new_id(),
            customer_order_id=order.customer_order_id,
            customer_email=order.customer_email,
            first_name=first,
            last_name=last,
            created_ms=now_ms,
            lines=lines,
            return_type=return_type,
            tracking_number="".join(str(int(self.rng.random() * 10)) for _ in range(12)),
        )
        self._returns[created.return_order_id] = created
        return created

    def returned_units(self, order: Order, line_number: str) -> int:
        return sum(
            line.quantity
            for held in self._returns.values()
            for line in held.lines
            if (line.purchase_order_id, line.purchase_line)
            == (order.purchase_order_id, line_number)
        )

    def advance(
        self, found: ReturnOrder, status: str, numbers: list[int] | None, now_ms: int
    ) -> list[ReturnLine]:
        """Walmart or the carrier moves lines forward; refunds are done elsewhere."""
        if status not in RETURN_STATUSES[1:]:
            raise ReturnError("status must be DELIVERED or COMPLETED")
        rank = RETURN_STATUSES.index(status)
        chosen = found.lines if numbers is None else [_line(found, n) for n in numbers]
        moving = [line for line in chosen if RETURN_STATUSES.index(line.status) < rank]
        if not moving:
            raise ReturnError(f"no chosen line is before {status}")
        for line in moving:
            line.status = status
            line.status_ms = now_ms
            line.events.append(ReturnEvent(*_EVENTS[status], now_ms))
        return moving

    def _new_id(self) -> str:
        while True:
            candidate = f"1{int(self.rng.random() * 10**17):017d}"
            if candidate not in self._returns:
                return candidate


def refund_line(order: Order, line: ReturnLine, quantity: int, channel: str, now_ms: int) -> None:
    """Complete a return line with its refund, booked on the purchase order line as well."""
    order_line = order.line(line.purchase_line)
    if order_line is None or not order_line.shipped_units:
        raise ReturnError(f"purchase order line {line.purchase_line} is not shipped")
    amount, tax = line.unit_price * quantity, line.unit_tax * quantity
    given_amount, given_tax = order_line.refunded("PRODUCT")
    if given_amount + amount > order_line.product or given_tax + tax > order_line.product_tax:
        raise ReturnError(
            f"purchase order line {line.purchase_line} was already refunded; "
            "this refund would give back more than was charged"
        )
    charge = RefundCharge("Customer returned item", "PRODUCT", "ItemPrice", -amount, "Tax1", -tax)
    comment = f"Return {line.number} of RMA"
    lifecycle.refund(order_line, Refund(_refund_id(line, now_ms), comment, [charge]), now_ms)
    line.refunded_quantity = quantity
    line.refund_channel = channel
    if line.status != "COMPLETED":
        line.status = "COMPLETED"
        line.events.append(ReturnEvent(*_EVENTS["COMPLETED"], now_ms))
    line.status_ms = now_ms


def settle(order: Order, found: ReturnOrder, numbers: list[int] | None, now_ms: int) -> None:
    """Walmart completes the lines and refunds the customer itself."""
    chosen = found.lines if numbers is None else [_line(found, n) for n in numbers]
    pending = [line for line in chosen if line.status != "COMPLETED"]
    if not pending:
        raise ReturnError("every chosen line is already COMPLETED")
    for line in pending:
        refund_line(order, line, line.quantity, WALMART_REFUND, now_ms)


def _line(found: ReturnOrder, number: int) -> ReturnLine:
    line = found.line(number)
    if line is None:
        raise ReturnError(f"the return has no line {number}")
    return line


def _refund_id(line: ReturnLine, now_ms: int) -> str:
    return f"RR{line.purchase_order_id[-6:]}{line.number}{now_ms % 100_000:05d}"


def _shipped_at(line: Line) -> int:
    times = [entry.tracking.ship_ms for entry in line.statuses if entry.tracking is not None]
    return min(times) if times else line.status_ms
