"""The simulator's own order records, and the states eBay derives from them.

An order keeps what happened to it (fulfillments, refunds, cancellations); every status
eBay shows (line and order fulfilment status, payment status, cancel state) is derived
from those records, so no two fields can disagree. Money is ``Decimal``; times are epoch
seconds of the simulator's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from orderbridge.sandbox.ebay.people import Contact

ZERO = Decimal(0)


@dataclass
class LineItem:
    line_item_id: str
    legacy_item_id: str
    sku: str | None
    title: str
    quantity: int
    unit_price: Decimal
    shipping_cost: Decimal
    marketplace_id: str
    ship_by: float
    legacy_variation_id: str | None = None
    variation: tuple[str, str] | None = None
    promotion: Decimal = ZERO  # item discount, a positive size
    shipping_discount: Decimal = ZERO
    tax: Decimal = ZERO  # collected and remitted by eBay
    tax_type: str | None = None

    @property
    def cost(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def seller_total(self) -> Decimal:
        """What the seller can give back for the line: all but the tax eBay collected."""
        return self.cost - self.promotion + self.shipping_cost - self.shipping_discount

    @property
    def total(self) -> Decimal:
        return self.seller_total + self.tax


@dataclass
class Fulfillment:
    fulfillment_id: str
    lines: dict[str, int]
    shipped_at: float
    carrier: str | None = None
    tracking: str | None = None


@dataclass
class Refund:
    refund_id: str
    created_at: float
    settles_at: float
    amounts: dict[str | None, Decimal]  # per line id; None is an order-level amount
    reason: str
    comment: str | None = None
    status: str = "PENDING"  # PENDING, REFUNDED, FAILED
    reference_id: str | None = None
    will_fail: bool = False

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


@dataclass
class Cancellation:
    cancel_id: str
    initiator: str  # SELLER or BUYER
    reason: str
    requested_at: float
    # REQUESTED (a buyer's, waiting for the seller), PENDING (approved, eBay refunding),
    # CLOSED (cancelled), REJECTED.
    state: str
    settles_at: float | None = None
    closed_at: float | None = None
    buyer_paid: bool = True

    @property
    def open(self) -> bool:
        return self.state in ("REQUESTED", "PENDING")


@dataclass
class Order:
    order_id: str
    marketplace_id: str
    currency: str
    created: float
    last_modified: float
    buyer_username: str
    buyer: Contact
    ship_to: Contact
    lines: list[LineItem]
    shipping_service: str
    shipping_carrier: str
    sales_record: str
    paid_at: float | None
    checkout_notes: str | None = None
    fulfillments: list[Fulfillment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    cancellations: list[Cancellation] = field(default_factory=list)
    fulfillment_counter: int = 0

    def line(self, line_item_id: str) -> LineItem | None:
        return next((line for line in self.lines if line.line_item_id == line_item_id), None)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)

    @property
    def collects_tax(self) -> bool:
        return any(line.tax > 0 for line in self.lines)

    def shipped(self, line_item_id: str) -> int:
        return sum(f.lines.get(line_item_id, 0) for f in self.fulfillments)

    def line_status(self, line: LineItem) -> str:
        # eBay counts a line fulfilled as soon as one of its units is in a package.
        return "FULFILLED" if self.shipped(line.line_item_id) > 0 else "NOT_STARTED"

    @property
    def fulfillment_status(self) -> str:
        fulfilled = [self.line_status(line) == "FULFILLED" for line in self.lines]
        if all(fulfilled):
            return "FULFILLED"
        return "IN_PROGRESS" if any(fulfilled) else "NOT_STARTED"

    @property
    def cancel_state(self) -> str:
        if any(c.state == "CLOSED" for c in self.cancellations):
            return "CANCELED"
        if any(c.open for c in self.cancellations):
            return "IN_PROGRESS"
        return "NONE_REQUESTED"

    def refunded(self, line_item_id: str | None = None) -> Decimal:
        """What was given back (pending or done, not failed), on one line or in all."""
        return sum(
            (
                amount
                for refund in self.refunds
                if refund.status != "FAILED"
                for line_id, amount in refund.amounts.items()
                if line_item_id is None or line_id == line_item_id
            ),
            ZERO,
        )

    @property
    def seller_total(self) -> Decimal:
        return sum((line.seller_total for line in self.lines), ZERO)

    @property
    def payment_status(self) -> str:
        if self.paid_at is None:
            return "PENDING"
        given_back = sum((r.total for r in self.refunds if r.status == "REFUNDED"), ZERO)
        if given_back <= 0:
            return "PAID"
        return "FULLY_REFUNDED" if given_back >= self.seller_total else "PARTIALLY_REFUNDED"
