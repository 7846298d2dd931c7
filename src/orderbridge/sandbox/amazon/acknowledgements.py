"""`POST_ORDER_ACKNOWLEDGEMENT_DATA` messages: acknowledge an order, or cancel it or items.

Payload `OrderAcknowledgement{AmazonOrderID, MerchantOrderID?, StatusCode Success|Failure,
Item*{AmazonOrderItemCode, MerchantOrderItemID?, CancelReason?}}`.

- Success acknowledges the order; a MerchantOrderID becomes the order's SELLER_ORDER_ID alias.
- Failure cancels: the listed items' unshipped units, or every item when none is listed.
  Cancelled items carry `cancellationExecution{cancelledBy MERCHANT, cancelReason}`; when no
  unit is left open and none shipped the order is CANCELLED, and lastUpdatedTime moves.
  Units already cancelled give 18028 when nothing is left to cancel; a listed item whose units
  all shipped gives 18029, as does a whole-order cancellation once anything shipped.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from orderbridge.sandbox.amazon.feed_context import FeedContext, find_item
from orderbridge.sandbox.amazon.feed_results import (
    ALREADY_CANCELLED,
    ALREADY_SHIPPED,
    INVALID_MESSAGE,
    MessageError,
)
from orderbridge.sandbox.amazon.feed_vocabulary import CANCEL_REASONS
from orderbridge.sandbox.amazon.lifecycle import derived_status
from orderbridge.sandbox.amazon.records import Item, Order
from orderbridge.sandbox.amazon.xml_fields import check_children, optional_text, required_text

MESSAGE_TYPE = "OrderAcknowledgement"
_FIELDS = ("AmazonOrderID", "MerchantOrderID", "StatusCode", "Item")
_ITEM_FIELDS = ("AmazonOrderItemCode", "MerchantOrderItemID", "CancelReason")
_NOT_YET_PAYABLE = frozenset({"PENDING", "PENDING_AVAILABILITY"})


def order_id_of(payload: Element) -> str | None:
    return optional_text(payload, "AmazonOrderID", MESSAGE_TYPE)


def apply_acknowledgement(payload: Element, context: FeedContext) -> None:
    check_children(payload, _FIELDS, MESSAGE_TYPE)
    order_id = required_text(payload, "AmazonOrderID", MESSAGE_TYPE)
    try:
        _apply(payload, order_id, context)
    except MessageError as error:
        error.order_id = error.order_id or order_id
        raise


def _apply(payload: Element, order_id: str, context: FeedContext) -> None:
    merchant_order_id = optional_text(payload, "MerchantOrderID", MESSAGE_TYPE)
    status_code = required_text(payload, "StatusCode", MESSAGE_TYPE)
    if status_code not in ("Success", "Failure"):
        raise MessageError(
            INVALID_MESSAGE, f"StatusCode must be Success or Failure, not {status_code!r}."
        )
    lines = [_line(element, index) for index, element in enumerate(payload.findall("Item"))]
    order = context.order(order_id)
    listed = [(find_item(order, item_id), reason) for item_id, reason in lines]
    if len({item.order_item_id for item, _ in listed}) != len(listed):
        raise MessageError(INVALID_MESSAGE, "An AmazonOrderItemCode is listed more than once.")
    if order.fulfilled_by != "MERCHANT":
        raise MessageError(
            INVALID_MESSAGE,
            f"Order {order_id} is fulfilled by Amazon; it takes no acknowledgement.",
        )
    if order.status in _NOT_YET_PAYABLE:
        raise MessageError(
            INVALID_MESSAGE,
            f"Order {order_id} is {order.status}: it can be acknowledged or cancelled only "
            "once payment is authorized.",
        )
    if status_code == "Success":
        if any(reason for _, reason in listed):
            raise MessageError(INVALID_MESSAGE, "CancelReason only goes with StatusCode Failure.")
    else:
        _cancel(order, listed)
        context.touch(order)
    order.acknowledged = True
    if merchant_order_id is not None:
        order.seller_order_id = merchant_order_id


def _line(element: Element, index: int) -> tuple[str, str | None]:
    where = f"{MESSAGE_TYPE}/Item[{index + 1}]"
    check_children(element, _ITEM_FIELDS, where)
    item_id = required_text(element, "AmazonOrderItemCode", where)
    reason = optional_text(element, "CancelReason", where)
    if reason is not None and reason not in CANCEL_REASONS:
        raise MessageError(
            INVALID_MESSAGE,
            f"{where}/CancelReason {reason!r} is not one of {', '.join(sorted(CANCEL_REASONS))}.",
        )
    return item_id, reason


def _cancel(order: Order, listed: list[tuple[Item, str | None]]) -> None:
    whole_order = not listed
    targets = listed or [(item, None) for item in order.items]
    if whole_order and order.units_shipped:
        raise MessageError(
            ALREADY_SHIPPED,
            f"Order {order.order_id} has shipped units and cannot be cancelled as a whole; "
            "list the unshipped items to cancel them.",
        )
    shipped = [item.order_item_id for item, _ in targets if item.quantity_shipped == item.quantity]
    if shipped:
        raise MessageError(
            ALREADY_SHIPPED,
            f"Item(s) {', '.join(shipped)} of order {order.order_id} have shipped and cannot be "
            "cancelled.",
        )
    open_targets = [(item, reason) for item, reason in targets if item.quantity_open > 0]
    if not open_targets:
        what = (
            f"Order {order.order_id} is"
            if whole_order
            else f"Item(s) {', '.join(i.order_item_id for i, _ in targets)} of order "
            f"{order.order_id} are"
        )
        raise MessageError(ALREADY_CANCELLED, f"{what} already cancelled; nothing was changed.")
    for item, reason in open_targets:
        item.quantity_cancelled += item.quantity_open
        item.cancelled_by = "MERCHANT"
        item.cancel_reason = reason
    order.status = derived_status(order)
    if order.status == "CANCELLED":
        order.cancelled_by = "MERCHANT"
        order.cancel_reason = next((reason for _, reason in open_targets if reason), None)
