"""The simulator's eBay return requests (records, not the Post-Order wire format).

A return belongs to one shipped order line and covers some of its shipped units. Its
``state`` is one of the Post-Order ``ReturnStateEnum`` values the simulator models;
``status`` (``ReturnStatusEnum``) is derived from it so the two cannot disagree. Money is
``Decimal``; times are epoch seconds of the simulator's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

REQUESTED = "RETURN_REQUESTED"
READY_TO_SHIP = "ITEM_READY_TO_SHIP"
SHIPPED = "ITEM_SHIPPED"
DELIVERED = "ITEM_DELIVERED"
REJECTED = "RETURN_REJECTED"
CLOSED = "CLOSED"
OPEN_STATES = (REQUESTED, READY_TO_SHIP, SHIPPED, DELIVERED)
# The status eBay shows beside each state (the states' own names, except one).
STATUS_OF_STATE = {
    REQUESTED: "RETURN_REQUESTED",
    READY_TO_SHIP: "READY_FOR_SHIPPING",
    SHIPPED: "ITEM_SHIPPED",
    DELIVERED: "ITEM_DELIVERED",
    REJECTED: "RETURN_REJECTED",
    CLOSED: "CLOSED",
}
# ReturnReasonEnum values the generator draws, with the reasonType eBay groups them in.
REASON_TYPES = {
    "NO_LONGER_NEED_ITEM": "REMORSE",
    "ORDERED_WRONG_ITEM": "REMORSE",
    "FOUND_BETTER_PRICE": "REMORSE",
    "DEFECTIVE_ITEM": "SNAD",
    "NOT_AS_DESCRIBED": "SNAD",
    "WRONG_SIZE": "SNAD",
    "MISSING_PARTS": "SNAD",
    "ARRIVED_DAMAGED": "SNAD",
}


@dataclass
class ReturnActivity:
    """One line of the return's response history."""

    activity: str
    author: str  # BUYER, SELLER or SYSTEM
    from_state: str | None
    to_state: str
    at: float
    notes: str | None = None


@dataclass
class EbayReturn:
    return_id: str
    order_id: str
    line_item_id: str
    item_id: str
    title: str
    quantity: int
    reason: str
    created_at: float
    currency: str
    estimated_refund: Decimal
    buyer_login: str
    state: str = REQUESTED
    comments: str | None = None
    refund: dict[str, Decimal] | None = None  # refundFeeType → amount, once refunded
    refunded_at: float | None = None
    history: list[ReturnActivity] = field(default_factory=list)

    @property
    def status(self) -> str:
        return STATUS_OF_STATE[self.state]

    @property
    def reason_type(self) -> str:
        return REASON_TYPES.get(self.reason, "SNAD")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def refund_total(self) -> Decimal | None:
        return None if self.refund is None else sum(self.refund.values(), Decimal(0))

    def move(self, to_state: str, activity: str, author: str, at: float, notes: str | None) -> None:
        self.history.append(ReturnActivity(activity, author, self.state, to_state, at, notes))
        self.state = to_state
