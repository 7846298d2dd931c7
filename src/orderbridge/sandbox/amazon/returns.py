"""Buyer returns of merchant-fulfilled orders in the simulated world.

A return belongs to one shipped merchant-fulfilled order (FBA returns go to Amazon's own
warehouses and appear in a different report) and names some of its items with a quantity no
larger than what was shipped of the item, less what other live returns already claim. Its
status moves along `ALLOWED_STATUS_MOVES`; the transition is checked in one place,
`ReturnStore.change_status`, whoever asks for it.

The status words and the reason codes are those seen in Amazon's returns reports (see
docs/sandbox-amazon.md, "Returns reports", for what is modelled from documentation).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from orderbridge.sandbox.amazon.records import Order

RETURN_STATUSES: tuple[str, ...] = ("Pending", "Approved", "Rejected", "Closed")
ALLOWED_STATUS_MOVES: dict[str, frozenset[str]] = {
    "Pending": frozenset({"Approved", "Rejected"}),
    "Approved": frozenset({"Closed"}),
    "Rejected": frozenset(),
    "Closed": frozenset(),
}
# a rejected return gives nothing back, so its units may be asked for again
_LIVE_STATUSES = frozenset({"Pending", "Approved", "Closed"})
RETURN_REASONS: tuple[str, ...] = (
    "CR-UNWANTED_ITEM",
    "CR-DEFECTIVE",
    "CR-DAMAGED_BY_CARRIER",
    "CR-SWITCHEROO",
    "CR-MISSING_PARTS",
    "CR-NOT_COMPATIBLE",
    "CR-ORDERED_WRONG_ITEM",
    "CR-QUALITY_UNACCEPTABLE",
    "CR-NOT_AS_DESCRIBED",
    "CR-FOUND_BETTER_PRICE",
    "CR-MISSED_ESTIMATED_DELIVERY",
    "CR-NO_REASON_GIVEN",
    "AMZ-PG-BAD-DESC",
    "AMZ-PG-APP-TOO-SMALL",
    "AMZ-PG-APP-TOO-LARGE",
)
# reasons where the seller is at fault: Amazon then has the seller pay the return label
_SELLER_FAULT = frozenset(
    {"CR-DEFECTIVE", "CR-SWITCHEROO", "CR-MISSING_PARTS", "CR-NOT_AS_DESCRIBED", "AMZ-PG-BAD-DESC"}
)
_RMA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
_DAY = 86400
# Amazon's standard return window: 30 days from delivery; shipping time stands in for it
_RETURN_WINDOW_SECONDS = 30 * _DAY


class ReturnError(ValueError):
    """A return that cannot exist (unknown item, too many units, bad status move)."""


@dataclass(slots=True)
class ReturnItem:
    order_item_id: str
    quantity: int
    reason: str


@dataclass(slots=True)
class CustomerReturn:
    rma_id: str
    order_id: str
    marketplace_id: str
    requested: int
    status: str
    items: list[ReturnItem]
    updated: int
    seller_pays_label: bool = False
    in_policy: bool = True
    history: list[tuple[int, str]] = field(default_factory=list)


class ReturnStore:
    def __init__(self) -> None:
        self._returns: dict[str, CustomerReturn] = {}
        # per order, so checking a new return's quantities never scans every return
        self._by_order: dict[str, list[CustomerReturn]] = {}
        self._rng = random.Random(0)

    def __iter__(self) -> Iterator[CustomerReturn]:
        return iter(self._returns.values())

    def __len__(self) -> int:
        return len(self._returns)

    def get(self, rma_id: str) -> CustomerReturn | None:
        return self._returns.get(rma_id)

    def clear(self, seed: int) -> None:
        self._returns.clear()
        self._by_order.clear()
        # own stream: drawing RMA ids must not shift the orders the order generator makes
        self._rng = random.Random(f"returns:{seed}")

    def _new_rma_id(self) -> str:
        while True:
            body = "".join(self._rng.choice(_RMA_ALPHABET) for _ in range(9))
            rma_id = f"D{body}RMA"
            if rma_id not in self._returns:
                return rma_id

    def returnable(self, order: Order, order_item_id: str) -> int:
        """Units of an item shipped and not yet claimed by a live return."""
        item = next((i for i in order.items if i.order_item_id == order_item_id), None)
        if item is None:
            return 0
        claimed = sum(
            line.quantity
            for ret in self._by_order.get(order.order_id, ())
            if ret.status in _LIVE_STATUSES
            for line in ret.items
            if line.order_item_id == order_item_id
        )
        return item.quantity_shipped - claimed

    def create(
        self, order: Order, items: list[ReturnItem], status: str, requested: int
    ) -> CustomerReturn:
        """Record a return after checking it against the order; raises ReturnError."""
        if order.fulfilled_by != "MERCHANT":
            raise ReturnError(
                f"order {order.order_id} is fulfilled by Amazon; only merchant-fulfilled "
                "returns appear in the returns reports"
            )
        if order.units_shipped == 0:
            raise ReturnError(f"order {order.order_id} has shipped nothing yet")
        if status not in RETURN_STATUSES:
            raise ReturnError(f"status must be one of {list(RETURN_STATUSES)}")
        if not items:
            raise ReturnError("a return names at least one item")
        seen: set[str] = set()
        for line in items:
            if line.order_item_id in seen:
                raise ReturnError(f"item {line.order_item_id} is listed twice")
            seen.add(line.order_item_id)
            if line.reason not in RETURN_REASONS:
                raise ReturnError(f"reason must be one of {list(RETURN_REASONS)}")
            available = self.returnable(order, line.order_item_id)
            if line.quantity < 1 or line.quantity > available:
                raise ReturnError(
                    f"item {line.order_item_id}: quantity {line.quantity} is not within "
                    f"1..{max(available, 0)} (units shipped and not yet returned)"
                )
        seller_pays = any(line.reason in _SELLER_FAULT for line in items)
        first_shipped = min((p.ship_time for p in order.packages), default=order.created)
        created = CustomerReturn(
            rma_id=self._new_rma_id(),
            order_id=order.order_id,
            marketplace_id=order.marketplace_id,
            requested=requested,
            status=status,
            items=items,
            updated=requested,
            seller_pays_label=seller_pays,
            in_policy=requested <= first_shipped + _RETURN_WINDOW_SECONDS,
            history=[(requested, status)],
        )
        self._returns[created.rma_id] = created
        self._by_order.setdefault(order.order_id, []).append(created)
        return created

    def change_status(self, customer_return: CustomerReturn, status: str, at: int) -> None:
        if status not in RETURN_STATUSES:
            raise ReturnError(f"status must be one of {list(RETURN_STATUSES)}")
        allowed = ALLOWED_STATUS_MOVES[customer_return.status]
        if status not in allowed:
            options = ", ".join(sorted(allowed)) or "none (final status)"
            raise ReturnError(
                f"cannot move return {customer_return.rma_id} from "
                f"{customer_return.status} to {status}; allowed: {options}"
            )
        customer_return.status = status
        customer_return.updated = at
        customer_return.history.append((at, status))

    def generate(self, orders: Iterator[Order] | list[Order], now: int) -> int:
        """Seeded returns for about one in eight shipped merchant-fulfilled orders."""
        rnd = self._rng.random
        made = 0
        for order in sorted(orders, key=lambda o: o.order_id):
            if order.fulfilled_by != "MERCHANT" or not order.packages or rnd() >= 0.125:
                continue
            shipped_at = min(p.ship_time for p in order.packages)
            # requests come a day or more after shipping, never later than an hour ago
            latest = now - 3600
            earliest = shipped_at + _DAY
            if earliest > latest:
                continue
            requested = earliest + int(rnd() * (latest - earliest))
            item = next(i for i in order.items if i.quantity_shipped > 0)
            quantity = 1 + int(rnd() * item.quantity_shipped)
            reason = RETURN_REASONS[int(rnd() * len(RETURN_REASONS))]
            age = now - requested
            status = "Approved" if age > 2 * _DAY else "Pending"
            if age > 14 * _DAY and rnd() < 0.5:
                status = "Closed"
            self.create(
                order, [ReturnItem(item.order_item_id, quantity, reason)], status, requested
            )
            made += 1
        return made
