"""One order built from a partial description, for tests and demos (`POST /_sandbox/orders`).

Supported fields, everything else generated from the seed:

    {"orderPlacedDateTime": ISO time (default now),
     "pickupPoint": bool,
     "shipmentDetails": {any ShipmentDetails field},
     "orderItems": [{"quantity": n, "unitPrice": "12.99", "ean": "...", "title": "...",
                     "offerReference": "SKU-1" | null, "fulfilmentMethod": "FBR" | "FBB"}]}

The order is open (nothing shipped or cancelled yet); described items carry no discount.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from orderbridge.sandbox.bol.catalogue import CATALOGUE, Offer
from orderbridge.sandbox.bol.customers import billing, customer
from orderbridge.sandbox.bol.generator import OrderGenerator
from orderbridge.sandbox.bol.records import Order, OrderItem

_ITEM_FIELDS = {"quantity", "unitPrice", "ean", "title", "offerReference", "fulfilmentMethod"}
_ORDER_FIELDS = {"orderPlacedDateTime", "pickupPoint", "shipmentDetails", "orderItems"}


class PartialOrderError(ValueError):
    pass


def build_order(partial: Any, generator: OrderGenerator, now: float) -> Order:
    if not isinstance(partial, Mapping):
        raise PartialOrderError("order must be an object")
    unknown = sorted(set(partial) - _ORDER_FIELDS)
    if unknown:
        raise PartialOrderError(
            f"unsupported field(s) {unknown}; supported: {sorted(_ORDER_FIELDS)}"
        )
    placed_at = _placed_at(partial.get("orderPlacedDateTime"), now)
    order = generator.order(placed_at)
    pickup = partial.get("pickupPoint")
    if pickup is not None:
        if not isinstance(pickup, bool):
            raise PartialOrderError("pickupPoint must be true or false")
        order.pickup_point = pickup
    details = partial.get("shipmentDetails")
    if details is not None:
        if not isinstance(details, Mapping) or not all(
            isinstance(v, str) for v in details.values()
        ):
            raise PartialOrderError("shipmentDetails must be an object of strings")
        order.shipment_details = {**customer(generator.rng), **details}
        order.billing_details = billing(generator.rng, order.shipment_details)
    items = partial.get("orderItems")
    if items is not None:
        if not isinstance(items, list) or not items:
            raise PartialOrderError("orderItems must be a non-empty list")
        order.items = [
            _item(entry, index, generator, placed_at) for index, entry in enumerate(items)
        ]
    return order


def _placed_at(value: Any, now: float) -> float:
    if value is None:
        return now
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise PartialOrderError("orderPlacedDateTime must be an ISO 8601 time") from None
    if moment.utcoffset() is None:
        raise PartialOrderError("orderPlacedDateTime needs a UTC offset")
    return moment.timestamp()


def _item(entry: Any, index: int, generator: OrderGenerator, placed_at: float) -> OrderItem:
    where = f"orderItems[{index}]"
    if not isinstance(entry, Mapping):
        raise PartialOrderError(f"{where} must be an object")
    unknown = sorted(set(entry) - _ITEM_FIELDS)
    if unknown:
        raise PartialOrderError(f"{where}: unsupported field(s) {unknown}")
    offer = CATALOGUE[index % len(CATALOGUE)]
    ean = entry.get("ean", offer.ean)
    known = next((o for o in CATALOGUE if o.ean == ean), None)
    if known is not None:
        offer = known
    reference = entry.get("offerReference", offer.reference)
    if reference is not None and not isinstance(reference, str):
        raise PartialOrderError(f"{where}.offerReference must be a string or null")
    title = entry.get("title", offer.title)
    if not isinstance(ean, str) or not isinstance(title, str):
        raise PartialOrderError(f"{where}: ean and title must be strings")
    offer = Offer(ean, title, offer.price, offer.offer_id, reference)
    quantity = entry.get("quantity", 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise PartialOrderError(f"{where}.quantity must be a whole number >= 1")
    method = entry.get("fulfilmentMethod", "FBR")
    if method not in ("FBR", "FBB"):
        raise PartialOrderError(f"{where}.fulfilmentMethod must be FBR or FBB")
    price = _price(entry.get("unitPrice"), where) if "unitPrice" in entry else None
    item = generator.item(offer, quantity, placed_at, method=method, unit_price=price)
    # A described item is paid at its price: no generated promotion to second-guess.
    item.discounts = []
    return item


def _price(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PartialOrderError(f'{where}.unitPrice must be a decimal string such as "12.99"')
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise PartialOrderError(f"{where}.unitPrice {value!r} is not a number") from None
    if not price.is_finite() or price < 0:
        raise PartialOrderError(f"{where}.unitPrice must be a positive amount")
    return price
