"""The Post-Order API's return subset, modelled from eBay's reference pages.

eBay publishes no OpenAPI file for the Post-Order API; these shapes follow its pages for
Search Returns, Get Return, Decide Return and Issue Return Refund. The error ids are the
simulator's own (92xx); eBay documents the error shape, not these ids.

- ``GET /post-order/v2/return/search`` with ``creation_date_range_from`` /
  ``creation_date_range_to`` (inclusive), ``return_state`` (ALL_OPEN, ALL_OPEN_RETURN,
  RETURN_STARTED, ITEM_SHIPPED, ITEM_DELIVERED, CLOSED), ``order_id``, ``limit`` (1..200,
  default 25) and ``offset`` (entries to skip, default 0) → ``{members: [summary],
  paginationOutput: {limit, offset, totalEntries, totalPages}}``, newest first.
- ``GET /post-order/v2/return/{returnId}`` (``fieldgroups`` FULL, the default, or
  SUMMARY) → ``{detail}`` or ``{summary}``.
- ``POST /post-order/v2/return/{returnId}/decide`` ``{decision: APPROVE | DECLINE,
  comments?: {content}}`` → 200.
- ``POST /post-order/v2/return/{returnId}/issue_refund`` ``{refundDetail:
  {itemizedRefundDetail: [{refundFeeType, refundAmount}], totalAmount}, comments?}`` →
  200 ``{refundStatus: SUCCESS}``; once per return, never above what was paid.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.ebay.errors import POST_ORDER, EbayApiError
from orderbridge.sandbox.ebay.pipeline import ANY_SCOPE, Answer, read_json_object, run_operation
from orderbridge.sandbox.ebay.return_book import (
    REFUND_FEE_TYPES,
    ReturnError,
    decide,
    refund,
)
from orderbridge.sandbox.ebay.return_records import (
    CLOSED,
    DELIVERED,
    REJECTED,
    SHIPPED,
    EbayReturn,
)
from orderbridge.sandbox.ebay.return_views import render_detail, render_summary

if TYPE_CHECKING:
    from orderbridge.sandbox.ebay.state import EbaySimulator

SEARCH_PATH = "/post-order/v2/return/search"
RETURN_PATH = "/post-order/v2/return/{returnId}"
DECIDE_PATH = "/post-order/v2/return/{returnId}/decide"
RETURN_REFUND_PATH = "/post-order/v2/return/{returnId}/issue_refund"
DEFAULT_LIMIT = 25
MAX_LIMIT = 200
RETURN_STATE_FILTERS = {
    "ALL_OPEN": lambda found: found.is_open,
    "ALL_OPEN_RETURN": lambda found: found.is_open,
    "RETURN_STARTED": lambda found: found.is_open and found.state not in (SHIPPED, DELIVERED),
    "ITEM_SHIPPED": lambda found: found.state == SHIPPED,
    "ITEM_DELIVERED": lambda found: found.state == DELIVERED,
    "CLOSED": lambda found: found.state in (CLOSED, REJECTED),
}
# Which simulator error id answers each refused rule.
_RULE_IDS = {
    "unmodelled": 9211,
    "decision": 9212,
    "state": 9213,
    "amount": 9214,
    "refunded": 9215,
}


def _refused(status: int, error_id: int, message: str, detail: str | None = None) -> EbayApiError:
    return EbayApiError(status, error_id, message, domain=POST_ORDER, long_message=detail)


def _rule_refused(error: ReturnError) -> EbayApiError:
    return EbayApiError(
        400,
        _RULE_IDS.get(error.kind, 9210),
        "The return cannot change so",
        domain=POST_ORDER,
        category="BUSINESS",
        long_message=str(error),
    )


async def search_returns(request: Request) -> Response:
    return await run_operation(request, "searchReturns", _search, scopes=ANY_SCOPE, post_order=True)


async def get_return(request: Request) -> Response:
    return await run_operation(request, "getReturn", _get, scopes=ANY_SCOPE, post_order=True)


async def decide_return(request: Request) -> Response:
    return await run_operation(
        request, "decideReturn", _decide, scopes=ANY_SCOPE, write=True, post_order=True
    )


async def refund_return(request: Request) -> Response:
    return await run_operation(
        request, "issueReturnRefund", _refund, scopes=ANY_SCOPE, write=True, post_order=True
    )


def _moment(name: str, raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise _refused(400, 9201, f"Invalid {name}", "Give an ISO 8601 date-time.") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _count(name: str, raw: str | None, default: int, lowest: int, highest: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not lowest <= int(raw) <= highest:
        raise _refused(400, 9202, f"Invalid {name}", f"{name} must be within {lowest}..{highest}.")
    return int(raw)


async def _search(simulator: EbaySimulator, request: Request) -> Answer:
    params = request.query_params
    lower = _moment("creation_date_range_from", params.get("creation_date_range_from"))
    upper = _moment("creation_date_range_to", params.get("creation_date_range_to"))
    if lower is not None and upper is not None and lower > upper:
        raise _refused(400, 9201, "Invalid date range", "The range's start is after its end.")
    state_filter = params.get("return_state")
    if state_filter is not None and state_filter not in RETURN_STATE_FILTERS:
        raise _refused(
            400, 9203, "Invalid return_state", f"Use one of {', '.join(RETURN_STATE_FILTERS)}."
        )
    limit = _count("limit", params.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _count("offset", params.get("offset"), 0, 0, 10**9)
    order_id = params.get("order_id")
    found = [
        item
        for item in simulator.returns.newest_first()
        if (lower is None or item.created_at >= lower)
        and (upper is None or item.created_at <= upper)
        and (state_filter is None or RETURN_STATE_FILTERS[state_filter](item))
        and (order_id is None or item.order_id == order_id)
    ]
    seller = simulator.settings.seller_username
    return Answer(
        200,
        {
            "members": [render_summary(item, seller) for item in found[offset : offset + limit]],
            "paginationOutput": {
                "limit": limit,
                "offset": offset,
                "totalEntries": len(found),
                "totalPages": math.ceil(len(found) / limit),
            },
        },
    )


def find_return(simulator: EbaySimulator, return_id: str) -> EbayReturn:
    found = simulator.returns.get(return_id)
    if found is None:
        raise _refused(404, 9204, "No such return", f"No return {return_id}.")
    return found


async def _get(simulator: EbaySimulator, request: Request) -> Answer:
    found = find_return(simulator, request.path_params["returnId"])
    groups = request.query_params.get("fieldgroups", "FULL")
    if groups == "SUMMARY":
        return Answer(200, {"summary": render_summary(found, simulator.settings.seller_username)})
    if groups != "FULL":
        raise _refused(400, 9205, "Invalid fieldgroups", "Use FULL or SUMMARY.")
    return Answer(200, {"detail": render_detail(found, simulator.store.get(found.order_id))})


def _comments(body: dict[str, Any]) -> str | None:
    comments = body.get("comments")
    if isinstance(comments, dict) and isinstance(comments.get("content"), str):
        return str(comments["content"])
    return None


async def _decide(simulator: EbaySimulator, request: Request) -> Answer:
    found = find_return(simulator, request.path_params["returnId"])
    body = await read_json_object(request)
    decision = body.get("decision")
    if not isinstance(decision, str):
        raise _refused(400, 9206, "decision is required")
    try:
        decide(found, decision, _comments(body), simulator.clock.timestamp())
    except ReturnError as error:
        raise _rule_refused(error) from None
    return Answer(200, None)


def _amount(raw: Any, currency: str, field: str) -> Decimal:
    value = raw.get("value") if isinstance(raw, dict) else None
    try:
        amount = Decimal(str(value)) if isinstance(value, str | int | float) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount != round(amount, 2):
        raise _refused(400, 9207, "Invalid refund amount", f"{field} needs a value in cents.")
    if raw.get("currency", currency) != currency:
        raise _refused(400, 9208, "Wrong currency", f"The order was paid in {currency}.")
    return amount


def _refund_amounts(body: dict[str, Any], currency: str) -> dict[str, Decimal]:
    detail = body.get("refundDetail")
    items = detail.get("itemizedRefundDetail") if isinstance(detail, dict) else None
    if not isinstance(detail, dict) or not isinstance(items, list) or not items:
        raise _refused(400, 9209, "refundDetail.itemizedRefundDetail is required")
    amounts: dict[str, Decimal] = {}
    for item in items:
        fee_type = item.get("refundFeeType") if isinstance(item, dict) else None
        if fee_type not in REFUND_FEE_TYPES or fee_type in amounts:
            raise _refused(
                400,
                9209,
                "Invalid refundFeeType",
                f"Give each of {', '.join(sorted(REFUND_FEE_TYPES))} at most once.",
            )
        amounts[str(fee_type)] = _amount(item.get("refundAmount"), currency, "refundAmount")
    if "totalAmount" in detail:
        total = _amount(detail["totalAmount"], currency, "totalAmount")
        if total != sum(amounts.values(), Decimal(0)):
            raise _refused(400, 9207, "totalAmount must equal the itemized amounts")
    return amounts


async def _refund(simulator: EbaySimulator, request: Request) -> Answer:
    found = find_return(simulator, request.path_params["returnId"])
    order = simulator.store.get(found.order_id)
    if order is None:
        raise _refused(404, 9204, "No such return", f"No order {found.order_id}.")
    body = await read_json_object(request)
    amounts = _refund_amounts(body, found.currency)
    try:
        refund(order, found, amounts, _comments(body), simulator.clock.timestamp(), simulator.ids)
    except ReturnError as error:
        raise _rule_refused(error) from None
    return Answer(200, {"refundStatus": "SUCCESS"})
