"""The simulator's return requests and the rules that move them.

A return is made only for shipped units of a paid order line, never for more units than
were shipped and are not already in another live return. ``ReturnBook.seed`` gives a
seeded share of the shipped orders a return from its own random stream and its own ids,
so the orders (and order ids) a seed generates stay exactly as they were.

The seller decides a requested return (APPROVE or DECLINE) and refunds it once, up to
what the buyer paid the seller for the returned units and never more than is still
unrefunded on the line; the refund is booked on the order too (reason ``BUYER_RETURN``),
so getOrder shows what the return shows.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal

from orderbridge.sandbox.ebay.ids import IdSource
from orderbridge.sandbox.ebay.lifecycle import touch
from orderbridge.sandbox.ebay.records import ZERO, LineItem, Order, Refund
from orderbridge.sandbox.ebay.return_records import (
    CLOSED,
    DELIVERED,
    READY_TO_SHIP,
    REASON_TYPES,
    REJECTED,
    REQUESTED,
    SHIPPED,
    EbayReturn,
    ReturnActivity,
)

RETURN_SHARE = 0.2
DAY = 86400.0
CENT = Decimal("0.01")
SELLER_DECISIONS = ("APPROVE", "DECLINE")
# Seller decisions eBay documents that the simulator does not model.
UNMODELLED_DECISIONS = frozenset(
    {"OFFER_PARTIAL_REFUND", "OFFER_REPLACEMENT", "OFFER_RETURN", "PROVIDE_RMA"}
)
REFUND_FEE_TYPES = frozenset({"PURCHASE_PRICE", "ORIGINAL_SHIPPING"})
# Where the buyer's parcel may go next, by the control API.
_BUYER_MOVES = {SHIPPED: (READY_TO_SHIP,), DELIVERED: (READY_TO_SHIP, SHIPPED)}
_SEEDED_STATES = (REQUESTED, READY_TO_SHIP, SHIPPED, DELIVERED)
_SEEDED_WEIGHTS = (55, 20, 15, 10)


class ReturnError(ValueError):
    """A return or a change to it is impossible; ``kind`` says which rule refused it."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def returnable_share(line: LineItem, quantity: int) -> Decimal:
    """What the buyer paid the seller for ``quantity`` units of the line."""
    if quantity == line.quantity:
        return line.seller_total
    share = line.seller_total * quantity / line.quantity
    return share.quantize(CENT, rounding=ROUND_HALF_UP)


class ReturnBook:
    def __init__(self, seed: int) -> None:
        self._returns: dict[str, EbayReturn] = {}
        self.clear(seed)

    def __len__(self) -> int:
        return len(self._returns)

    def __iter__(self) -> Iterator[EbayReturn]:
        return iter(self._returns.values())

    def clear(self, seed: int) -> None:
        # Its own stream and ids: drawing returns must not change the orders a seed makes.
        self.rng = random.Random(f"ebay-returns:{seed}")
        self._serial = itertools.count(1)
        self._returns.clear()

    def get(self, return_id: str) -> EbayReturn | None:
        return self._returns.get(return_id)

    def newest_first(self) -> list[EbayReturn]:
        return sorted(self, key=lambda found: (-found.created_at, found.return_id))

    def _return_id(self) -> str:
        serial = f"{next(self._serial):05d}"
        return "5" + "".join(str(self.rng.randint(0, 9)) for _ in range(4)) + serial[-5:]

    def open_units(self, order_id: str, line_item_id: str) -> int:
        """Units of the line already in a return that was not declined."""
        return sum(
            found.quantity
            for found in self
            if found.order_id == order_id
            and found.line_item_id == line_item_id
            and found.state != REJECTED
        )

    def create(
        self,
        order: Order,
        line_item_id: str,
        quantity: int,
        reason: str,
        at: float,
        comments: str | None = None,
    ) -> EbayReturn:
        line = order.line(line_item_id)
        if line is None:
            raise ReturnError("no_line", f"order {order.order_id} has no line {line_item_id}")
        if reason not in REASON_TYPES:
            raise ReturnError("reason", f"reason must be one of {sorted(REASON_TYPES)}")
        left = order.shipped(line_item_id) - self.open_units(order.order_id, line_item_id)
        if order.paid_at is None or quantity < 1 or quantity > left:
            raise ReturnError(
                "quantity",
                f"line {line_item_id} has {max(left, 0)} shipped unit(s) left to return",
            )
        found = EbayReturn(
            return_id=self._return_id(),
            order_id=order.order_id,
            line_item_id=line_item_id,
            item_id=line.legacy_item_id,
            title=line.title,
            quantity=quantity,
            reason=reason,
            created_at=at,
            currency=order.currency,
            estimated_refund=returnable_share(line, quantity),
            buyer_login=order.buyer_username,
            comments=comments,
        )
        found.history.append(
            ReturnActivity("BUYER_CREATE_RETURN", "BUYER", None, REQUESTED, at, comments)
        )
        self._returns[found.return_id] = found
        return found

    def seed(self, orders: Iterable[Order], now: float) -> None:
        reasons = sorted(REASON_TYPES)
        for order in orders:
            shipped = [line for line in order.lines if order.shipped(line.line_item_id)]
            if not shipped or order.paid_at is None or self.rng.random() >= RETURN_SHARE:
                continue
            line = shipped[0]
            first_shipped = min(
                f.shipped_at for f in order.fulfillments if line.line_item_id in f.lines
            )
            created = min(now, first_shipped + self.rng.uniform(1, 6) * DAY)
            reason = reasons[self.rng.randrange(len(reasons))]
            state = self.rng.choices(_SEEDED_STATES, _SEEDED_WEIGHTS)[0]
            found = self.create(order, line.line_item_id, 1, reason, created)
            steps = _STEPS[: _STEPS.index(state) + 1] if state in _STEPS else ()
            for days, step in enumerate(steps, start=1):
                author = "SELLER" if step == READY_TO_SHIP else "BUYER"
                found.move(step, _ACTIVITIES[step], author, min(now, created + days * DAY), None)


