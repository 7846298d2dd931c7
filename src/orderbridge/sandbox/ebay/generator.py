"""A seeded generator of realistic eBay orders for the US and German marketplaces.

The same seed gives the same orders. Most orders have one line and one unit; some have a
promotion, free shipping over a threshold (US), a line from a listing without a SKU, or a
variation. History orders are spread over the last ``history_days`` and have moved on as
orders do: most are paid and waiting, many shipped, a few partly shipped, unpaid or
cancelled by the buyer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from orderbridge.sandbox.ebay.catalogue import MARKETPLACES, PRODUCTS, Product
from orderbridge.sandbox.ebay.ids import IdSource
from orderbridge.sandbox.ebay.lifecycle import close
from orderbridge.sandbox.ebay.people import make_contact, make_username
from orderbridge.sandbox.ebay.records import Cancellation, Fulfillment, LineItem, Order

CENT = Decimal("0.01")
DAY = 86400.0
STATUSES = ("NOT_STARTED", "UNPAID", "IN_PROGRESS", "FULFILLED", "CANCELED")
_HISTORY_WEIGHTS = (55, 4, 5, 30, 6)
FREE_SHIPPING_FROM = Decimal("50")


@dataclass(frozen=True)
class LineSpec:
    """What a caller may fix about a line; the rest is generated."""

    quantity: int | None = None
    sku: str | None = None
    title: str | None = None
    unit_price: Decimal | None = None
    shipping_cost: Decimal | None = None


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class OrderGenerator:
    def __init__(self, seed: int, ids: IdSource) -> None:
        self.rng = random.Random(f"ebay-orders:{seed}")
        self.ids = ids
        self._listings: dict[str, tuple[str, str | None]] = {}

    def history(
        self, marketplace_ids: tuple[str, ...], count: int, now: float, days: int
    ) -> list[Order]:
        orders = []
        for index in range(count):
            created = now - self.rng.uniform(0.2, days) * DAY
            status = self.rng.choices(STATUSES, _HISTORY_WEIGHTS)[0]
            orders.append(
                self.order(marketplace_ids[index % len(marketplace_ids)], created, now, status)
            )
        return orders

    def order(
        self,
        marketplace_id: str,
        created: float,
        now: float,
        status: str = "NOT_STARTED",
        specs: list[LineSpec] | None = None,
    ) -> Order:
        rng = self.rng
        market = MARKETPLACES[marketplace_id]
        buyer = make_contact(rng, market.country)
        service, carrier, shipping_price = rng.choice(market.shipping_services)
        if specs is None:
            count = rng.choices((1, 2, 3), (70, 22, 8))[0]
            specs = [LineSpec() for _ in range(count)]
        products = rng.sample(PRODUCTS, k=min(len(specs), len(PRODUCTS)))
        lines = [
            self._line(
                spec,
                products[index % len(products)],
                market.marketplace_id,
                market.currency,
                shipping_price if index == 0 else Decimal("0"),
                created,
            )
            for index, spec in enumerate(specs)
        ]
        order = Order(
            order_id=self.ids.order_id(),
            marketplace_id=marketplace_id,
            currency=market.currency,
            created=created,
            last_modified=created,
            buyer_username=make_username(rng, buyer),
            buyer=buyer,
            ship_to=buyer,
            lines=lines,
            shipping_service=service,
            shipping_carrier=carrier,
            sales_record=self.ids.sales_record(),
            paid_at=None if status == "UNPAID" else min(created + rng.uniform(5, 600), now),
            checkout_notes="Please leave at the back door." if rng.random() < 0.05 else None,
        )
        if order.paid_at is not None:
            order.last_modified = order.paid_at
        if market.collected_tax_rate is not None:
            for line in lines:
                taxable = line.seller_total
                line.tax = cents(taxable * market.collected_tax_rate)
                line.tax_type = "STATE_SALES_TAX"
        self._advance(order, status, now)
        return order

    def _line(
        self,
        spec: LineSpec,
        product: Product,
        marketplace_id: str,
        currency: str,
        shipping: Decimal,
        created: float,
    ) -> LineItem:
        rng = self.rng
        quantity = spec.quantity or rng.choices((1, 2, 3), (75, 18, 7))[0]
        listing, variation_id = self._listing(product)
        unit = spec.unit_price if spec.unit_price is not None else product.prices[currency]
        line = LineItem(
            line_item_id=self.ids.line_item_id(),
            legacy_item_id=listing,
            sku=spec.sku if spec.sku is not None else product.sku,
            title=spec.title or product.title,
            quantity=quantity,
            unit_price=unit,
            shipping_cost=spec.shipping_cost if spec.shipping_cost is not None else shipping,
            marketplace_id=marketplace_id,
            ship_by=created + 2 * DAY,
            legacy_variation_id=variation_id,
            variation=product.variation,
        )
        if spec.unit_price is None and rng.random() < 0.15:
            line.promotion = cents(line.cost * Decimal("0.10"))
        if currency == "USD" and line.cost - line.promotion >= FREE_SHIPPING_FROM:
            line.shipping_discount = line.shipping_cost
        return line

    def _listing(self, product: Product) -> tuple[str, str | None]:
        key = product.title
        if key not in self._listings:
            self._listings[key] = (self.ids.listing_id(), None)
        listing, _ = self._listings[key]
        if product.variation is None:
            return listing, None
        variation_key = f"{key}|{product.variation}"
        if variation_key not in self._listings:
            self._listings[variation_key] = (listing, self.ids.variation_id())
        return self._listings[variation_key]

    def tracking_number(self, carrier: str) -> str:
        digits = "".join(str(self.rng.randint(0, 9)) for _ in range(24))
        if carrier == "UPS":
            return "1Z" + "".join(
                self.rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16)
            )
        if carrier == "USPS":
            return "9400" + digits[:18]
        if carrier == "FedEx":
            return digits[:12]
        if carrier == "Hermes":
            return "H" + digits[:19]
        return "00340434" + digits[:12]

    def _advance(self, order: Order, status: str, now: float) -> None:
        """Move a new order on to ``status`` the way its history would have."""
        paid = order.paid_at or order.created
        if status in ("FULFILLED", "IN_PROGRESS"):
            shipped_at = min(paid + self.rng.uniform(2, 40) * 3600, now)
            lines = (
                order.lines if status == "FULFILLED" or len(order.lines) == 1 else order.lines[:1]
            )
            if status == "IN_PROGRESS" and len(order.lines) == 1 and order.lines[0].quantity == 1:
                lines = []  # nothing to split: the order stays unshipped
            if lines:
                tracking = self.tracking_number(order.shipping_carrier)
                units = {
                    line.line_item_id: line.quantity
                    if status == "FULFILLED"
                    else max(1, line.quantity // 2)
                    for line in lines
                }
                order.fulfillments.append(
                    Fulfillment(tracking, units, shipped_at, order.shipping_carrier, tracking)
                )
                order.last_modified = max(order.last_modified, shipped_at)
        elif status == "CANCELED":
            asked = min(order.created + self.rng.uniform(60, 3000), now)
            cancellation = Cancellation(
                cancel_id=self.ids.cancel_id(),
                initiator="BUYER",
                reason=self.rng.choice(("ORDER_MISTAKE", "FOUND_CHEAPER_PRICE")),
                requested_at=asked,
                state="PENDING",
                buyer_paid=order.paid_at is not None,
            )
            order.cancellations.append(cancellation)
            close(order, cancellation, min(asked + 1800, now), self.ids)
