"""Sandbox-only control of returns under ``/_sandbox/returns`` (no token, never throttled).

- ``POST /_sandbox/returns`` ``{"orderId", "lineItemId"?, "quantity"?, "reason"?,
  "comments"?}``: the buyer asks to return shipped units of a line (default: the first
  shipped line, one unit, ``NOT_AS_DESCRIBED``), dated now. 201 ``{"returnId",
  "summary"}``; 404 for an unknown order, 409 when too few shipped units are left.
- ``GET /_sandbox/returns``: ``{"returns": [summary + detail]}``, newest first.
- ``POST /_sandbox/returns/{returnId}/status`` ``{"status": "ITEM_SHIPPED" |
  "ITEM_DELIVERED"}``: the buyer ships an approved return, or it reaches the seller.
  200 with the summary; 409 when the return cannot move so.

Errors use eBay's error shape with the domain ``SANDBOX``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderbridge.sandbox.ebay.control import _body, _error, _handle
from orderbridge.sandbox.ebay.return_book import ReturnError, buyer_moves
from orderbridge.sandbox.ebay.return_views import render_detail, render_summary

if TYPE_CHECKING:
    from orderbridge.sandbox.ebay.state import EbaySimulator


def _sim(request: Request) -> EbaySimulator:
    simulator: EbaySimulator = request.app.state.simulator
    return simulator


async def create_return(request: Request) -> Response:
    simulator = _sim(request)
    simulator.settle()
    body = await _body(request)
    order = simulator.store.get(str(body.get("orderId")))
    if order is None:
        raise _error(404, "no such order")
    shipped = [line.line_item_id for line in order.lines if order.shipped(line.line_item_id)]
    line_item_id = body.get("lineItemId", shipped[0] if shipped else order.lines[0].line_item_id)
    quantity = body.get("quantity", 1)
    comments = body.get("comments")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise _error(400, "quantity must be an integer")
    if comments is not None and not isinstance(comments, str):
        raise _error(400, "comments must be text")
    try:
        found = simulator.returns.create(
            order,
            str(line_item_id),
            quantity,
            str(body.get("reason", "NOT_AS_DESCRIBED")),
            simulator.clock.timestamp(),
            comments,
        )
    except ReturnError as error:
        raise _error(409 if error.kind == "quantity" else 400, str(error)) from None
    summary = render_summary(found, simulator.settings.seller_username)
    return JSONResponse({"returnId": found.return_id, "summary": summary}, status_code=201)


async def list_returns(request: Request) -> Response:
    simulator = _sim(request)
    seller = simulator.settings.seller_username
    return JSONResponse(
        {
            "returns": [
                {
                    "summary": render_summary(found, seller),
                    "detail": render_detail(found, simulator.store.get(found.order_id)),
                }
                for found in simulator.returns.newest_first()
            ]
        }
    )


async def change_return_status(request: Request) -> Response:
    simulator = _sim(request)
    found = simulator.returns.get(request.path_params["returnId"])
    if found is None:
        raise _error(404, "no such return")
    body = await _body(request)
    try:
        buyer_moves(found, str(body.get("status")), simulator.clock.timestamp())
    except ReturnError as error:
        raise _error(400 if error.kind == "target" else 409, str(error)) from None
    return JSONResponse(render_summary(found, simulator.settings.seller_username))


ROUTES: list[Route] = [
    Route("/_sandbox/returns", _handle(create_return), methods=["POST"]),
    Route("/_sandbox/returns", _handle(list_returns), methods=["GET"]),
    Route("/_sandbox/returns/{returnId}/status", _handle(change_return_status), methods=["POST"]),
]
