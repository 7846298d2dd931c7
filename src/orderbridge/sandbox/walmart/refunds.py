"""`POST /v3/orders/{purchaseOrderId}/refund`: money given back on shipped order lines.

The body is `{"orderRefund": {purchaseOrderId, orderLines: {orderLine: [{lineNumber,
isFullRefund?, refunds: {refund: [{refundComments?, refundCharges: {refundCharge:
[{refundReason, charge: {chargeType, chargeName, chargeAmount, tax?}}]}}]}}]}}}`. As
Walmart documents it: only lines with shipped units; amounts negative (a charge may give
back only its tax, but nothing may be positive and something must be negative); what is
refunded on a charge type, over all refunds, not more than was charged (amount and tax
apart); the purchase order id equal to the path's; and the lines of one request either
all full or all partial refunds. A full refund must give back everything the line was
charged and come first. The whole request is checked before anything changes.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from typing import Any

from orderbridge.sandbox.walmart import lifecycle
from orderbridge.sandbox.walmart.errors import invalid_content
from orderbridge.sandbox.walmart.records import Line, Order, Refund, RefundCharge
from orderbridge.sandbox.walmart.request_fields import (
    cents,
    entries,
    obj,
    optional_text,
    required_text,
)
from orderbridge.sandbox.walmart.views import CURRENCY

# The refundReason enum of the Orders API.
REASONS = (
    *("BillingError", "TaxExemptCustomer", "ItemNotAsAdvertised", "IncorrectItemReceived"),
    *("CancelledYetShipped", "ItemNotReceivedByCustomer", "IncorrectShippingPrice"),
    *("DamagedItem", "DefectiveItem", "CustomerChangedMind", "CustomerReceivedItemLate"),
    *("Missing Parts / Instructions", "Finance -> Goodwill", "Finance -> Rollback"),
    *("Buyer canceled", "Customer returned item", "General adjustment"),
    *("Merchandise not received", "Quality -> Missing Parts / Instructions"),
    *("Shipping & Delivery -> Damaged", "Shipping & Delivery -> Shipping Price Discrepancy"),
    "Others",
)
CHARGE_TYPES = ("PRODUCT", "SHIPPING")


def apply_refund(order: Order, body: dict[str, Any], path_id: str, now_ms: int) -> None:
    if body.get("purchaseOrderId") != path_id:
        raise invalid_content(
            "orderRefund.purchaseOrderId must be the purchase order of the path.",
            "purchaseOrderId",
        )
    where = "orderRefund.orderLines.orderLine"
    lines = entries(obj(body, "orderLines", "orderLines"), "orderLine", where)
    kinds = [line.get("isFullRefund", False) for line in lines]
    if any(not isinstance(kind, bool) for kind in kinds):
        raise invalid_content("isFullRefund must be true or false.", "isFullRefund")
    if len(set(kinds)) > 1:
        raise invalid_content(
            "All order lines of one request must be either full or partial refunds.",
            "isFullRefund",
        )
    full = bool(kinds[0])
    plan: list[tuple[Line, Refund]] = []
    for index, entry in enumerate(lines):
        path = f"{where}[{index}]"
        number = required_text(entry, "lineNumber", f"{path}.lineNumber")
        line = order.line(number)
        if line is None:
            raise invalid_content(f"Order line {number} is not found in this order.", "lineNumber")
        if not line.shipped_units:
            raise invalid_content(
                f"Line {number} is not shipped: only shipped lines can be refunded.", "lineNumber"
            )
        for position, asked in enumerate(
            entries(obj(entry, "refunds", f"{path}.refunds"), "refund", f"{path}.refunds.refund")
        ):
            plan.append((line, _refund(asked, f"{path}.refunds.refund[{position}]")))
    _check_amounts(plan, full)
    for line, given in plan:
        lifecycle.refund(line, given, now_ms)


def _refund(refund: dict[str, Any], path: str) -> Refund:
    comments = optional_text(refund, "refundComments", f"{path}.refundComments")
    charges = []
    for index, entry in enumerate(
        entries(
            obj(refund, "refundCharges", f"{path}.refundCharges"),
            "refundCharge",
            f"{path}.refundCharges.refundCharge",
        )
    ):
        cpath = f"{path}.refundCharges.refundCharge[{index}]"
        reason = entry.get("refundReason")
        if reason not in REASONS:
            raise invalid_content(f"{cpath}.refundReason is not a valid reason.", "refundReason")
        charge = obj(entry, "charge", f"{cpath}.charge")
        kind = charge.get("chargeType")
        if kind not in CHARGE_TYPES:
            raise invalid_content(
                f"{cpath}.charge.chargeType must be PRODUCT or SHIPPING.", "chargeType"
            )
        amount = _amount(charge, "chargeAmount", f"{cpath}.charge.chargeAmount")
        tax_name, tax = None, 0
        if charge.get("tax") is not None:
            tax_object = obj(charge, "tax", f"{cpath}.charge.tax")
            tax_name = required_text(tax_object, "taxName", f"{cpath}.charge.tax.taxName")
            tax = _amount(tax_object, "taxAmount", f"{cpath}.charge.tax.taxAmount")
        if amount > 0 or tax > 0 or amount + tax == 0:
            raise invalid_content(f"{cpath}: refund amounts must be negative.", "chargeAmount")
        charges.append(
            RefundCharge(
                reason=str(reason),
                charge_type=str(kind),
                charge_name=required_text(charge, "chargeName", f"{cpath}.charge.chargeName"),
                amount=amount,
                tax_name=tax_name,
                tax=tax,
            )
        )
    return Refund("R" + secrets.token_hex(6).upper(), comments, charges)


def _amount(parent: dict[str, Any], key: str, path: str) -> int:
    value = obj(parent, key, path)
    if value.get("currency") != CURRENCY:
        raise invalid_content(f"{path}.currency must be {CURRENCY}, the order's currency.", path)
    return cents(value.get("amount"), f"{path}.amount")


def _check_amounts(plan: list[tuple[Line, Refund]], full: bool) -> None:
    asked: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    lines: dict[str, Line] = {}
    for line, refund in plan:
        lines[line.line_number] = line
        for charge in refund.charges:
            held = asked[(line.line_number, charge.charge_type)]
            held[0] -= charge.amount
            held[1] -= charge.tax
    for number, line in lines.items():
        charged = {
            "PRODUCT": (line.product, line.product_tax),
            "SHIPPING": (line.shipping, line.shipping_tax),
        }
        for kind, (amount, tax) in charged.items():
            given_amount, given_tax = line.refunded(kind)
            new_amount, new_tax = asked.get((number, kind), [0, 0])
            if given_amount + new_amount > amount or given_tax + new_tax > tax:
                raise invalid_content(
                    f"The refund of line {number} ({kind}) is more than was charged.",
                    "chargeAmount",
                )
            if full and (given_amount or given_tax or (new_amount, new_tax) != (amount, tax)):
                raise invalid_content(
                    f"A full refund of line {number} must give back all of its {kind} charge, "
                    "and nothing may have been refunded before.",
                    "isFullRefund",
                )
