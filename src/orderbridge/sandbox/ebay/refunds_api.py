"""issueRefund: asynchronous refunds with the error ids the contract lists.

A refund is accepted as ``{refundId, refundStatus: PENDING}`` and settles after the
simulated processing time: ``REFUNDED`` (or ``FAILED`` when a failure was injected). One
reason per call; ``refundItems`` per line or ``orderLevelRefundAmount``. A line can give
back what its buyer paid the seller: item, shipping and discounts, not the tax eBay
collected (eBay refunds that itself).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.ebay.errors import business_error, not_found, request_error
from orderbridge.sandbox.ebay.lifecycle import touch
from orderbridge.sandbox.ebay.orders_api import ORDER_ID
from orderbridge.sandbox.ebay.pipeline import REFUND_SCOPES, Answer, read_json_object, run_operation
from orderbridge.sandbox.ebay.records import Order, Refund

if TYPE_CHECKING:
    from orderbridge.sandbox.ebay.state import EbaySimulator

REFUND_PATH = "/sell/fulfillment/v1/order/{order_id}/issue_refund"
REASONS = frozenset(
    {
        "BUYER_CANCEL",
        "SELLER_CANCEL",
        "ITEM_NOT_RECEIVED",
        "BUYER_RETURN",
        "ITEM_NOT_AS_DESCRIBED",
        "OTHER_ADJUSTMENT",
        "SHIPPING_DISCOUNT",
    }
)
_AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")
REFUND_WINDOW_SECONDS = 365 * 86400


async def issue_refund(request: Request) -> Response:
    return await run_operation(request, "issueRefund", _issue, scopes=REFUND_SCOPES, write=True)


async def _issue(simulator: EbaySimulator, request: Request) -> Answer:
    order_id = request.path_params["order_id"]
    if not order_id.strip():
        raise request_error(34901, "Order id can't be null or empty.")
    order = simulator.store.get(order_id) if ORDER_ID.match(order_id) else None
    if order is None:
        raise not_found(34913, "Can not find the order.", orderId=order_id)
    raw = await request.body()
    if not raw.strip():
        raise request_error(34902, "Request can't be empty.")
    body = await read_json_object(request)
    now = simulator.clock.timestamp()
    reason = body.get("reasonForRefund")
    if not isinstance(reason, str) or reason not in REASONS:
        raise request_error(34903, "The refund reason must be specified.")
    comment = body.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > 1000):
        raise request_error(34921, "The comment exceeds the length limit.")
    amounts = _amounts(order, body)
    _check_allowed(order, amounts, now)
    refund = Refund(
        refund_id=simulator.ids.refund_id(),
        created_at=now,
        settles_at=now
        + simulator.settings.processing_seconds(simulator.settings.refund_processing_seconds),
        amounts=amounts,
        reason=reason,
        comment=comment,
        will_fail=simulator.faults.take_refund_failure(),
    )
    order.refunds.append(refund)
    touch(order, now)
    return Answer(200, {"refundId": refund.refund_id, "refundStatus": "PENDING"})


def _amount(value: Any, currency: str) -> Decimal:
    if not isinstance(value, dict) or value.get("value") in (None, ""):
        raise request_error(34906, "The amount value must be specified.")
    text = value["value"]
    if not isinstance(text, str) or not _AMOUNT.match(text.strip()):
        raise request_error(34907, "The amount value must be positive, two decimals.")
    amount = Decimal(text.strip())
    if amount <= 0:
        raise request_error(34907, "The amount value must be positive, two decimals.")
    if not value.get("currency"):
        raise request_error(34908, "The amount currency must be specified.")
    if value["currency"] != currency:
        raise request_error(34909, "The amount currency isn't correct.")
    return amount


def _amounts(order: Order, body: dict[str, Any]) -> dict[str | None, Decimal]:
    items, whole = body.get("refundItems"), body.get("orderLevelRefundAmount")
    if (items is None) == (whole is None):
        raise request_error(34905, "Give orderLevelRefundAmount or refundItems.")
    if whole is not None:
        return {None: _amount(whole, order.currency)}
    if not isinstance(items, list) or not items:
        raise request_error(34905, "Give orderLevelRefundAmount or refundItems.")
    amounts: dict[str | None, Decimal] = {}
    for item in items:
        if not isinstance(item, dict):
            raise request_error(34910, "Give legacyReference or lineItemId.")
        line_id = item.get("lineItemId")
        legacy = item.get("legacyReference")
        if line_id is None and legacy is None:
            raise request_error(34910, "Give legacyReference or lineItemId.")
        if line_id is None:
            line_id = _by_legacy(order, legacy)
        if not isinstance(line_id, str) or order.line(line_id) is None:
            raise request_error(34914, "Can't find the item in the order.")
        try:
            amount = _amount(item.get("refundAmount"), order.currency)
        except InvalidOperation:
            raise request_error(34907, "The amount value must be positive, two decimals.") from None
        amounts[line_id] = amounts.get(line_id, Decimal(0)) + amount
    return amounts


def _by_legacy(order: Order, legacy: Any) -> str:
    if not isinstance(legacy, dict) or not legacy.get("legacyItemId"):
        raise request_error(34911, "Give the legacy item id with legacyReference.")
    if not legacy.get("legacyTransactionId"):
        raise request_error(34912, "Give the legacy transaction id too.")
    for line in order.lines:
        if line.legacy_item_id == legacy["legacyItemId"]:
            return line.line_item_id
    raise request_error(34914, "Can't find the item in the order.")


def _check_allowed(order: Order, amounts: dict[str | None, Decimal], now: float) -> None:
    if order.paid_at is None:
        raise business_error(409, 34929, "The buyer payment is not processed yet.")
    if order.payment_status == "FULLY_REFUNDED" or order.refunded() >= order.seller_total:
        raise business_error(400, 34917, "This order was already refunded.")
    if now - order.created > REFUND_WINDOW_SECONDS:
        raise business_error(400, 34920, "It's too late to issue a refund for this order.")
    if any(refund.status == "PENDING" for refund in order.refunds):
        raise request_error(34922, "Refund can't be issued while previous refund is processing.")
    total = sum(amounts.values(), Decimal(0))
    if total > order.seller_total - order.refunded():
        raise request_error(34915, "The refund amount exceeds order amount.")
    for line_id, amount in amounts.items():
        if line_id is None:
            continue
        line = order.line(line_id)
        assert line is not None
        if amount > line.seller_total - order.refunded(line_id):
            raise business_error(409, 34924, "The item refund amount exceeds the remaining.")
