"""The simulator's internal order records (not the wire format).

Times are epoch milliseconds, as Walmart sends them; money is integer cents of US dollars.
A line's units sit in status entries, as on Walmart: two units may be shipped under two
tracking numbers while a third is still acknowledged. `views.py` renders the records as
the Orders API's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OPEN = ("Created", "Acknowledged")
SHIPPED = ("Shipped", "Delivered")


@dataclass(slots=True)
class Tracking:
    ship_ms: int
    method_code: str
    tracking_number: str
    carrier: str | None = None
    other_carrier: str | None = None
    tracking_url: str | None = None


@dataclass(slots=True)
class StatusEntry:
    status: str
    quantity: int
    tracking: Tracking | None = None
    cancellation_reason: str | None = None


@dataclass(slots=True)
class RefundCharge:
    reason: str
    charge_type: str  # PRODUCT or SHIPPING
    charge_name: str
    amount: int  # cents, never positive
    tax_name: str | None = None
    tax: int = 0  # cents, never positive


@dataclass(slots=True)
class Refund:
    refund_id: str
    comments: str | None
    charges: list[RefundCharge]


@dataclass(slots=True)
class Line:
    line_number: str
    sku: str
    product_name: str
    quantity: int
    # charges for the line's whole quantity, in cents
    product: int
    product_tax: int = 0
    shipping: int = 0
    shipping_tax: int = 0
    statuses: list[StatusEntry] = field(default_factory=list)
    status_ms: int = 0
    refunds: list[Refund] = field(default_factory=list)
    intent_to_cancel: bool = False
    weight_lb: str = "1"

    def units(self, *statuses: str) -> int:
        return sum(entry.quantity for entry in self.statuses if entry.status in statuses)

    @property
    def open_units(self) -> int:
        return self.units(*OPEN)

    @property
    def shipped_units(self) -> int:
        return self.units(*SHIPPED)

    def take(self, statuses: tuple[str, ...], quantity: int) -> None:
        """Remove ``quantity`` units from entries in ``statuses``, in the order given."""
        for status in statuses:
            for entry in [e for e in self.statuses if e.status == status]:
                moved = min(entry.quantity, quantity)
                entry.quantity -= moved
                quantity -= moved
                if quantity == 0:
                    break
            if quantity == 0:
                break
        if quantity:
            raise ValueError(f"line {self.line_number} lacks {quantity} unit(s) in {statuses}")
        self.statuses = [entry for entry in self.statuses if entry.quantity > 0]

    def put(self, entry: StatusEntry) -> None:
        """Add units, joining an entry that differs only in quantity."""
        for held in self.statuses:
            if (held.status, held.tracking, held.cancellation_reason) == (
                entry.status,
                entry.tracking,
                entry.cancellation_reason,
            ):
                held.quantity += entry.quantity
                return
        self.statuses.append(entry)

    def refunded(self, charge_type: str) -> tuple[int, int]:
        """Cents given back so far on one charge type: (amount, tax), as positives."""
        amount = tax = 0
        for refund in self.refunds:
            for charge in refund.charges:
                if charge.charge_type == charge_type:
                    amount -= charge.amount
                    tax -= charge.tax
        return amount, tax


@dataclass(slots=True)
class Address:
    name: str
    address1: str
    city: str
    state: str
    postal_code: str
    address2: str | None = None
    country: str = "USA"
    address_type: str = "RESIDENTIAL"


@dataclass(slots=True)
class Order:
    purchase_order_id: str
    customer_order_id: str
    customer_email: str
    order_ms: int
    ship_by_ms: int
    deliver_by_ms: int
    method_code: str
    phone: str
    address: Address
    lines: list[Line]
    order_type: str = "REGULAR"
    ship_node_type: str = "SellerFulfilled"
    shipping_program: str | None = None

    @property
    def modified_ms(self) -> int:
        """When anything last changed: the order's placement or a line's status."""
        return max([self.order_ms, *(line.status_ms for line in self.lines)])

    def line(self, line_number: str) -> Line | None:
        for line in self.lines:
            if line.line_number == line_number:
                return line
        return None

    def has_status(self, status: str) -> bool:
        return any(line.units(status) for line in self.lines)
