"""The canonical order document every export target hands to the OMS, and its encoding.

The document is versioned by its ``schema`` field; its JSON Schema ships beside this module
in ``schemas/order-v1.json``. Amounts travel as decimal strings with their currency, moments
as ISO-8601 UTC with a ``Z``, so no OMS has to guess at floats or time zones.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, StoredOrder

SCHEMA_NAME = "orderbridge.order/v1"
# A document without ``event`` is the order's export; a notice about an order the OMS
# has already carries the event that happened.
EXPORTED_EVENT = "order.exported"
CANCELLED_EVENT = "order.cancelled"
SCHEMA_RESOURCE = "order-v1.json"


def order_document(order: StoredOrder) -> dict[str, Any]:
    """The ``orderbridge.order/v1`` document of one stored order (deterministic for equal input)."""
    snapshot = order.snapshot
    currency = snapshot.currency
    return {
        "schema": SCHEMA_NAME,
        "orderbridge_id": order.id,
        "connection_id": order.connection_id,
        "connection": order.connection_name,
        "channel": order.channel,
        "external_order_id": snapshot.external_id,
        "marketplace_ids": list(snapshot.marketplace_ids),
        "purchased_at": utc_timestamp(snapshot.purchased_at),
        "last_updated_at": utc_timestamp(snapshot.last_updated_at),
        "latest_ship_at": (
            utc_timestamp(snapshot.latest_ship_at) if snapshot.latest_ship_at else None
        ),
        "marketplace_status": snapshot.marketplace_status,
        "order_status": snapshot.status.value,
        "fulfillment_channel": snapshot.fulfillment_channel,
        "currency": currency,
        "buyer": _buyer(snapshot.buyer),
        "shipping_address": (
            _address(snapshot.shipping_address) if snapshot.shipping_address else None
        ),
        "lines": [_line(line) for line in snapshot.lines],
        "totals": _totals(snapshot.lines, currency),
    }


def encode_document(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON with sorted keys: the exact bytes that are signed and sent."""
    return json.dumps(
        document, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    ).encode("utf-8")


def order_schema() -> dict[str, Any]:
    """The JSON Schema of the v1 document, as shipped in the package."""
    folder = resources.files("orderbridge.oms").joinpath("schemas")
    text = folder.joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def utc_timestamp(moment: datetime) -> str:
    """ISO-8601 in UTC ending in ``Z``; sub-seconds only when the source had them."""
    if moment.utcoffset() is None:
        # OrderSnapshot refuses naive datetimes; guessing a zone here would shift orders silently.
        raise ValueError(f"naive datetime {moment!r} cannot be exported")
    text = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    return f"{text}Z"


def money_value(money: Money) -> dict[str, str]:
    """``{"amount": "12.50", "currency": "EUR"}``, padded to the currency's minor unit.

    Padding never rounds: an amount finer than the minor unit (a tax share of 0.005)
    keeps all its digits, because the OMS must receive exactly what the marketplace sent.
    """
    padded = money.quantized()
    amount = padded.amount if padded.amount == money.amount else money.amount
    return {"amount": format(amount, "f"), "currency": money.currency}


def _buyer(buyer: Buyer) -> dict[str, str | None]:
    return {"name": buyer.name, "email": buyer.email, "company": buyer.company}


def _address(address: Address) -> dict[str, str | None]:
    return {
        "name": address.name,
        "company": address.company,
        "line1": address.line1,
        "line2": address.line2,
        "line3": address.line3,
        "city": address.city,
        "postal_code": address.postal_code,
        "state_or_region": address.state_or_region,
        "country_code": address.country_code,
        "phone": address.phone,
    }


def _line(line: OrderLine) -> dict[str, Any]:
    return {
        "external_line_id": line.external_line_id,
        "sku": line.sku,
        "asin": line.asin,
        "title": line.title,
        "quantity_ordered": line.quantity_ordered,
        "quantity_shipped": line.quantity_shipped,
        "quantity_cancelled": line.quantity_cancelled,
        "item_price": money_value(line.item_price),
        "item_tax": money_value(line.item_tax),
        "shipping_price": money_value(line.shipping_price),
        "shipping_tax": money_value(line.shipping_tax),
        "discount": money_value(line.discount),
        "total": money_value(line.total),
    }


def _totals(lines: tuple[OrderLine, ...], currency: str) -> dict[str, Any]:
    items = item_tax = shipping = shipping_tax = discount = total = Money.zero(currency)
    for line in lines:
        items = items + line.item_price
        item_tax = item_tax + line.item_tax
        shipping = shipping + line.shipping_price
        shipping_tax = shipping_tax + line.shipping_tax
        discount = discount + line.discount
        total = total + line.total
    return {
        "quantity_ordered": sum(line.quantity_ordered for line in lines),
        "quantity_shipped": sum(line.quantity_shipped for line in lines),
        "items": money_value(items),
        "item_tax": money_value(item_tax),
        "shipping": money_value(shipping),
        "shipping_tax": money_value(shipping_tax),
        "discount": money_value(discount),
        "total": money_value(total),
    }
