"""Orders built from a partial ``Order`` JSON, for tests that need exact content.

Supported fields (all optional; what is left out is generated from the seed):

- ``marketplaceId`` (the simulator's own key: ``EBAY_US`` or ``EBAY_DE``);
- ``orderPaymentStatus``: ``PAID`` (default) or ``PENDING``;
- ``orderFulfillmentStatus``: ``NOT_STARTED`` (default), ``IN_PROGRESS``, ``FULFILLED``;
- ``cancelStatus.cancelState``: ``CANCELED`` (cancelled by the buyer);
- ``lineItems``: ``[{quantity, sku, title, lineItemCost{value} (all units),
  deliveryCost{shippingCost{value}}}]``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from orderbridge.sandbox.ebay.generator import LineSpec, OrderGenerator
from orderbridge.sandbox.ebay.records import Order


class PartialOrderError(ValueError):
    pass


def build_order(
    partial: Any, generator: OrderGenerator, marketplaces: tuple[str, ...], now: float
) -> Order:
    if not isinstance(partial, dict):
        raise PartialOrderError('"order" must be a JSON object')
    marketplace_id = partial.get("marketplaceId", marketplaces[0])
    if marketplace_id not in marketplaces:
        raise PartialOrderError(f"marketplaceId must be one of {list(marketplaces)}")
    payment = partial.get("orderPaymentStatus", "PAID")
    if payment not in ("PAID", "PENDING"):
        raise PartialOrderError("orderPaymentStatus must be PAID or PENDING")
    fulfillment = partial.get("orderFulfillmentStatus", "NOT_STARTED")
    if fulfillment not in ("NOT_STARTED", "IN_PROGRESS", "FULFILLED"):
        raise PartialOrderError(
            "orderFulfillmentStatus must be NOT_STARTED, IN_PROGRESS or FULFILLED"
        )
    cancel = partial.get("cancelStatus") or {}
    cancelled = isinstance(cancel, dict) and cancel.get("cancelState") == "CANCELED"
    status = "CANCELED" if cancelled else "UNPAID" if payment == "PENDING" else fulfillment
    if payment == "PENDING" and fulfillment != "NOT_STARTED":
        raise PartialOrderError("an unpaid order cannot be shipped")
    lines = partial.get("lineItems")
    specs = (
        [_spec(entry, index) for index, entry in enumerate(lines)] if lines is not None else None
    )
    if specs is not None and not specs:
        raise PartialOrderError("lineItems must not be empty")
    return generator.order(marketplace_id, now, now, status, specs)


def _spec(entry: Any, index: int) -> LineSpec:
    where = f"lineItems[{index}]"
    if not isinstance(entry, dict):
        raise PartialOrderError(f"{where} must be an object")
    quantity = entry.get("quantity")
    if quantity is not None and (
        isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1
    ):
        raise PartialOrderError(f"{where}.quantity must be a whole number > 0")
    for key in ("sku", "title"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise PartialOrderError(f"{where}.{key} must be a string")
    cost = _value(entry.get("lineItemCost"), f"{where}.lineItemCost")
    unit = None
    if cost is not None:
        units = quantity or 1
        unit = cost / units
        if unit != unit.quantize(Decimal("0.01")):
            raise PartialOrderError(f"{where}.lineItemCost must split into whole cents per unit")
    delivery = entry.get("deliveryCost") or {}
    shipping = _value(
        delivery.get("shippingCost") if isinstance(delivery, dict) else None,
        f"{where}.deliveryCost.shippingCost",
    )
    return LineSpec(
        quantity or 1 if cost is not None else quantity,
        entry.get("sku"),
        entry.get("title"),
        unit,
        shipping,
    )


def _value(amount: Any, where: str) -> Decimal | None:
    if amount is None:
        return None
    value = amount.get("value") if isinstance(amount, dict) else None
    try:
        parsed = Decimal(str(value))
    except InvalidOperation:
        raise PartialOrderError(f"{where}.value must be a decimal string") from None
    if not parsed.is_finite() or parsed < 0:
        raise PartialOrderError(f"{where}.value must be a positive decimal string")
    return parsed
