"""The Post-Order API's cancellation subset, modelled from eBay's reference pages.

eBay publishes no OpenAPI file for the Post-Order API, so these shapes follow its
documentation pages (CreateCancelRequest, OrderEligibilityResult, GetCancelDetailResponse,
CancelStateEnum, CancelStatusEnum, EligibilityFailureReasonEnum); the error ids in its
refusals are the simulator's own (91xx).

- ``POST /post-order/v2/cancellation/check_eligibility`` ``{legacyOrderId}`` → 200
  ``{legacyOrderId, eligible, eligibleCancelReason[] | failureReason[],
  itemEligibilityResult[]}``.
- ``POST /post-order/v2/cancellation`` ``{legacyOrderId, cancelReason, buyerPaid,
  buyerPaidDate{value}}`` → 201 ``{cancelId}``; an order that is not eligible → 200
  ``{orderEligibilityResult}`` without ``cancelId``.
- ``GET /post-order/v2/cancellation/{cancelId}`` → ``{cancelDetail: {cancelId,
  legacyOrderId, marketplaceId, requestorType, cancelReason, cancelState, cancelStatus,
  cancelRequestDate{value}, cancelCloseDate?{value}}}``.
- ``POST /post-order/v2/cancellation/{cancelId}/approve`` → 200, for a buyer's request.

A seller's cancellation is ``CANCEL_PENDING`` while eBay refunds the buyer, then
``CLOSED`` with ``CANCEL_CLOSED_WITH_REFUND`` (``CANCEL_CLOSED_FOR_COMMITMENT`` unpaid).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.ebay.errors import POST_ORDER, EbayApiError
from orderbridge.sandbox.ebay.lifecycle import (
    SELLER_CANCEL_REASONS,
    approve,
    eligibility_failures,
    start_cancellation,
)
from orderbridge.sandbox.ebay.pipeline import ANY_SCOPE, Answer, read_json_object, run_operation
from orderbridge.sandbox.ebay.records import Cancellation, Order
from orderbridge.sandbox.ebay.views import iso

if TYPE_CHECKING:
    from orderbridge.sandbox.ebay.state import EbaySimulator

CANCELLATIONS_PATH = "/post-order/v2/cancellation"
ELIGIBILITY_PATH = "/post-order/v2/cancellation/check_eligibility"
CANCELLATION_PATH = "/post-order/v2/cancellation/{cancelId}"
APPROVE_PATH = "/post-order/v2/cancellation/{cancelId}/approve"


def _refused(status: int, error_id: int, message: str, detail: str | None = None) -> EbayApiError:
    return EbayApiError(status, error_id, message, domain=POST_ORDER, long_message=detail)


async def check_eligibility(request: Request) -> Response:
    return await run_operation(
        request, "checkCancellationEligibility", _eligibility, scopes=ANY_SCOPE, post_order=True
    )


async def create_cancellation(request: Request) -> Response:
    return await run_operation(
        request, "createCancellation", _create, scopes=ANY_SCOPE, write=True, post_order=True
    )


async def get_cancellation(request: Request) -> Response:
    return await run_operation(
        request, "getCancellation", _detail, scopes=ANY_SCOPE, post_order=True
    )


async def approve_cancellation(request: Request) -> Response:
    return await run_operation(
        request, "approveCancellation", _approve, scopes=ANY_SCOPE, write=True, post_order=True
    )


def _order_of(simulator: EbaySimulator, body: dict[str, Any]) -> tuple[str, Order | None]:
    order_id = body.get("legacyOrderId")
    if not isinstance(order_id, str) or not order_id.strip():
        raise _refused(400, 9101, "legacyOrderId is required")
    return order_id, simulator.store.get(order_id.strip())


def eligibility(order_id: str, order: Order | None, now: float) -> dict[str, Any]:
    failures = ["INVALID_ORDER"] if order is None else eligibility_failures(order, now)
    result: dict[str, Any] = {"legacyOrderId": order_id, "eligible": not failures}
    if failures:
        result["failureReason"] = failures
    else:
        result["eligibleCancelReason"] = sorted(SELLER_CANCEL_REASONS)
    if order is not None:
        result["itemEligibilityResult"] = [
            {
                "itemId": line.legacy_item_id,
                "transactionId": line.line_item_id,
                "eligible": order.shipped(line.line_item_id) == 0 and not failures,
            }
            for line in order.lines
        ]
    return result


async def _eligibility(simulator: EbaySimulator, request: Request) -> Answer:
    order_id, order = _order_of(simulator, await read_json_object(request))
    return Answer(200, eligibility(order_id, order, simulator.clock.timestamp()))


async def _create(simulator: EbaySimulator, request: Request) -> Answer:
    body = await read_json_object(request)
    order_id, order = _order_of(simulator, body)
    reason = body.get("cancelReason")
    if reason not in SELLER_CANCEL_REASONS:
        raise _refused(
            400,
            9102,
            "Invalid cancelReason",
            f"A seller cancels with one of {', '.join(sorted(SELLER_CANCEL_REASONS))}.",
        )
    if not isinstance(body.get("buyerPaid", False), bool):
        raise _refused(400, 9103, "buyerPaid must be true or false")
    now = simulator.clock.timestamp()
    result = eligibility(order_id, order, now)
    if order is None or not result["eligible"]:
        return Answer(200, {"orderEligibilityResult": result})
    processing = simulator.settings.processing_seconds(simulator.settings.cancel_processing_seconds)
    cancellation = start_cancellation(
        order,
        initiator="SELLER",
        reason=str(reason),
        now=now,
        processing=processing,
        ids=simulator.ids,
    )
    return Answer(201, {"cancelId": cancellation.cancel_id})


def _find(simulator: EbaySimulator, cancel_id: str) -> tuple[Order, Cancellation]:
    for order in simulator.store:
        for cancellation in order.cancellations:
            if cancellation.cancel_id == cancel_id:
                return order, cancellation
    raise _refused(404, 9104, "No such cancellation", f"No cancellation {cancel_id}.")


def cancel_detail(order: Order, cancellation: Cancellation) -> dict[str, Any]:
    state, status = _state_and_status(order, cancellation)
    detail: dict[str, Any] = {
        "cancelId": cancellation.cancel_id,
        "legacyOrderId": order.order_id,
        "marketplaceId": order.marketplace_id,
        "requestorType": cancellation.initiator,
        "cancelReason": cancellation.reason,
        "cancelState": state,
        "cancelStatus": status,
        "cancelRequestDate": {"value": iso(cancellation.requested_at)},
    }
    if cancellation.closed_at is not None:
        detail["cancelCloseDate"] = {"value": iso(cancellation.closed_at)}
    return detail


def _state_and_status(order: Order, cancellation: Cancellation) -> tuple[str, str]:
    if cancellation.state == "REQUESTED":
        return "APPROVAL_PENDING", "CANCEL_REQUESTED"
    if cancellation.state == "PENDING":
        return ("REFUND_PENDING" if cancellation.buyer_paid else "INITIAL"), "CANCEL_PENDING"
    if cancellation.state == "REJECTED":
        return "CLOSED", "CANCEL_REJECTED"
    if not cancellation.buyer_paid:
        return "CLOSED", "CANCEL_CLOSED_FOR_COMMITMENT"
    return "CLOSED", "CANCEL_CLOSED_WITH_REFUND"


async def _detail(simulator: EbaySimulator, request: Request) -> Answer:
    order, cancellation = _find(simulator, request.path_params["cancelId"])
    return Answer(200, {"cancelDetail": cancel_detail(order, cancellation)})


async def _approve(simulator: EbaySimulator, request: Request) -> Answer:
    order, cancellation = _find(simulator, request.path_params["cancelId"])
    if cancellation.state != "REQUESTED" or cancellation.initiator != "BUYER":
        raise _refused(
            400,
            9105,
            "Not awaiting the seller's approval",
            f"Cancellation {cancellation.cancel_id} is not waiting for the seller.",
        )
    now = simulator.clock.timestamp()
    processing = simulator.settings.processing_seconds(simulator.settings.cancel_processing_seconds)
    approve(order, cancellation, now, processing, simulator.ids)
    return Answer(200, None)
