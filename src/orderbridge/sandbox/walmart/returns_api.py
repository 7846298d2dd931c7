"""The Returns API: `GET /v3/returns` (getReturns) and `POST /v3/returns/{returnOrderId}/refund`
(issueRefund), through the same pipeline as the Orders API (`pipeline.py`).

A search answers `{"meta": {totalCount, limit, nextCursor?}, "returnOrders": […]}`. A refund
takes `{"customerOrderId", "refundLines": [{"returnOrderLineNumber", "quantity"?:
{"unitOfMeasure", "measurementValue"}}]}` and answers the lines refunded, as the official
example does. Rules: the customer order id must be the return's; a line may be left out
only when the return has one line; each line is refunded once, for at most its returned
quantity (all of it when `quantity` is absent); a line Walmart already settled is refused;
the refund must fit what the purchase order line was charged and not yet refunded. The
request is checked whole before anything changes. Unknown return: 404 CONTENT_NOT_FOUND.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.walmart.errors import WalmartApiError
from orderbridge.sandbox.walmart.pipeline import run_operation
from orderbridge.sandbox.walmart.records import Order
from orderbridge.sandbox.walmart.return_book import ReturnError, refund_line
from orderbridge.sandbox.walmart.return_records import SELLER_REFUND, ReturnLine, ReturnOrder
from orderbridge.sandbox.walmart.return_search import (
    RETURNS_API,
    find_returns,
    invalid,
    next_cursor,
    parse_return_search,
)
from orderbridge.sandbox.walmart.return_views import render_return

if TYPE_CHECKING:
    from orderbridge.sandbox.walmart.state import WalmartSimulator

GET_RETURNS = "getReturns"
ISSUE_REFUND = "issueRefund"
# Walmart publishes no numbers for the Returns API either; metered like the order searches
# and refunds, and kept apart from the settings the connector's declared limits mirror.
RATE_LIMITS: dict[str, tuple[float, int]] = {GET_RETURNS: (0.5, 10), ISSUE_REFUND: (1.0, 10)}


async def get_returns(request: Request) -> Response:
    return await run_operation(request, GET_RETURNS, _search)


async def issue_refund(request: Request) -> Response:
    return await run_operation(request, ISSUE_REFUND, _refund, write=True)


async def _search(simulator: WalmartSimulator, request: Request) -> dict[str, Any]:
    seller = simulator.settings.seller_id
    search = parse_return_search(
        request.query_params.multi_items(), now_ms=simulator.now_ms(), seller_id=seller
    )
    page, total, more = find_returns(simulator.returns.newest_first(), search)
    meta: dict[str, Any] = {"totalCount": total, "limit": search.limit}
    if more:
        meta["nextCursor"] = next_cursor(search, seller)
    return {"meta": meta, "returnOrders": [render_return(found) for found in page]}


def return_not_found() -> WalmartApiError:
    return WalmartApiError(
        404,
        f"CONTENT_NOT_FOUND.{RETURNS_API}",
        "No return order found with the given returnOrderId.",
        field="returnOrderId",
        info="Requested content could not be found.",
        category="APPLICATION",
    )


async def _refund(simulator: WalmartSimulator, request: Request) -> dict[str, Any]:
    found = simulator.returns.get(request.path_params["returnOrderId"])
    if found is None:
        raise return_not_found()
    body = await _body(request)
    if body.get("customerOrderId") != found.customer_order_id:
        raise invalid(
            "customerOrderId must be the customer order of the return.", "customerOrderId"
        )
    asked = body.get("refundLines")
    if not isinstance(asked, list) or not asked or not all(isinstance(e, dict) for e in asked):
        raise invalid(
            "refundLines is required and must be a non-empty list of objects.", "refundLines"
        )
    plan: list[tuple[ReturnLine, int]] = []
    for index, entry in enumerate(asked):
        line = _line(found, entry, index)
        if any(line is planned for planned, _ in plan):
            raise invalid(f"Return line {line.number} is named twice.", "returnOrderLineNumber")
        if line.refunded_quantity or line.status == "COMPLETED":
            raise invalid(
                f"Return line {line.number} is already refunded.", "returnOrderLineNumber"
            )
        plan.append((line, _quantity(entry, line, index)))
    orders = _check_charges(simulator, plan)
    now = simulator.now_ms()
    for line, quantity in plan:
        order = orders[line.purchase_order_id]
        try:
            refund_line(order, line, quantity, SELLER_REFUND, now)
        except ReturnError as refused:
            raise invalid(str(refused), "returnOrderLineNumber") from None
        simulator.record_write(order, ISSUE_REFUND)
    return {
        "returnOrderId": found.return_order_id,
        "customerOrderId": found.customer_order_id,
        "refundLines": [
            {
                "returnOrderLineNumber": line.number,
                "quantity": {"unitOfMeasure": "EA", "measurementValue": quantity},
            }
            for line, quantity in plan
        ],
    }


def _check_charges(
    simulator: WalmartSimulator, plan: list[tuple[ReturnLine, int]]
) -> dict[str, Order]:
    """The orders of the plan, once every refund fits what its order line has left."""
    orders: dict[str, Order] = {}
    asked: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for line, quantity in plan:
        order = simulator.store.get(line.purchase_order_id)
        if order is None:
            raise invalid(f"Purchase order {line.purchase_order_id} is unknown.", "purchaseOrderId")
        orders[order.purchase_order_id] = order
        held = asked[(order.purchase_order_id, line.purchase_line)]
        held[0] += line.unit_price * quantity
        held[1] += line.unit_tax * quantity
    for (purchase_order_id, number), (amount, tax) in asked.items():
        charged = orders[purchase_order_id].line(number)
        if charged is None or not charged.shipped_units:
            raise invalid(f"Purchase order line {number} is not shipped.", "returnOrderLineNumber")
        given_amount, given_tax = charged.refunded("PRODUCT")
        if given_amount + amount > charged.product or given_tax + tax > charged.product_tax:
            raise invalid(
                f"Purchase order line {number} was already refunded: this refund would give "
                "back more than was charged.",
                "returnOrderLineNumber",
            )
    return orders


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise invalid("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise invalid("The request body must be a JSON object.")
    return data


def _line(found: ReturnOrder, entry: dict[str, Any], index: int) -> ReturnLine:
    number = entry.get("returnOrderLineNumber")
    if number is None:
        if len(found.lines) == 1:
            return found.lines[0]
        raise invalid(
            f"refundLines[{index}].returnOrderLineNumber is required: the return has "
            f"{len(found.lines)} lines.",
            "returnOrderLineNumber",
        )
    if isinstance(number, bool) or not isinstance(number, int):
        raise invalid(
            f"refundLines[{index}].returnOrderLineNumber must be an integer.",
            "returnOrderLineNumber",
        )
    line = found.line(number)
    if line is None:
        raise invalid(f"The return has no line {number}.", "returnOrderLineNumber")
    return line


def _quantity(entry: dict[str, Any], line: ReturnLine, index: int) -> int:
    given = entry.get("quantity")
    if given is None:
        return line.quantity
    path = f"refundLines[{index}].quantity"
    if not isinstance(given, dict) or given.get("unitOfMeasure") not in ("EACH", "EA"):
        raise invalid(f"{path} must be an object with unitOfMeasure EACH or EA.", "quantity")
    value = given.get("measurementValue")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise invalid(f"{path}.measurementValue must be a whole number.", "quantity")
    if not 1 <= int(value) <= line.quantity:
        raise invalid(
            f"{path}.measurementValue must be 1..{line.quantity}, the quantity returned.",
            "quantity",
        )
    return int(value)
