"""Orders built from a partial description, for the control API's `{"order": {...}}`.

Every field is optional; what is left out is generated from the seed. Supported:

    {"purchaseOrderId": "1234567890123", "customerOrderId": "…", "orderDate": epoch ms,
     "methodCode": "Standard" | "Express" | "OneDay" | "Freight" | "WhiteGlove" | "Value",
     "status": "Created" | "Acknowledged" | "PartiallyShipped" | "Shipped" | "Delivered" |
               "Cancelled",
     "postalAddress": {"name", "address1", "address2", "city", "state", "postalCode"},
     "lines": [{"lineNumber", "sku", "productName", "quantity", "unitPrice", "shipping",
                "tax", "shippingTax", "intentToCancel"}]}

Money is given in dollars (a number or a decimal string with at most two decimals);
`unitPrice` is per unit, the rest for the whole line. Without `tax` the line is taxed at
the address's state rate.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from orderbridge.sandbox.walmart.catalogue import PLACES
from orderbridge.sandbox.walmart.generator import ORDER_STATUSES, OrderGenerator, settle, tax_of
from orderbridge.sandbox.walmart.records import Line, Order, StatusEntry
from orderbridge.sandbox.walmart.shipping import METHOD_CODES

ORDER_FIELDS = frozenset(
    {"purchaseOrderId", "customerOrderId", "orderDate", "methodCode", "status"}
    | {"postalAddress", "lines"}
)
LINE_FIELDS = frozenset(
    {"lineNumber", "sku", "productName", "quantity", "unitPrice", "shipping", "tax"}
    | {"shippingTax", "intentToCancel"}
)
ADDRESS_FIELDS = frozenset({"name", "address1", "address2", "city", "state", "postalCode"})


class PartialOrderError(ValueError):
    """The partial order cannot be built; the message says which field is wrong."""


def build_order(partial: Any, generator: OrderGenerator, now_ms: int) -> Order:
    if not isinstance(partial, dict):
        raise PartialOrderError("order must be a JSON object")
    _known(partial, ORDER_FIELDS, "order")
    placed = partial.get("orderDate", now_ms)
    if isinstance(placed, bool) or not isinstance(placed, int) or not 0 < placed <= now_ms:
        raise PartialOrderError("orderDate must be epoch milliseconds, not in the future")
    status = partial.get("status", "Created")
    if status not in ORDER_STATUSES:
        raise PartialOrderError(f"status must be one of {', '.join(ORDER_STATUSES)}")
    order = generator.make(placed, now_ms, "Created")
    if "methodCode" in partial:
        if partial["methodCode"] not in METHOD_CODES:
            raise PartialOrderError(f"methodCode must be one of {', '.join(METHOD_CODES)}")
        order.method_code = partial["methodCode"]
    if "purchaseOrderId" in partial:
        wanted = partial["purchaseOrderId"]
        if not isinstance(wanted, str) or not wanted.isdigit():
            raise PartialOrderError("purchaseOrderId must be a string of digits")
        if not generator.reserve_id(wanted):
            raise PartialOrderError(f"purchaseOrderId {wanted} exists already")
        order.purchase_order_id = wanted
    if "customerOrderId" in partial:
        order.customer_order_id = _text(partial["customerOrderId"], "customerOrderId")
    _address(order, partial.get("postalAddress"))
    if "lines" in partial:
        order.lines = _lines(partial["lines"], placed, _tax_rate(order.address.state))
    settle(order, status, now_ms, generator)
    return order


def _lines(given: Any, placed_ms: int, tax_rate: int) -> list[Line]:
    if not isinstance(given, list) or not given:
        raise PartialOrderError("lines must be a non-empty list")
    lines: list[Line] = []
    for index, entry in enumerate(given, start=1):
        where = f"lines[{index - 1}]"
        if not isinstance(entry, dict):
            raise PartialOrderError(f"{where} must be an object")
        _known(entry, LINE_FIELDS, where)
        units = entry.get("quantity", 1)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise PartialOrderError(f"{where}.quantity must be a whole number >= 1")
        number = _text(entry.get("lineNumber", str(index)), f"{where}.lineNumber")
        if any(line.line_number == number for line in lines):
            raise PartialOrderError(f"{where}.lineNumber {number} is used twice")
        price = _cents(entry.get("unitPrice", "19.99"), f"{where}.unitPrice") * units
        shipping = _cents(entry.get("shipping", 0), f"{where}.shipping")
        lines.append(
            Line(
                line_number=number,
                sku=_text(entry.get("sku", f"SANDBOX-SKU-{index}"), f"{where}.sku"),
                product_name=_text(
                    entry.get("productName", f"Sandbox product {index}"), f"{where}.productName"
                ),
                quantity=units,
                product=price,
                product_tax=_cents(entry["tax"], f"{where}.tax")
                if "tax" in entry
                else tax_of(price, tax_rate),
                shipping=shipping,
                shipping_tax=_cents(entry["shippingTax"], f"{where}.shippingTax")
                if "shippingTax" in entry
                else tax_of(shipping, tax_rate),
                statuses=[StatusEntry("Created", units)],
                status_ms=placed_ms,
                intent_to_cancel=entry.get("intentToCancel") is True,
            )
        )
    return lines


def _address(order: Order, given: Any) -> None:
    if given is None:
        return
    if not isinstance(given, dict):
        raise PartialOrderError("postalAddress must be an object")
    _known(given, ADDRESS_FIELDS, "postalAddress")
    address = order.address
    address.name = _text(given.get("name", address.name), "postalAddress.name")
    address.address1 = _text(given.get("address1", address.address1), "postalAddress.address1")
    if "address2" in given:
        address.address2 = _text(given["address2"], "postalAddress.address2")
    address.city = _text(given.get("city", address.city), "postalAddress.city")
    address.state = _text(given.get("state", address.state), "postalAddress.state")
    address.postal_code = _text(
        given.get("postalCode", address.postal_code), "postalAddress.postalCode"
    )


def _tax_rate(state: str) -> int:
    return next((place.tax_rate_per_100k for place in PLACES if place.state == state), 0)


def _known(given: dict[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(set(given) - known)
    if unknown:
        raise PartialOrderError(f"{where}: unknown field(s) {unknown}; known: {sorted(known)}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PartialOrderError(f"{where} must be a non-empty string")
    return value


def _cents(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PartialOrderError(f"{where} must be an amount in dollars")
    try:
        dollars = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise PartialOrderError(f"{where} must be an amount in dollars") from None
    scaled = dollars * 100
    if not scaled.is_finite() or scaled != scaled.to_integral_value() or scaled < 0:
        raise PartialOrderError(f"{where} must be a non-negative amount with two decimals")
    return int(scaled)
