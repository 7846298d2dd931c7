"""Sandbox-only control of returns under `/_sandbox/returns` (no token, never throttled).

- `POST /_sandbox/returns` body `{"purchaseOrderId", "lines": [{"lineNumber", "quantity"?}],
  "reason"?: returnReason (default DAMAGED), "status"?: INITIATED | DELIVERED | COMPLETED,
  "returnType"?: REFUND | REPLACEMENT}`: the customer returns shipped units (quantity
  defaults to what is left to return). 201 `{"returnOrderId", "returnOrder": {…}}`;
  400 when the order line has too few shipped units left, 404 for an unknown order.
- `GET /_sandbox/returns` `{"returnOrders": [...]}`, newest first, every return held.
- `POST /_sandbox/returns/{returnOrderId}/status` body `{"status": "DELIVERED" |
  "COMPLETED", "lineNumbers"?: [int]}`: the return reaches the return center, or Walmart
  settles it (COMPLETED refunds the customer and books the refund on the order line).
  200 with the return; 409 when no chosen line can move.

Errors use Walmart's error shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderbridge.sandbox.walmart.control import _handle, _json_body
from orderbridge.sandbox.walmart.errors import WalmartApiError, invalid_content, not_found
from orderbridge.sandbox.walmart.return_book import ReturnError, settle
from orderbridge.sandbox.walmart.return_records import RETURN_STATUSES, RETURN_TYPES
from orderbridge.sandbox.walmart.return_views import render_return
from orderbridge.sandbox.walmart.returns_api import return_not_found

if TYPE_CHECKING:
    from orderbridge.sandbox.walmart.state import WalmartSimulator


def _sim(request: Request) -> WalmartSimulator:
    simulator: WalmartSimulator = request.app.state.simulator
    return simulator


def _conflict(error: ReturnError) -> WalmartApiError:
    return WalmartApiError(409, "CONFLICT.GMP_RETURNS_API", str(error), category="DATA")


async def create_return(request: Request) -> Response:
    simulator = _sim(request)
    body = await _json_body(request)
    order = simulator.store.get(str(body.get("purchaseOrderId")))
    if order is None:
        raise not_found("No order found with the given purchaseOrderId.")
    lines = body.get("lines")
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise invalid_content('"lines" must be a list of {"lineNumber", "quantity"?}')
    status = body.get("status", "INITIATED")
    return_type = body.get("returnType", "REFUND")
    if status not in RETURN_STATUSES or return_type not in RETURN_TYPES:
        raise invalid_content(
            f"status must be one of {RETURN_STATUSES}, returnType one of {RETURN_TYPES}"
        )
    wanted: list[tuple[str, int]] = []
    for line in lines:
        number = str(line.get("lineNumber"))
        quantity = line.get("quantity")
        if quantity is None:
            held = order.line(number)
            quantity = (
                held.shipped_units - simulator.returns.returned_units(order, number) if held else 0
            )
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise invalid_content("quantity must be a whole number")
        wanted.append((number, quantity))
    now = simulator.now_ms()
    try:
        found = simulator.returns.create(
            order, wanted, str(body.get("reason", "DAMAGED")), now, return_type
        )
    except ReturnError as error:
        raise invalid_content(str(error)) from None
    if status == "DELIVERED":
        simulator.returns.advance(found, status, None, now)
    elif status == "COMPLETED":
        settle(order, found, None, now)
    return JSONResponse(
        {"returnOrderId": found.return_order_id, "returnOrder": render_return(found)},
        status_code=201,
    )


async def list_returns(request: Request) -> Response:
    held = _sim(request).returns.newest_first()
    return JSONResponse({"returnOrders": [render_return(found) for found in held]})


async def change_return_status(request: Request) -> Response:
    simulator = _sim(request)
    found = simulator.returns.get(request.path_params["returnOrderId"])
    if found is None:
        raise return_not_found()
    body = await _json_body(request)
    numbers = body.get("lineNumbers")
    if numbers is not None and (
        not isinstance(numbers, list)
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers)
    ):
        raise invalid_content("lineNumbers must be a list of return line numbers (integers)")
    status = body.get("status")
    now = simulator.now_ms()
    try:
        if status == "COMPLETED":
            order = simulator.store.get(found.lines[0].purchase_order_id)
            if order is None:
                raise ReturnError("the return's purchase order is gone")
            settle(order, found, numbers, now)
        else:
            simulator.returns.advance(found, str(status), numbers, now)
    except ReturnError as error:
        conflict = _conflict(error)
        return JSONResponse(conflict.body(), status_code=409)
    return JSONResponse(render_return(found))


def _routes() -> list[Route]:
    return [
        Route("/_sandbox/returns", _handle(create_return), methods=["POST"]),
        Route("/_sandbox/returns", _handle(list_returns), methods=["GET"]),
        Route(
            "/_sandbox/returns/{returnOrderId}/status",
            _handle(change_return_status),
            methods=["POST"],
        ),
    ]


ROUTES: list[Route] = _routes()
