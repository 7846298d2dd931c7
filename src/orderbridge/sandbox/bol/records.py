"""The simulator's own records: orders with their items, shipments, process statuses.

Times are POSIX timestamps of the simulator clock; amounts are Decimal euros. Rendering
into bol's JSON shapes is `views.py`'s job, so these stay plain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

OPEN = "OPEN"
HANDLED = "HANDLED"


@dataclass
class OrderItem:
    order_item_id: str
    ean: str
    title: str
    offer_id: str
    offer_reference: str | None
    quantity: int
    unit_price: Decimal
    commission: Decimal
    fulfilment_method: str  # FBR | FBB
    latest_delivery_date: date | None
    exact_delivery_date: date | None
    expiry_date: date
    time_frame_type: str
    changed_at: float
    discounts: list[tuple[str, Decimal]] = field(default_factory=list)
    quantity_shipped: int = 0
    quantity_cancelled: int = 0
    cancellation_request: bool = False

    @property
    def open(self) -> int:
        return self.quantity - self.quantity_shipped - self.quantity_cancelled

    @property
    def fulfilment_status(self) -> str:
        return OPEN if self.open > 0 else HANDLED

    @property
    def total_price(self) -> Decimal:
        return self.unit_price * self.quantity - sum((a for _, a in self.discounts), Decimal(0))


@dataclass
class Order:
    order_id: str
    placed_at: float
    pickup_point: bool
    shipment_details: dict[str, str]
    billing_details: dict[str, str]
    items: list[OrderItem]

    def item(self, order_item_id: str) -> OrderItem | None:
        return next((i for i in self.items if i.order_item_id == order_item_id), None)


@dataclass
class Shipment:
    shipment_id: str
    order_id: str
    shipped_at: float
    reference: str | None
    lines: list[tuple[str, int]]  # (order item id, quantity)
    transport_id: str
    transporter_code: str | None
    track_and_trace: str | None
    fulfilment_method: str


@dataclass
class Cancellation:
    """A cancellation as applied: by the retailer (with its reason) or by the customer."""

    order_id: str
    order_item_id: str
    quantity: int
    reason_code: str | None
    by: str  # RETAILER | CUSTOMER
    at: float


@dataclass
class ProcessStatus:
    process_status_id: str
    entity_id: str
    event_type: str
    description: str
    created_at: float
    due_at: float
    # What the write asked for, applied (or refused) when the status comes due.
    request: dict[str, Any]
    status: str = "PENDING"
    error_message: str | None = None
    finished_at: float | None = None
