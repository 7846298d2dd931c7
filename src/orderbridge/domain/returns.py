"""Returns in orderbridge's own words: the lifecycle, the OMS's decisions, and what a
marketplace tells us about one return.

A return belongs to an order and names the order lines it sends back. Its status follows
the marketplace (the buyer ships the parcel, the marketplace closes the case) and the
merchant's decisions (accept, reject, refund), which the OMS makes and orderbridge pushes
to the marketplace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from orderbridge.domain.errors import InvalidOrderData


class ReturnStatus(StrEnum):
    """orderbridge's lifecycle of a return (the marketplace's own status is kept apart)."""

    REQUESTED = "requested"  # the buyer asked; the merchant has not decided
    ACCEPTED = "accepted"  # the merchant agreed to take the items back
    RECEIVED = "received"  # the items are back with the merchant
    REJECTED = "rejected"  # the merchant refused the return
    REFUNDED = "refunded"  # money went back to the buyer (in full or in part)
    CLOSED = "closed"  # the marketplace closed the case; nothing more happens


_R = ReturnStatus
RETURN_TRANSITIONS: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    # The marketplace is the truth for its own status, so an import may skip steps (a
    # return first seen as refunded), but nothing leaves an end state.
    _R.REQUESTED: frozenset({_R.ACCEPTED, _R.RECEIVED, _R.REJECTED, _R.REFUNDED, _R.CLOSED}),
    _R.ACCEPTED: frozenset({_R.RECEIVED, _R.REJECTED, _R.REFUNDED, _R.CLOSED}),
    _R.RECEIVED: frozenset({_R.REJECTED, _R.REFUNDED, _R.CLOSED}),
    # A rejected return may still be refunded when the marketplace decides for the buyer.
    _R.REJECTED: frozenset({_R.REFUNDED, _R.CLOSED}),
    _R.REFUNDED: frozenset({_R.CLOSED}),
    _R.CLOSED: frozenset(),
}


class ReturnDecisionKind(StrEnum):
    """What the OMS decides about a return."""

    ACCEPT = "accept"
    REJECT = "reject"
    REFUND = "refund"


# The status a confirmed decision moves the return to.
DECISION_STATUS: dict[ReturnDecisionKind, ReturnStatus] = {
    ReturnDecisionKind.ACCEPT: ReturnStatus.ACCEPTED,
    ReturnDecisionKind.REJECT: ReturnStatus.REJECTED,
    ReturnDecisionKind.REFUND: ReturnStatus.REFUNDED,
}


@dataclass(frozen=True, slots=True)
class ReturnLineSnapshot:
    """One returned line. ``order_line_id`` is the marketplace's id of the order line it
    sends back; ``refund_amount`` is what the marketplace shows refunded for it so far."""

    external_line_id: str
    order_line_id: str | None
    sku: str
    quantity: int
    reason: str | None = None
    refund_amount: Decimal | None = None

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise InvalidOrderData(
                f"return line {self.external_line_id}: quantity {self.quantity} is not positive"
            )


@dataclass(frozen=True, slots=True)
class ReturnSnapshot:
    """A return as one marketplace read shows it; the mapper fills every field it knows."""

    external_id: str
    order_external_id: str
    marketplace_status: str
    status: ReturnStatus
    requested_at: datetime
    last_updated_at: datetime
    currency: str
    lines: tuple[ReturnLineSnapshot, ...]
    reason: str | None = None
    refund_amount: Decimal | None = None  # the total refunded so far, when the channel says
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for moment in (self.requested_at, self.last_updated_at):
            if moment.tzinfo is None:
                raise InvalidOrderData(f"return {self.external_id}: a time has no timezone")
        if not self.lines:
            raise InvalidOrderData(f"return {self.external_id} names no returned line")
        if len(self.currency) != 3:
            raise InvalidOrderData(
                f"return {self.external_id}: currency {self.currency!r} is not an ISO code"
            )
