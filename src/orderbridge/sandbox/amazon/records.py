"""The simulator's internal order records (not the wire format).

Records are compact slotted objects with times as integer epoch seconds and money as integer
minor units, because the simulator must hold 100,000+ orders and render only the blocks a
request asks for; `views.py` turns them into the official JSON shape on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country_code: str
    line2: str | None = None
    state: str | None = None
    phone: str | None = None
    company: str | None = None
    district: str | None = None
    address_type: str = "RESIDENTIAL"


@dataclass(slots=True)
class Item:
    order_item_id: str
    sku: str
    asin: str
    title: str
    quantity: int
    # all money in the marketplace currency's minor units
    unit_price: int
    shipping: int = 0
    tax: int = 0
    discount: int = 0
    promotion_id: str | None = None
    gift_message: str | None = None
    quantity_shipped: int = 0
    business_price: bool = False
    quantity_cancelled: int = 0
    # set when this item (rather than the whole order) was cancelled, e.g. by a feed
    cancelled_by: str | None = None
    cancel_reason: str | None = None

    @property
    def quantity_open(self) -> int:
        """Units neither shipped nor cancelled."""
        return self.quantity - self.quantity_shipped - self.quantity_cancelled

    @property
    def item_total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def proceeds_total(self) -> int:
        return self.item_total + self.shipping + self.tax - self.discount


@dataclass(slots=True)
class Package:
    package_reference_id: str
    created: int
    ship_time: int
    carrier: str
    shipping_service: str | None
    tracking_number: str
    status: str
    detailed_status: str | None
    items: list[tuple[str, int]]
    # what a confirmShipment call sent, kept for the control API (None for generated packages)
    carrier_code: str | None = None
    carrier_name: str | None = None


@dataclass(slots=True)
class Refund:
    """One applied OrderAdjustment item: amounts given back per price component."""

    adjustment_item_id: str
    order_item_id: str
    reason: str
    # component type (Principal, Shipping, ...) -> minor units given back to the buyer
    components: dict[str, int]
    quantity: int | None
    feed_id: str
    at: int


@dataclass(slots=True)
class Order:
    order_id: str
    marketplace_id: str
    created: int
    last_updated: int
    status: str
    fulfilled_by: str
    service_level: str
    ship_by_earliest: int
    ship_by_latest: int
    deliver_by_earliest: int
    deliver_by_latest: int
    buyer_name: str
    buyer_email: str
    address: Address
    items: list[Item]
    buyer_company: str | None = None
    buyer_po: str | None = None
    programs: tuple[str, ...] = ()
    packages: list[Package] = field(default_factory=list)
    seller_order_id: str | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = None
    buyer_cancel_reason: str | None = None
    refunds: list[Refund] = field(default_factory=list)
    acknowledged: bool = False

    @property
    def units_ordered(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def units_shipped(self) -> int:
        return sum(item.quantity_shipped for item in self.items)
