"""Build one order from a partial order in the official `Order` JSON shape (control API).

The caller names only what it cares about, e.g.
`{"salesChannel": {"marketplaceId": "A1PA6795UKMFR9"}, "fulfillment": {"fulfillmentStatus":
"PENDING"}, "orderItems": [{"quantityOrdered": 2, "product": {"sellerSku": "MUG-CER-SAGE"}}]}`;
everything else is generated. Supported fields: orderId, createdTime, lastUpdatedTime,
orderAliases (SELLER_ORDER_ID), programs, salesChannel.marketplaceId, buyer.*,
recipient.deliveryAddress.*, fulfillment.{fulfillmentStatus, fulfilledBy,
fulfillmentServiceLevel, shipByWindow, deliverByWindow}, orderItems[].{orderItemId,
quantityOrdered, product.{sellerSku, asin, title, price.unitPrice}}. Anything else is refused,
so a test never believes a field was set when it was silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from orderbridge.sandbox.amazon.catalogue import CATALOGUE_BY_SKU, asin_for
from orderbridge.sandbox.amazon.errors import SpApiError
from orderbridge.sandbox.amazon.generator import OrderGenerator
from orderbridge.sandbox.amazon.lifecycle import FULFILLED_BY, FULFILLMENT_STATUSES, settle
from orderbridge.sandbox.amazon.marketplaces import MARKETPLACES, Marketplace
from orderbridge.sandbox.amazon.query import parse_datetime
from orderbridge.sandbox.amazon.records import Item, Order

ORDER_ID_PATTERN = re.compile(r"^\d{3}-\d{7}-\d{7}$")
SERVICE_LEVELS = (
    "EXPEDITED", "FREE_ECONOMY", "NEXT_DAY", "PRIORITY", "SAME_DAY", "SECOND_DAY", "SCHEDULED",
    "STANDARD",
)  # fmt: skip
_TOP_KEYS = frozenset(
    {
        "orderId", "createdTime", "lastUpdatedTime", "orderAliases", "programs", "salesChannel",
        "buyer", "recipient", "fulfillment", "orderItems",
    }
)  # fmt: skip
_BUYER_KEYS = {
    "buyerName": "buyer_name",
    "buyerEmail": "buyer_email",
    "buyerCompanyName": "buyer_company",
    "buyerPurchaseOrderNumber": "buyer_po",
}
_ADDRESS_KEYS = {
    "name": "name", "companyName": "company", "addressLine1": "line1", "addressLine2": "line2",
    "city": "city", "districtOrCounty": "district", "stateOrRegion": "state",
    "postalCode": "postal_code", "countryCode": "country_code", "phone": "phone",
    "addressType": "address_type",
}  # fmt: skip


class PartialOrderError(ValueError):
    """The partial order cannot be turned into an order; the message says why."""


def _keys(obj: Any, allowed: Sequence[str] | frozenset[str], where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise PartialOrderError(f"{where} must be a JSON object")
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise PartialOrderError(f"unsupported field(s) in {where}: {', '.join(unknown)}")
    return obj


def _time(value: Any, where: str) -> int:
    try:
        return int(parse_datetime(where, str(value)))
    except SpApiError:
        raise PartialOrderError(f"{where} must be an ISO 8601 date-time") from None


def build_order(
    partial: Any, generator: OrderGenerator, marketplace_ids: Sequence[str], now: int
) -> Order:
    data = _keys(partial, _TOP_KEYS, "order")
    channel = _keys(data.get("salesChannel", {}), ("marketplaceId", "channelName"), "salesChannel")
    marketplace_id = channel.get("marketplaceId", marketplace_ids[0])
    if marketplace_id not in marketplace_ids:
        raise PartialOrderError(f"marketplaceId {marketplace_id!r} is not one of the seller's")
    market = MARKETPLACES[marketplace_id]
    created = _time(data["createdTime"], "createdTime") if "createdTime" in data else now
    updated = (
        _time(data["lastUpdatedTime"], "lastUpdatedTime") if "lastUpdatedTime" in data else now
    )
    if updated < created:
        raise PartialOrderError("lastUpdatedTime must not be before createdTime")

    fulfillment = _keys(
        data.get("fulfillment", {}),
        ("fulfillmentStatus", "fulfilledBy", "fulfillmentServiceLevel", "shipByWindow",
         "deliverByWindow"),
        "fulfillment",
    )  # fmt: skip
    status = fulfillment.get("fulfillmentStatus", "UNSHIPPED")
    if status not in FULFILLMENT_STATUSES:
        raise PartialOrderError(
            f"fulfillmentStatus must be one of {', '.join(FULFILLMENT_STATUSES)}"
        )

    order = generator.make_order(marketplace_id, created, now, "UNSHIPPED")
    order.buyer_cancel_reason = None
    if "orderId" in data:
        order_id = data["orderId"]
        if not isinstance(order_id, str) or not ORDER_ID_PATTERN.match(order_id):
            raise PartialOrderError("orderId must look like Amazon's: 3-7-7 digits")
        if not generator.reserve_id(order_id):
            raise PartialOrderError(f"orderId {order_id} already exists")
        order.order_id = order_id
    _apply_fulfillment(order, fulfillment)
    if "orderAliases" in data:
        aliases = data["orderAliases"]
        if not isinstance(aliases, list) or len(aliases) != 1:
            raise PartialOrderError("orderAliases must be a list with one SELLER_ORDER_ID alias")
        alias = _keys(aliases[0], ("aliasId", "aliasType"), "orderAliases[0]")
        if alias.get("aliasType") != "SELLER_ORDER_ID" or not alias.get("aliasId"):
            raise PartialOrderError("orderAliases[0] needs aliasId and aliasType SELLER_ORDER_ID")
        order.seller_order_id = str(alias["aliasId"])
    if "programs" in data:
        if not isinstance(data["programs"], list):
            raise PartialOrderError("programs must be a list of strings")
        order.programs = tuple(str(p) for p in data["programs"])
    for key, value in _keys(data.get("buyer", {}), tuple(_BUYER_KEYS), "buyer").items():
        setattr(order, _BUYER_KEYS[key], None if value is None else str(value))
    recipient = _keys(data.get("recipient", {}), ("deliveryAddress",), "recipient")
    address = _keys(recipient.get("deliveryAddress", {}), tuple(_ADDRESS_KEYS), "deliveryAddress")
    for key, value in address.items():
        setattr(order.address, _ADDRESS_KEYS[key], None if value is None else str(value))
    if "orderItems" in data:
        order.items = _items(data["orderItems"], market, generator)
    try:
        settle(order, status, updated, now, generator.rng)
    except ValueError as exc:
        raise PartialOrderError(str(exc)) from exc
    order.last_updated = updated
    return order


def _apply_fulfillment(order: Order, fulfillment: dict[str, Any]) -> None:
    if "fulfilledBy" in fulfillment:
        if fulfillment["fulfilledBy"] not in FULFILLED_BY:
            raise PartialOrderError("fulfilledBy must be MERCHANT or AMAZON")
        order.fulfilled_by = fulfillment["fulfilledBy"]
    if "fulfillmentServiceLevel" in fulfillment:
        if fulfillment["fulfillmentServiceLevel"] not in SERVICE_LEVELS:
            raise PartialOrderError(f"fulfillmentServiceLevel must be one of {SERVICE_LEVELS}")
        order.service_level = fulfillment["fulfillmentServiceLevel"]
    for window, prefix in (("shipByWindow", "ship_by"), ("deliverByWindow", "deliver_by")):
        if window in fulfillment:
            bounds = _keys(fulfillment[window], ("earliestDateTime", "latestDateTime"), window)
            if "earliestDateTime" in bounds:
                setattr(order, f"{prefix}_earliest", _time(bounds["earliestDateTime"], window))
            if "latestDateTime" in bounds:
                setattr(order, f"{prefix}_latest", _time(bounds["latestDateTime"], window))


def _items(raw_items: Any, market: Marketplace, generator: OrderGenerator) -> list[Item]:
    if not isinstance(raw_items, list) or not raw_items:
        raise PartialOrderError("orderItems must be a non-empty list")
    items = []
    for index, raw in enumerate(raw_items):
        where = f"orderItems[{index}]"
        entry = _keys(raw, ("orderItemId", "quantityOrdered", "product"), where)
        product = _keys(entry.get("product", {}), ("sellerSku", "asin", "title", "price"), where)
        quantity = entry.get("quantityOrdered", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise PartialOrderError(f"{where}.quantityOrdered must be a positive integer")
        sku = str(product.get("sellerSku") or generator.rng.choice(list(CATALOGUE_BY_SKU)))
        known = CATALOGUE_BY_SKU.get(sku)
        if "price" in product:
            unit_price = _price(product["price"], market, where)
        elif known is not None:
            unit_price = round(known.base_price_cents * market.price_factor)
        else:
            raise PartialOrderError(f"{where}: a SKU outside the catalogue needs price.unitPrice")
        tax = round(unit_price * quantity * market.tax_rate)
        items.append(
            Item(
                order_item_id=str(
                    entry.get("orderItemId") or f"{generator.rng.randrange(10**14):014d}"
                ),
                sku=sku,
                asin=str(product.get("asin") or (known.asin if known else asin_for(sku))),
                title=str(product.get("title") or (known.title if known else sku)),
                quantity=quantity,
                unit_price=unit_price,
                tax=tax,
            )
        )
    ids = [item.order_item_id for item in items]
    if len(set(ids)) != len(ids):
        raise PartialOrderError("orderItemId values must be unique within the order")
    return items


def _price(raw: Any, market: Marketplace, where: str) -> int:
    price = _keys(raw, ("unitPrice",), f"{where}.product.price")
    money = _keys(price.get("unitPrice"), ("amount", "currencyCode"), f"{where}.unitPrice")
    if money.get("currencyCode") != market.currency:
        raise PartialOrderError(f"{where}: {market.name} prices are in {market.currency}")
    try:
        amount = Decimal(str(money.get("amount")))
    except InvalidOperation:
        raise PartialOrderError(f"{where}: amount must be a decimal string") from None
    minor = amount.scaleb(market.decimals)
    if minor != minor.to_integral_value() or minor < 0:
        raise PartialOrderError(
            f"{where}: amount must be >= 0 with at most {market.decimals} decimals"
        )
    return int(minor)
