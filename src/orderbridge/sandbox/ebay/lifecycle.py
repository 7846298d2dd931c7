"""How an order changes over time: refunds and cancellations settling, and the changes a
buyer or eBay makes that the control API can trigger.

Refunds and approved cancellations take ``processing_seconds``; nothing runs in the
background: before each call the simulator settles every change that is due by its clock,
dated when it was due, so any read at time T sees exactly what eBay would show at T.
"""

from __future__ import annotations

from decimal import Decimal

from orderbridge.sandbox.ebay.ids import IdSource
from orderbridge.sandbox.ebay.records import Cancellation, Fulfillment, Order, Refund

SELLER_CANCEL_REASONS = frozenset(
    {"ADDRESS_ISSUES", "BUYER_ASKED_CANCEL", "ORDER_UNPAID", "OUT_OF_STOCK_OR_CANNOT_FULFILL"}
)
BUYER_CANCEL_REASONS = frozenset(
    {"ORDER_MISTAKE", "FOUND_CHEAPER_PRICE", "WONT_ARRIVE_IN_TIME", "WRONG_SHIPPING_ADDRESS"}
)
# How long after the sale a seller may still cancel an unshipped order.
CANCEL_WINDOW_SECONDS = 30 * 86400


def touch(order: Order, moment: float) -> None:
    order.last_modified = max(order.last_modified, moment)


def settle(order: Order, now: float, ids: IdSource) -> None:
    """Apply every refund and cancellation step that is due by ``now``."""
    for refund in order.refunds:
        if refund.status == "PENDING" and refund.settles_at <= now:
            refund.status = "FAILED" if refund.will_fail else "REFUNDED"
            if refund.status == "REFUNDED":
                refund.reference_id = ids.refund_reference()
            touch(order, refund.settles_at)
    for cancellation in order.cancellations:
        due = cancellation.settles_at
        if cancellation.state == "PENDING" and due is not None and due <= now:
            close(order, cancellation, due, ids)


def close(order: Order, cancellation: Cancellation, moment: float, ids: IdSource) -> None:
    """The cancellation completes; a paid order gets everything still held given back."""
    cancellation.state = "CLOSED"
    cancellation.closed_at = moment
    touch(order, moment)
    if order.paid_at is None:
        return
    remaining: dict[str | None, Decimal] = {}
    for line in order.lines:
        left = line.seller_total - order.refunded(line.line_item_id)
        if left > 0:
            remaining[line.line_item_id] = left
    if remaining:
        reason = "BUYER_CANCEL" if cancellation.initiator == "BUYER" else "SELLER_CANCEL"
        order.refunds.append(
            Refund(
                refund_id=ids.refund_id(),
                created_at=moment,
                settles_at=moment,
                amounts=remaining,
                reason=reason,
                status="REFUNDED",
                reference_id=ids.refund_reference(),
            )
        )


def eligibility_failures(order: Order, now: float) -> list[str]:
    """Why a seller cannot cancel the order now (EligibilityFailureReasonEnum values)."""
    reasons: list[str] = []
    if any(c.state != "REJECTED" for c in order.cancellations):
        reasons.append("CANCELLATION_EXIST")
    if order.fulfillments:
        # Each shipped line fails its own check, which fails the order.
        reasons.append("ITEM_LEVEL_ELIGIBILITY_FAILURE")
    if order.payment_status == "FULLY_REFUNDED":
        reasons.append("FULL_REFUNDED_ORDER")
    if now - order.created > CANCEL_WINDOW_SECONDS:
        reasons.append("CANCEL_WINDOW_ELAPSED")
    return reasons


def start_cancellation(
    order: Order,
    *,
    initiator: str,
    reason: str,
    now: float,
    processing: float,
    ids: IdSource,
    awaiting_seller: bool = False,
) -> Cancellation:
    cancellation = Cancellation(
        cancel_id=ids.cancel_id(),
        initiator=initiator,
        reason=reason,
        requested_at=now,
        state="REQUESTED" if awaiting_seller else "PENDING",
        settles_at=None if awaiting_seller else now + processing,
        buyer_paid=order.paid_at is not None,
    )
    order.cancellations.append(cancellation)
    touch(order, now)
    settle(order, now, ids)
    return cancellation


def approve(
    order: Order, cancellation: Cancellation, now: float, processing: float, ids: IdSource
) -> None:
    cancellation.state = "PENDING"
    cancellation.settles_at = now + processing
    touch(order, now)
    settle(order, now, ids)


def ship_everything(order: Order, now: float, tracking: str) -> Fulfillment | None:
    """The seller ships what is left outside orderbridge (in Seller Hub, say)."""
    lines = {
        line.line_item_id: line.quantity - order.shipped(line.line_item_id)
        for line in order.lines
        if line.quantity > order.shipped(line.line_item_id)
    }
    if not lines:
        return None
    fulfillment = Fulfillment(tracking, lines, now, order.shipping_carrier, tracking)
    order.fulfillments.append(fulfillment)
    touch(order, now)
    return fulfillment
