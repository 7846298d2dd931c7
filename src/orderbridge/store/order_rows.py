"""Conversions between OrderSnapshot and table rows, in both directions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping

from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, OrderSnapshot, StoredOrder
from orderbridge.domain.states import OrderStatus

AMOUNT_SCALE = Decimal("0.0001")


def order_values(snapshot: OrderSnapshot) -> dict[str, Any]:
    """Columns of ``orders`` that come from the marketplace (not orderbridge's own states)."""
    return {
        "marketplace_ids": list(snapshot.marketplace_ids),
        "purchased_at": snapshot.purchased_at,
        "last_updated_at": snapshot.last_updated_at,
        "latest_ship_at": snapshot.latest_ship_at,
        "marketplace_status": snapshot.marketplace_status,
        "currency": snapshot.currency,
        "total_amount": snapshot.total.amount,
        "buyer": _compact(snapshot.buyer),
        "shipping_address": (
            _compact(snapshot.shipping_address) if snapshot.shipping_address else None
        ),
        "fulfillment_channel": snapshot.fulfillment_channel,
        "raw": snapshot.raw,
    }


def line_values(order_id: int, line: OrderLine) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "external_line_id": line.external_line_id,
        "sku": line.sku,
        "title": line.title,
        "asin": line.asin,
        "quantity_ordered": line.quantity_ordered,
        "quantity_shipped": line.quantity_shipped,
        "quantity_cancelled": line.quantity_cancelled,
        "item_price": line.item_price.amount,
        "item_tax": line.item_tax.amount,
        "shipping_price": line.shipping_price.amount,
        "shipping_tax": line.shipping_tax.amount,
        "discount": line.discount.amount,
    }


def comparable(snapshot: OrderSnapshot) -> dict[str, Any]:
    """The facts whose change a user wants in the timeline, as JSON-safe values."""
    facts: dict[str, Any] = {
        "marketplace_status": snapshot.marketplace_status,
        "status": snapshot.status.value,
        "latest_ship_at": _iso(snapshot.latest_ship_at),
        "total": _amount_text(snapshot.total.amount),
        "buyer": _compact(snapshot.buyer),
        "shipping_address": (
            _compact(snapshot.shipping_address) if snapshot.shipping_address else None
        ),
    }
    for line in snapshot.lines:
        key = f"line {line.external_line_id}"
        facts[key] = {
            "sku": line.sku,
            "quantity_ordered": line.quantity_ordered,
            "quantity_shipped": line.quantity_shipped,
            "quantity_cancelled": line.quantity_cancelled,
            "total": _amount_text(line.total.amount),
        }
    return facts


def comparable_from_rows(order: RowMapping, lines: list[RowMapping]) -> dict[str, Any]:
    return comparable(snapshot_from_rows(order, lines))


def snapshot_from_rows(order: RowMapping, lines: list[RowMapping]) -> OrderSnapshot:
    currency = order["currency"]

    def money(value: Decimal) -> Money:
        return Money(value, currency)

    address = order["shipping_address"]
    return OrderSnapshot(
        external_id=order["external_id"],
        marketplace_ids=tuple(order["marketplace_ids"]),
        purchased_at=order["purchased_at"],
        last_updated_at=order["last_updated_at"],
        latest_ship_at=order["latest_ship_at"],
        marketplace_status=order["marketplace_status"],
        status=OrderStatus(order["status"]),
        currency=currency,
        buyer=Buyer(**order["buyer"]),
        shipping_address=Address(**address) if address else None,
        lines=tuple(
            OrderLine(
                external_line_id=line["external_line_id"],
                sku=line["sku"],
                title=line["title"],
                asin=line["asin"],
                quantity_ordered=line["quantity_ordered"],
                quantity_shipped=line["quantity_shipped"],
                quantity_cancelled=line["quantity_cancelled"],
                item_price=money(line["item_price"]),
                item_tax=money(line["item_tax"]),
                shipping_price=money(line["shipping_price"]),
                shipping_tax=money(line["shipping_tax"]),
                discount=money(line["discount"]),
            )
            for line in lines
        ),
        fulfillment_channel=order["fulfillment_channel"],
        raw=order["raw"],
    )


def stored_order(
    order: RowMapping, lines: list[RowMapping], connection_name: str, channel: str
) -> StoredOrder:
    return StoredOrder(
        id=order["id"],
        connection_id=order["connection_id"],
        connection_name=connection_name,
        channel=channel,
        snapshot=snapshot_from_rows(order, lines),
        import_status=order["import_status"],
        export_status=order["export_status"],
        created_at=order["created_at"],
        updated_at=order["updated_at"],
    )


def _amount_text(amount: Decimal) -> str:
    # PostgreSQL hands back NUMERIC(18,4) with four places, SQLite the text as written;
    # comparing at the column's scale keeps "19.99" and "19.9900" the same amount.
    return str(amount.quantize(AMOUNT_SCALE))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _compact(value: Buyer | Address) -> dict[str, Any]:
    """The set fields of a slotted dataclass; ``dataclasses.asdict`` deep-copies and is slow."""
    fields = (getattr(value, name) for name in value.__slots__)
    return {
        name: item for name, item in zip(value.__slots__, fields, strict=True) if item is not None
    }
