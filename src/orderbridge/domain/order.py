"""What a marketplace tells us about an order, in orderbridge's own words.

A connector's mapper turns a payload into an :class:`OrderSnapshot`; the importing
service compares it with what is stored and records the differences as events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.money import Money
from orderbridge.domain.states import OrderStatus


@dataclass(frozen=True, slots=True)
class Address:
    name: str | None = None
    line1: str | None = None
    line2: str | None = None
    line3: str | None = None
    city: str | None = None
    postal_code: str | None = None
    state_or_region: str | None = None
    country_code: str | None = None
    phone: str | None = None
    company: str | None = None


@dataclass(frozen=True, slots=True)
class Buyer:
    name: str | None = None
    email: str | None = None
    company: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line: quantities are whole units; every amount is the line total, not per unit."""

    external_line_id: str
    sku: str
    title: str
    quantity_ordered: int
    quantity_shipped: int
    item_price: Money
    item_tax: Money
    shipping_price: Money
    shipping_tax: Money
    discount: Money
    asin: str | None = None
    # Units the marketplace shows cancelled (by the buyer, the marketplace or the seller).
    quantity_cancelled: int = 0

    def __post_init__(self) -> None:
        if min(self.quantity_ordered, self.quantity_shipped, self.quantity_cancelled) < 0:
            raise InvalidOrderData(f"line {self.external_line_id}: negative quantity")
        if not self.sku:
            raise InvalidOrderData(f"line {self.external_line_id}: no SKU")
        currency = self.item_price.currency
        for amount in (self.item_tax, self.shipping_price, self.shipping_tax, self.discount):
            if amount.currency != currency:
                raise InvalidOrderData(
                    f"line {self.external_line_id}: amounts in {currency} and {amount.currency}"
                )

    @property
    def total(self) -> Money:
        # One currency is guaranteed above, so the amounts add up directly.
        return Money(
            self.item_price.amount
            + self.item_tax.amount
            + self.shipping_price.amount
            + self.shipping_tax.amount
            - self.discount.amount,
            self.item_price.currency,
        )


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """One version of an order as the marketplace shows it at ``last_updated_at``."""

    external_id: str
    marketplace_ids: tuple[str, ...]
    purchased_at: datetime
    last_updated_at: datetime
    latest_ship_at: datetime | None
    marketplace_status: str
    status: OrderStatus
    currency: str
    buyer: Buyer
    shipping_address: Address | None
    lines: tuple[OrderLine, ...]
    fulfillment_channel: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for moment in (self.purchased_at, self.last_updated_at, self.latest_ship_at):
            if moment is not None and moment.utcoffset() is None:
                raise InvalidOrderData(f"order {self.external_id}: naive datetime {moment}")
        for line in self.lines:
            if line.item_price.currency != self.currency:
                raise InvalidOrderData(
                    f"order {self.external_id}: line {line.external_line_id} is in "
                    f"{line.item_price.currency}, the order in {self.currency}"
                )

    @property
    def total(self) -> Money:
        amount = sum((line.total.amount for line in self.lines), Decimal("0"))
        return Money(amount, self.currency)

    @property
    def quantity_ordered(self) -> int:
        return sum(line.quantity_ordered for line in self.lines)


def zero_if_missing(amount: Money | None, currency: str) -> Money:
    """Marketplaces omit zero charges; an omitted charge is exactly zero, not unknown."""
    return amount if amount is not None else Money(Decimal("0"), currency)


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """An order as orderbridge holds it: the latest snapshot plus its own states."""

    id: int
    connection_id: int
    connection_name: str
    channel: str
    snapshot: OrderSnapshot
    import_status: str
    export_status: str
    created_at: datetime
    updated_at: datetime
