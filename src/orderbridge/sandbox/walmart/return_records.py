"""The simulator's internal return records (not the wire format).

A Walmart return order (its id is the RMA number) belongs to one customer order and holds
return lines, each pointing at a shipped purchase order line and a quantity of its units.
Times are epoch milliseconds and money integer cents, as in `records.py`; `return_views.py`
renders the Returns API's JSON. A line moves INITIATED → DELIVERED → COMPLETED; the refund
(by the seller through the API, or settled by Walmart) completes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RETURN_STATUSES = ("INITIATED", "DELIVERED", "COMPLETED")
RETURN_TYPES = ("REFUND", "REPLACEMENT")
# The returnReason codes the Returns API lists.
RETURN_REASONS = (
    *("ARRIVED_LATE", "AUTO_RETURN", "BOUGHT_ANOTHER_SIZE_OR_COLOR", "BOUGHT_SOMEWHERE_ELSE"),
    *("DAMAGED", "DEFECTIVE", "DUPLICATE_ITEM", "INADEQUATE_QUALITY", "INCORRECT_ITEM"),
    *("LOST_AFTER_DELIVERY", "LOST_IN_TRANSIT", "LOWER_PRICE", "MISSING_PARTS"),
    *("NOT_AS_DESCRIBED", "NO_LONGER_WANTED", "RETURN_TO_SENDER", "SHIPPING_BOX_DAMAGED"),
    *("TRIED_TO_CANCEL", "WRONG_SIZE/POOR_FIT"),
)
SELLER_REFUND = "SELLER_MANUAL_REFUND"
WALMART_REFUND = "WALMART_SETTLED_REFUND"


@dataclass(slots=True)
class ReturnEvent:
    tag: str
    description: str
    at_ms: int


@dataclass(slots=True)
class ReturnLine:
    number: int
    purchase_order_id: str
    purchase_line: str
    sku: str
    product_name: str
    weight_lb: str
    quantity: int
    unit_price: int  # cents
    unit_tax: int  # cents
    reason: str
    status: str
    status_ms: int
    refunded_quantity: int = 0
    refund_channel: str | None = None
    events: list[ReturnEvent] = field(default_factory=list)


@dataclass(slots=True)
class ReturnOrder:
    return_order_id: str
    customer_order_id: str
    customer_email: str
    first_name: str
    last_name: str
    created_ms: int
    lines: list[ReturnLine]
    return_type: str = "REFUND"
    carrier: str = "FEDEX"
    tracking_number: str = ""

    @property
    def modified_ms(self) -> int:
        return max([self.created_ms, *(line.status_ms for line in self.lines)])

    def line(self, number: int) -> ReturnLine | None:
        for line in self.lines:
            if line.number == number:
                return line
        return None

    def has_status(self, status: str) -> bool:
        return any(line.status == status for line in self.lines)
