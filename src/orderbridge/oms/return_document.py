"""The canonical return document (``orderbridge.return/v1``) every export target hands to
the OMS; its JSON Schema ships in ``schemas/return-v1.json``.

It names the order twice, by orderbridge's id and the marketplace's, so the OMS can find
the order it already holds; amounts are decimal strings with their currency.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from orderbridge.domain.money import Money
from orderbridge.oms.document import money_value, utc_timestamp

RETURN_SCHEMA_NAME = "orderbridge.return/v1"
RETURN_SCHEMA_RESOURCE = "return-v1.json"
# The ``X-Orderbridge-Event`` a webhook sends with a return, so the OMS can route it.
RETURN_EXPORTED_EVENT = "return.exported"


def return_document(
    stored: dict[str, Any],
    lines: list[dict[str, Any]],
    *,
    order_external_id: str,
    connection_name: str,
    channel: str,
) -> dict[str, Any]:
    """The document of one stored return (its ``returns`` row and ``return_lines`` rows)."""
    currency = stored["currency"]

    def amount(value: Any) -> dict[str, str] | None:
        return money_value(Money(value, currency)) if value is not None else None

    return {
        "schema": RETURN_SCHEMA_NAME,
        "orderbridge_return_id": stored["id"],
        "orderbridge_order_id": stored["order_id"],
        "connection": connection_name,
        "channel": channel,
        "external_return_id": stored["external_id"],
        "external_order_id": order_external_id,
        "marketplace_status": stored["marketplace_status"],
        "return_status": stored["status"],
        "reason": stored["reason"],
        "requested_at": utc_timestamp(stored["requested_at"]),
        "last_updated_at": utc_timestamp(stored["last_updated_at"]),
        "currency": currency,
        "refund_amount": amount(stored["refund_amount"]),
        "lines": [
            {
                "external_line_id": line["external_line_id"],
                "order_line_id": line["order_line_external_id"],
                "sku": line["sku"],
                "quantity": line["quantity"],
                "reason": line["reason"],
                "refund_amount": amount(line["refund_amount"]),
            }
            for line in lines
        ],
    }


def return_schema() -> dict[str, Any]:
    folder = resources.files("orderbridge.oms").joinpath("schemas")
    schema: dict[str, Any] = json.loads(
        folder.joinpath(RETURN_SCHEMA_RESOURCE).read_text(encoding="utf-8")
    )
    return schema
