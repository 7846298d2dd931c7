"""Return records → the Post-Order return shapes (ReturnSummaryType, the detail container).

Field names follow eBay's Post-Order reference pages (ReturnSummaryType,
ReturnCreationInfoType, ItemDetailType, RefundInfoType, ReturnResponseHistoryType). Amounts
are ``{value, currency}`` with the value as a decimal string, as everywhere in this
simulator, so no amount passes through a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orderbridge.sandbox.ebay.records import Order
from orderbridge.sandbox.ebay.return_records import EbayReturn
from orderbridge.sandbox.ebay.views import iso, money


def _date(moment: float) -> dict[str, str]:
    return {"value": iso(moment)}


def _total_refund(found: EbayReturn) -> dict[str, Any]:
    body: dict[str, Any] = {"estimatedRefundAmount": money(found.estimated_refund, found.currency)}
    total = found.refund_total
    if total is not None:
        body["actualRefundAmount"] = money(total, found.currency)
    return body


def render_summary(found: EbayReturn, seller: str) -> dict[str, Any]:
    creation: dict[str, Any] = {
        "item": {
            "itemId": found.item_id,
            "transactionId": found.line_item_id,
            "returnQuantity": found.quantity,
        },
        "type": "MONEY_BACK",
        "reason": found.reason,
        "reasonType": found.reason_type,
        "creationDate": _date(found.created_at),
    }
    if found.comments:
        creation["comments"] = {"content": found.comments}
    return {
        "returnId": found.return_id,
        "orderId": found.order_id,
        "buyerLoginName": found.buyer_login,
        "sellerLoginName": seller,
        "currentType": "MONEY_BACK",
        "state": found.state,
        "status": found.status,
        "creationInfo": creation,
        "sellerTotalRefund": _total_refund(found),
        "buyerTotalRefund": _total_refund(found),
    }


def _itemized(amounts: dict[str, Decimal], currency: str) -> list[dict[str, Any]]:
    return [
        {"refundFeeType": fee_type, "refundAmount": money(amount, currency)}
        for fee_type, amount in sorted(amounts.items())
    ]


def render_detail(found: EbayReturn, order: Order | None) -> dict[str, Any]:
    line = order.line(found.line_item_id) if order is not None else None
    item: dict[str, Any] = {
        "itemId": found.item_id,
        "transactionId": found.line_item_id,
        "itemTitle": found.title,
        "returnQuantity": found.quantity,
    }
    if line is not None:
        item["itemPrice"] = money(line.unit_price, found.currency)
    refund_info: dict[str, Any] = {
        "estimatedRefundDetail": {
            "itemizedRefundDetail": _itemized(
                {"PURCHASE_PRICE": found.estimated_refund}, found.currency
            ),
            "totalAmount": money(found.estimated_refund, found.currency),
        }
    }
    total = found.refund_total
    if found.refund is not None and total is not None and found.refunded_at is not None:
        refund_info["actualRefundDetail"] = {
            "actualRefund": {
                "itemizedRefundDetail": _itemized(found.refund, found.currency),
                "totalAmount": money(total, found.currency),
                "refundDate": _date(found.refunded_at),
            }
        }
    history = []
    for step in found.history:
        entry: dict[str, Any] = {
            "activity": step.activity,
            "author": step.author,
            "toState": step.to_state,
            "creationDate": _date(step.at),
        }
        if step.from_state is not None:
            entry["fromState"] = step.from_state
        if step.notes:
            entry["notes"] = step.notes
        history.append(entry)
    return {"itemDetail": item, "refundInfo": refund_info, "responseHistory": history}
