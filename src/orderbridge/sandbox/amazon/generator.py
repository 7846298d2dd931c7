"""Seeded generator of realistic Amazon orders.

Same seed and same `now` give the same orders, so a failing test or a demo run can be
replayed exactly. Orders carry 1-4 items from the 50-SKU catalogue, local names and addresses,
Amazon-format ids (3-7-7 digits) and money in the marketplace currency. The status mix is
mostly UNSHIPPED with some PENDING, SHIPPED, PARTIALLY_SHIPPED and CANCELLED.

Speed matters (100,000 orders in a couple of seconds): the hot path draws from `random()`
and indexes tuples instead of calling `choice`/`randint`, which are several times slower.
"""

from __future__ import annotations

import base64
import gc
import random
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from orderbridge.sandbox.amazon.catalogue import CATALOGUE, CatalogueItem
from orderbridge.sandbox.amazon.lifecycle import settle
from orderbridge.sandbox.amazon.marketplaces import MARKETPLACES, Marketplace
from orderbridge.sandbox.amazon.people import COMPANY_NAMES, PEOPLE
from orderbridge.sandbox.amazon.records import Address, Item, Order

T = TypeVar("T")
_Rnd = Callable[[], float]

DAY = 86400

# cumulative weights: mostly UNSHIPPED, as the brief for a merchant's open-order queue implies
_STATUS_TABLE: tuple[tuple[float, str], ...] = (
    (0.56, "UNSHIPPED"),
    (0.64, "PENDING"),
    (0.65, "PENDING_AVAILABILITY"),
    (0.87, "SHIPPED"),
    (0.93, "PARTIALLY_SHIPPED"),
    (1.00, "CANCELLED"),
)
_NEW_ORDER_STATUS_TABLE: tuple[tuple[float, str], ...] = ((0.8, "UNSHIPPED"), (1.0, "PENDING"))
_ITEM_COUNT_TABLE: tuple[tuple[float, int], ...] = ((0.6, 1), (0.85, 2), (0.95, 3), (1.0, 4))
_QUANTITY_TABLE: tuple[tuple[float, int], ...] = ((0.8, 1), (0.95, 2), (1.0, 3))
_SERVICE_TABLE: tuple[tuple[float, str], ...] = (
    (0.75, "STANDARD"),
    (0.9, "EXPEDITED"),
    (0.95, "SECOND_DAY"),
    (1.0, "NEXT_DAY"),
)
_CANCEL_TABLE: tuple[tuple[float, str], ...] = ((0.5, "BUYER"), (0.8, "MERCHANT"), (1.0, "AMAZON"))
_PROMOTIONS = ("SPRING-SALE-10", "BUNDLE-SAVE-10", "LOYALTY-10")
_GIFT_MESSAGES = ("Happy birthday!", "Congratulations on the new flat", "With love, from us all")
_BUYER_CANCEL_REASONS = ("Ordered by mistake", "Found a better price", "Delivery too slow")


def _weighted(table: Sequence[tuple[float, T]], r: float) -> T:
    for bound, value in table:
        if r < bound:
            return value
    return table[-1][1]


