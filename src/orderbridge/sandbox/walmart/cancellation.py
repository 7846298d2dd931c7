"""`POST /v3/orders/{purchaseOrderId}/cancel`: open units of order lines to `Cancelled`.

The body is `{"orderCancellation": {"orderLines": {"orderLine": [{lineNumber,
orderLineStatuses: {orderLineStatus: [{status: "Cancelled", cancellationReason,
statusQuantity}]}}]}}}`, at most 100 lines. Only `Created` or `Acknowledged` units can be
cancelled: a shipped line cannot. The reasons are the model's enum, with its rules:
`CUSTOMER_REQUESTED_SELLER_TO_CANCEL` only on lines the customer asked to cancel, and
`SELLER_CANCEL_FRAUD_STOP_SHIPMENT` only on orders Walmart's risk team confirmed as fraud,
which never happens here. The whole request is checked before anything changes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from orderbridge.sandbox.walmart import lifecycle
from orderbridge.sandbox.walmart.errors import invalid_content
from orderbridge.sandbox.walmart.records import Line, Order
from orderbridge.sandbox.walmart.request_fields import entries, obj, quantity, required_text

MAX_LINES = 100
REASONS = (
    "CUSTOMER_REQUESTED_SELLER_TO_CANCEL",
    "SELLER_CANCEL_PRICING_ERROR",
    "SELLER_CANCEL_OUT_OF_STOCK",
    "SELLER_CANCEL_FRAUD_STOP_SHIPMENT",
    "SELLER_CANCEL_ADDRESS_NOT_SERVICEABLE",
)


def apply_cancellation(order: Order, body: dict[str, Any], now_ms: int) -> None:
    where = "orderCancellation.orderLines.orderLine"
    lines = entries(obj(body, "orderLines", "orderLines"), "orderLine", where)
    if len(lines) > MAX_LINES:
        raise invalid_content(f"At most {MAX_LINES} order lines can be cancelled at once.", where)
    plan: list[tuple[Line, int, str]] = []
    for index, entry in enumerate(lines):
        path = f"{where}[{index}]"
        number = required_text(entry, "lineNumber", f"{path}.lineNumber")
        line = order.line(number)
        if line is None:
            raise invalid_content(f"Order line {number} is not found in this order.", "lineNumber")
        statuses = entries(
            obj(entry, "orderLineStatuses", f"{path}.orderLineStatuses"),
            "orderLineStatus",
            f"{path}.orderLineStatuses.orderLineStatus",
        )
        for position, status in enumerate(statuses):
            spath = f"{path}.orderLineStatuses.orderLineStatus[{position}]"
            if status.get("status") != "Cancelled":
                raise invalid_content(f"{spath}.status must be Cancelled.", "status")
            reason = _reason(line, status.get("cancellationReason"))
            plan.append((line, quantity(status, f"{spath}.statusQuantity"), reason))
    _check_units(plan)
    for line, units, reason in plan:
        lifecycle.cancel(line, units, reason, now_ms)


def _reason(line: Line, reason: Any) -> str:
    if reason not in REASONS:
        raise invalid_content(
            f"cancellationReason must be one of {', '.join(REASONS)}.", "cancellationReason"
        )
    if reason == "CUSTOMER_REQUESTED_SELLER_TO_CANCEL" and not line.intent_to_cancel:
        raise invalid_content(
            "Cancellation reason should not be CUSTOMER_REQUESTED_SELLER_TO_CANCEL for "
            f"non intent to cancel orders (line {line.line_number}).",
            "cancellationReason",
        )
    if reason == "SELLER_CANCEL_FRAUD_STOP_SHIPMENT":
        raise invalid_content(
            "Cancellation reason should not be SELLER_CANCEL_FRAUD_STOP_SHIPMENT for non "
            "fraudulent orders; report suspected fraud to Walmart's Risk Prevention team.",
            "cancellationReason",
        )
    return str(reason)


def _check_units(plan: list[tuple[Line, int, str]]) -> None:
    asked: Counter[str] = Counter()
    lines: dict[str, Line] = {}
    for line, units, _ in plan:
        asked[line.line_number] += units
        lines[line.line_number] = line
    for number, units in asked.items():
        line = lines[number]
        if units <= line.open_units:
            continue
        if line.shipped_units:
            raise invalid_content(
                f"Line {number} is already shipped ({line.shipped_units} unit(s)) and cannot "
                "be cancelled.",
                "lineNumber",
            )
        raise invalid_content(
            f"Line {number} has {line.open_units} unit(s) left to cancel, not {units}.",
            "statusQuantity",
        )