def decide(found: EbayReturn, decision: str, comments: str | None, now: float) -> None:
    """The seller approves or declines a requested return."""
    if decision in UNMODELLED_DECISIONS:
        raise ReturnError("unmodelled", f"the simulator does not model {decision}")
    if decision not in SELLER_DECISIONS:
        raise ReturnError("decision", f"a seller decides with one of {list(SELLER_DECISIONS)}")
    if found.state != REQUESTED:
        raise ReturnError("state", f"return {found.return_id} is {found.state}, not requested")
    to_state = READY_TO_SHIP if decision == "APPROVE" else REJECTED
    found.move(to_state, _ACTIVITIES[to_state], "SELLER", now, comments)


def refundable(order: Order, found: EbayReturn) -> Decimal:
    """The most the seller may give back for this return now."""
    line = order.line(found.line_item_id)
    if line is None:
        return ZERO
    left_on_line = line.seller_total - order.refunded(line.line_item_id)
    return max(ZERO, min(found.estimated_refund, left_on_line))


def refund(
    order: Order,
    found: EbayReturn,
    amounts: dict[str, Decimal],
    comments: str | None,
    now: float,
    ids: IdSource,
) -> Refund:
    """Refund the return once; the money is booked on the order line as well."""
    if found.refund is not None:
        raise ReturnError("refunded", f"return {found.return_id} was refunded already")
    if not found.is_open:
        raise ReturnError("state", f"return {found.return_id} is {found.state}")
    total = sum(amounts.values(), ZERO)
    limit = refundable(order, found)
    if total <= 0 or total > limit:
        raise ReturnError(
            "amount", f"the refund must be above 0 and at most {limit:.2f} {found.currency}"
        )
    booked = Refund(
        refund_id=ids.refund_id(),
        created_at=now,
        settles_at=now,
        amounts={found.line_item_id: total},
        reason="BUYER_RETURN",
        comment=comments,
        status="REFUNDED",
        reference_id=ids.refund_reference(),
    )
    order.refunds.append(booked)
    touch(order, now)
    found.refund = dict(amounts)
    found.refunded_at = now
    found.move(CLOSED, _ACTIVITIES[CLOSED], "SELLER", now, comments)
    return booked


def buyer_moves(found: EbayReturn, to_state: str, now: float) -> None:
    """The buyer ships the item back, or it reaches the seller (control API only)."""
    allowed = _BUYER_MOVES.get(to_state)
    if allowed is None:
        raise ReturnError("target", f"status must be one of {sorted(_BUYER_MOVES)}")
    if found.state not in allowed:
        raise ReturnError("state", f"return {found.return_id} is {found.state}")
    author = "BUYER" if to_state == SHIPPED else "SYSTEM"
    found.move(to_state, _ACTIVITIES[to_state], author, now, None)


_STEPS = (READY_TO_SHIP, SHIPPED, DELIVERED)


_ACTIVITIES = {
    READY_TO_SHIP: "SELLER_APPROVE_REQUEST",
    SHIPPED: "BUYER_SHIP_ITEM",
    DELIVERED: "ITEM_DELIVERED",
    REJECTED: "SELLER_DECLINE_REQUEST",
    CLOSED: "SELLER_ISSUE_REFUND",
}