class OrderGenerator:
    """Deterministic source of orders; remembers issued order ids so none repeats."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._used_ids: set[str] = set()

    @property
    def rng(self) -> random.Random:
        return self._rng

    def reserve_id(self, order_id: str) -> bool:
        """Claim an id supplied from outside; False if it is already taken."""
        if order_id in self._used_ids:
            return False
        self._used_ids.add(order_id)
        return True

    def generate(
        self, marketplace_ids: Iterable[str], per_marketplace: int, now: int, history_days: int
    ) -> list[Order]:
        """Orders created over the last `history_days`, none in the last five minutes."""
        rnd = self._rng.random
        span = history_days * DAY - 300
        orders = []
        # The cyclic GC would rescan the ever-growing heap of new records many times over;
        # nothing built here is cyclic, so pausing it makes 100,000 orders ~30% faster.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            for marketplace_id in marketplace_ids:
                for _ in range(per_marketplace):
                    created = now - 300 - int(rnd() * span)
                    status = _weighted(_STATUS_TABLE, rnd())
                    orders.append(self.make_order(marketplace_id, created, now, status))
        finally:
            if gc_was_enabled:
                gc.enable()
        return orders

    def make_new_order(self, marketplace_id: str, now: int, status: str | None = None) -> Order:
        """An order placed just now, as the control API adds them."""
        chosen = status or _weighted(_NEW_ORDER_STATUS_TABLE, self._rng.random())
        return self.make_order(marketplace_id, now, now, chosen, updated_now=True)

    def make_order(
        self, marketplace_id: str, created: int, now: int, status: str, *, updated_now: bool = False
    ) -> Order:
        rnd = self._rng.random
        market = MARKETPLACES[marketplace_id]
        people = PEOPLE[market.country_code]
        amazon_fulfilled = rnd() < 0.1
        service = _weighted(_SERVICE_TABLE, rnd())
        business = rnd() < 0.06
        programs: list[str] = []
        if rnd() < 0.3:
            programs.append("PRIME")
        if business:
            programs.append("AMAZON_BUSINESS")

        ship_days = 0 if service == "NEXT_DAY" else (1 if service != "STANDARD" else 2)
        day_start = created - created % DAY
        ship_by_latest = day_start + ship_days * DAY + DAY - 1
        deliver_days = 1 if service in ("NEXT_DAY", "SECOND_DAY") else 2 + int(rnd() * 3)
        deliver_by_earliest = ship_by_latest + 1 + (deliver_days - 1) * DAY
        deliver_by_latest = deliver_by_earliest + (1 + int(rnd() * 2)) * DAY - 1

        buyer_name = f"{_pick(people.first_names, rnd)} {_pick(people.last_names, rnd)}"
        recipient = (
            buyer_name
            if rnd() < 0.9
            else (f"{_pick(people.first_names, rnd)} {_pick(people.last_names, rnd)}")
        )
        city, region, postal = _pick(people.places, rnd)
        company = _pick(COMPANY_NAMES, rnd) if business else None
        address = Address(
            name=recipient,
            line1=people.line1_format.format(n=1 + int(rnd() * 180), s=_pick(people.streets, rnd)),
            line2=_pick(people.line2_options, rnd) if rnd() < 0.15 else None,
            city=city,
            state=region or None,
            postal_code=postal,
            country_code=market.country_code,
            phone=f"{people.phone_prefix}{int(rnd() * 10000):04d}",
            company=company,
            address_type="COMMERCIAL" if business else "RESIDENTIAL",
        )
        order = Order(
            order_id=self._new_order_id(market, rnd),
            marketplace_id=marketplace_id,
            created=created,
            last_updated=created,
            status="UNSHIPPED",
            fulfilled_by="AMAZON" if amazon_fulfilled else "MERCHANT",
            service_level=service,
            ship_by_earliest=created,
            ship_by_latest=ship_by_latest,
            deliver_by_earliest=deliver_by_earliest,
            deliver_by_latest=deliver_by_latest,
            buyer_name=buyer_name,
            buyer_email=self._anonymous_email(market),
            address=address,
            items=self._items(
                market,
                rnd,
                free_shipping="PRIME" in programs or business,
                expedited=service != "STANDARD",
                business=business,
            ),
            buyer_company=company,
            buyer_po=f"PO-{int(rnd() * 100000):05d}" if business and rnd() < 0.5 else None,
            programs=tuple(programs),
        )
        if status == "PARTIALLY_SHIPPED" and order.units_ordered < 2:
            status = "SHIPPED"
        updated = self._updated_time(order, status, now, rnd)
        if updated_now:
            updated = now
        cancelled_by = _weighted(_CANCEL_TABLE, rnd()) if status == "CANCELLED" else None
        settle(order, status, updated, now, self._rng, cancelled_by=cancelled_by)
        if status == "UNSHIPPED" and rnd() < 0.02:
            order.buyer_cancel_reason = _pick(_BUYER_CANCEL_REASONS, rnd)
        order.last_updated = updated
        return order

    def _items(
        self,
        market: Marketplace,
        rnd: _Rnd,
        *,
        free_shipping: bool,
        expedited: bool,
        business: bool,
    ) -> list[Item]:
        count = _weighted(_ITEM_COUNT_TABLE, rnd())
        chosen: list[CatalogueItem] = []
        while len(chosen) < count:
            candidate = _pick(CATALOGUE, rnd)
            if candidate not in chosen:
                chosen.append(candidate)
        items = []
        for index, product in enumerate(chosen):
            quantity = _weighted(_QUANTITY_TABLE, rnd())
            unit_price = _local_price(product.base_price_cents, market)
            if business:
                # business prices are a little lower than the consumer price
                unit_price = unit_price * 95 // 100
            shipping = 0
            if index == 0 and not free_shipping and rnd() < 0.6:
                shipping = _local_price(899 if expedited else 499, market)
            discount = 0
            promotion = None
            if rnd() < 0.1:
                promotion = _pick(_PROMOTIONS, rnd)
                discount = unit_price * quantity // 10
            tax = round((unit_price * quantity + shipping - discount) * market.tax_rate)
            items.append(
                Item(
                    order_item_id=f"{int(rnd() * 10**14):014d}",
                    sku=product.sku,
                    asin=product.asin,
                    title=product.title,
                    quantity=quantity,
                    unit_price=unit_price,
                    shipping=shipping,
                    tax=tax,
                    discount=discount,
                    promotion_id=promotion,
                    gift_message=_pick(_GIFT_MESSAGES, rnd) if rnd() < 0.03 else None,
                    business_price=business,
                )
            )
        return items

    def _updated_time(self, order: Order, status: str, now: int, rnd: _Rnd) -> int:
        created = order.created
        if status in ("PENDING", "PENDING_AVAILABILITY"):
            updated = created + int(rnd() * 600)
        elif status == "UNSHIPPED":
            updated = created + 60 + int(rnd() * 3540)
        elif status in ("SHIPPED", "PARTIALLY_SHIPPED"):
            window = max(order.ship_by_latest - created - 7200, 0)
            updated = created + 7200 + int(rnd() * window)
        else:
            updated = created + 600 + int(rnd() * 2 * DAY)
        # history must not run into the future, nor into the last two minutes (not yet visible)
        return max(created, min(updated, now - 180))

    def _new_order_id(self, market: Marketplace, rnd: _Rnd) -> str:
        while True:
            prefix = _pick(market.order_id_prefixes, rnd)
            order_id = f"{prefix:03d}-{int(rnd() * 10**7):07d}-{int(rnd() * 10**7):07d}"
            if order_id not in self._used_ids:
                self._used_ids.add(order_id)
                return order_id

    def _anonymous_email(self, market: Marketplace) -> str:
        # Amazon relays mail through anonymised addresses like 0k5rcdc7xzw0lfz@marketplace...
        local = base64.b32encode(self._rng.getrandbits(80).to_bytes(10, "big"))
        return local[:15].decode().lower() + "@" + market.email_domain


def _pick(seq: Sequence[T], rnd: _Rnd) -> T:
    return seq[int(rnd() * len(seq))]


def _local_price(base_cents: int, market: Marketplace) -> int:
    """Convert US cents into a plausible local price in minor units ending in .99 (or 80 yen)."""
    value = base_cents * market.price_factor
    if market.decimals == 0:
        return int(value / 100) * 100 + 80
    return max(int(value / 100), 0) * 100 + 99
