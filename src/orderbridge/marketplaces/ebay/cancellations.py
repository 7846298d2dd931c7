"""Cancellations through the Post-Order API: whole orders only.

Modelled from eBay's Post-Order reference pages (there is no OpenAPI file for it):
``POST /post-order/v2/cancellation/check_eligibility`` ``{legacyOrderId}`` answers whether
and why not; ``POST /post-order/v2/cancellation`` ``{legacyOrderId, cancelReason, buyerPaid,
buyerPaidDate}`` answers ``{cancelId}``; ``GET /post-order/v2/cancellation/{cancelId}``
answers ``{cancelDetail: {cancelState, cancelStatus, …}}``; a buyer's pending request is
approved with ``POST /post-order/v2/cancellation/{cancelId}/approve``. The order id of the
Fulfillment API is the order id these calls take as ``legacyOrderId`` (eBay unified them).

Every attempt first reads the order: a cancelled order is answered ``Applied(already)``,
a cancellation of ours still open is followed instead of asked for again (that is what
makes a retry after a lost answer safe), and a buyer's open request is approved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from orderbridge.marketplaces.ebay import capabilities as ops
from orderbridge.marketplaces.ebay.client import EbayClient
from orderbridge.marketplaces.ebay.reasons import CANCEL_REASONS
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import Applied, CancellationUpdate, Submitted, UpdateOutcome

CLOSED_DONE = frozenset(
    {
        "CANCEL_CLOSED_WITH_REFUND",
        "CANCEL_CLOSED_UNKNOWN_REFUND",
        "CANCEL_CLOSED_NO_REFUND",
        "CANCEL_CLOSED_FOR_COMMITMENT",
    }
)
REFUSED = frozenset({"CANCEL_REJECTED", "INVALID"})
# Seller cancellations of paid orders close once eBay has refunded the buyer.
FIRST_CHECK = timedelta(minutes=1)
RECHECK = timedelta(minutes=2)


def cancel_request(update: CancellationUpdate, order: Mapping[str, Any]) -> dict[str, Any]:
    """The ``CreateCancelRequest`` body for the whole order."""
    body: dict[str, Any] = {
        "legacyOrderId": update.order_external_id,
        "cancelReason": CANCEL_REASONS[update.reason],
    }
    paid_at = _paid_at(order)
    body["buyerPaid"] = paid_at is not None
    if paid_at is not None:
        body["buyerPaidDate"] = {"value": paid_at}
    return body


def open_request(order: Mapping[str, Any], initiator: str) -> str | None:
    """The id of an open cancellation request made by ``initiator`` (SELLER or BUYER)."""
    status = order.get("cancelStatus")
    requests = status.get("cancelRequests") if isinstance(status, Mapping) else None
    for request in requests if isinstance(requests, list) else []:
        if not isinstance(request, Mapping):
            continue
        made_by = str(request.get("cancelInitiator") or "").upper()
        if request.get("cancelRequestState") == "REQUESTED" and made_by == initiator:
            request_id = request.get("cancelRequestId")
            if isinstance(request_id, str) and request_id:
                return request_id
    return None


def cancelled(order: Mapping[str, Any]) -> bool:
    status = order.get("cancelStatus")
    return isinstance(status, Mapping) and status.get("cancelState") == "CANCELED"


class Cancellations:
    """Asks eBay to cancel orders and follows each cancellation until it closes."""

    def __init__(self, client: EbayClient, scale: float) -> None:
        self._client = client
        self._scale = scale

    async def cancel(self, update: CancellationUpdate, marketplace_id: str) -> UpdateOutcome:
        order_id = update.order_external_id
        if not update.whole_order:
            raise PermanentError(
                f"eBay cancels whole orders only; cancellation {update.reference} of order "
                f"{order_id} names single lines",
                operation=ops.CREATE_CANCELLATION,
            )
        order = await self._client.get_order(order_id)
        if cancelled(order):
            return Applied(already=True, detail=f"eBay shows order {order_id} cancelled")
        ours = open_request(order, "SELLER")
        if ours is not None:
            return await self._follow(ours, marketplace_id, first=False)
        buyers = open_request(order, "BUYER")
        if buyers is not None:
            # Approving twice is refused; a lost answer to the approval shows as a request
            # that no longer waits for the seller.
            if _waits_for_seller(await self._client.get_cancellation(buyers, marketplace_id)):
                await self._client.approve_cancellation(buyers, marketplace_id)
            return await self._follow(buyers, marketplace_id, first=True)
        eligibility = await self._client.cancellation_eligibility(order_id, marketplace_id)
        if eligibility.get("eligible") is not True:
            raise PermanentError(
                f"eBay will not cancel order {order_id}: {_reasons(eligibility)}",
                operation=ops.CHECK_CANCEL_ELIGIBILITY,
            )
        created = await self._client.create_cancellation(
            cancel_request(update, order), marketplace_id
        )
        cancel_id = created.get("cancelId")
        if not isinstance(cancel_id, str) or not cancel_id:
            result = created.get("orderEligibilityResult")
            raise PermanentError(
                f"eBay did not open a cancellation of order {order_id}: "
                + (_reasons(result) if isinstance(result, Mapping) else "no cancelId"),
                operation=ops.CREATE_CANCELLATION,
            )
        return await self._follow(cancel_id, marketplace_id, first=True)

    async def check(self, cancel_id: str, marketplace_id: str) -> UpdateOutcome:
        return await self._follow(cancel_id, marketplace_id, first=False)

    async def _follow(self, cancel_id: str, marketplace_id: str, *, first: bool) -> UpdateOutcome:
        answer = await self._client.get_cancellation(cancel_id, marketplace_id)
        detail = answer.get("cancelDetail")
        detail = detail if isinstance(detail, Mapping) else answer
        status = detail.get("cancelStatus")
        state = detail.get("cancelState")
        if status in CLOSED_DONE or (state == "CLOSED" and status not in REFUSED):
            return Applied(detail=cancel_id)
        if status in REFUSED:
            raise PermanentError(
                f"eBay closed cancellation {cancel_id} without cancelling ({status})",
                operation=ops.GET_CANCELLATION,
            )
        wait = FIRST_CHECK if first else RECHECK
        return Submitted(handle=cancel_id, check_after=wait / self._scale)


def _waits_for_seller(answer: Mapping[str, Any]) -> bool:
    detail = answer.get("cancelDetail")
    detail = detail if isinstance(detail, Mapping) else answer
    return detail.get("cancelStatus") == "CANCEL_REQUESTED" or (
        detail.get("cancelState") == "APPROVAL_PENDING"
    )


def _paid_at(order: Mapping[str, Any]) -> str | None:
    summary = order.get("paymentSummary")
    payments = summary.get("payments") if isinstance(summary, Mapping) else None
    for payment in payments if isinstance(payments, list) else []:
        if not isinstance(payment, Mapping):
            continue
        paid = payment.get("paymentDate")
        if payment.get("paymentStatus") == "PAID" and isinstance(paid, str) and paid:
            return paid
    return None


def _reasons(result: Mapping[str, Any]) -> str:
    reasons = result.get("failureReason")
    if isinstance(reasons, list) and reasons:
        return ", ".join(str(reason) for reason in reasons)
    return "no reason given"
