"""Sandbox-only control endpoints for buyer returns (no token, never throttled or faulted).

- `POST /_sandbox/returns` body `{"orderId", "items"?: [{"orderItemId", "quantity",
  "reason"?}], "reason"?: code, "status"?: Pending|Approved|Rejected|Closed,
  "returnRequestDate"?: ISO time}` records a return of a shipped merchant-fulfilled order.
  Without items every shipped, not yet returned unit is returned; an item without reason
  takes the body's reason (default CR-UNWANTED_ITEM); the status defaults to Pending and the
  request date to now (it may not lie in the future). 201 with the return; 400 for a
  return the order cannot have (see `returns.py`); 404 unknown order.
- `GET /_sandbox/returns[?orderId=…]` `{"returns": [...]}`, oldest request first.
- `POST /_sandbox/returns/{rmaId}/status` body `{"status"}` → 200 with the return;
  404 unknown RMA id; 409 for a move the status table does not allow.

Keys use the returns reports' names in camelCase (amazonRmaId, returnRequestStatus, ...).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderbridge.sandbox.amazon.errors import error_list
from orderbridge.sandbox.amazon.records import Order
from orderbridge.sandbox.amazon.returns import (
    RETURN_STATUSES,
    CustomerReturn,
    ReturnError,
    ReturnItem,
)
from orderbridge.sandbox.amazon.views import iso

if TYPE_CHECKING:
    from orderbridge.sandbox.amazon.state import AmazonSimulator

DEFAULT_REASON = "CR-UNWANTED_ITEM"


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _bad(message: str) -> _Refused:
    return _Refused(400, "InvalidInput", message)


def _endpoint(
    func: Callable[[AmazonSimulator, Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Settle due feeds and reports first (so they see the state before this change) and
    turn refusals into the shared error shape."""

    async def endpoint(request: Request) -> Response:
        simulator: AmazonSimulator = request.app.state.simulator
        simulator.settle_feeds()
        try:
            return await func(simulator, request)
        except _Refused as error:
            return JSONResponse(error_list(error.code, error.message), status_code=error.status)

    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise _bad("body must be JSON") from None
    if not isinstance(data, dict):
        raise _bad("body must be a JSON object")
    return data


def render_return(ret: CustomerReturn, order: Order | None) -> dict[str, Any]:
    items = {i.order_item_id: i for i in order.items} if order else {}
    return {
        "amazonRmaId": ret.rma_id,
        "orderId": ret.order_id,
        "marketplaceId": ret.marketplace_id,
        "returnRequestDate": iso(ret.requested),
        "returnRequestStatus": ret.status,
        "inPolicy": ret.in_policy,
        "labelToBePaidBy": "Seller" if ret.seller_pays_label else "Customer",
        "items": [
            {
                "orderItemId": line.order_item_id,
                "merchantSku": items[line.order_item_id].sku
                if line.order_item_id in items
                else None,
                "returnQuantity": line.quantity,
                "returnReason": line.reason,
            }
            for line in ret.items
        ],
        "statusHistory": [{"status": status, "time": iso(at)} for at, status in ret.history],
    }


def _integer(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad(f"{name} must be an integer")
    return value


def _items(simulator: AmazonSimulator, order: Order, body: dict[str, Any]) -> list[ReturnItem]:
    reason = body.get("reason", DEFAULT_REASON)
    if not isinstance(reason, str):
        raise _bad("reason must be a string")
    raw = body.get("items")
    if raw is None:
        whole = [
            ReturnItem(item.order_item_id, units, reason)
            for item in order.items
            if (units := simulator.returns.returnable(order, item.order_item_id)) > 0
        ]
        if not whole:
            raise _bad(f"order {order.order_id} has no shipped units left to return")
        return whole
    if not isinstance(raw, list):
        raise _bad("items must be a list")
    lines = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("orderItemId"), str):
            raise _bad(f"items[{index}] needs an orderItemId string")
        item_reason = entry.get("reason", reason)
        if not isinstance(item_reason, str):
            raise _bad(f"items[{index}].reason must be a string")
        quantity = _integer(entry.get("quantity", 1), f"items[{index}].quantity")
        lines.append(ReturnItem(entry["orderItemId"], quantity, item_reason))
    return lines


def _requested(simulator: AmazonSimulator, body: dict[str, Any]) -> int:
    raw = body.get("returnRequestDate")
    now = simulator.now()
    if raw is None:
        return now
    try:
        when = datetime.fromisoformat(str(raw))
    except ValueError:
        raise _bad("returnRequestDate must be an ISO 8601 date-time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    moment = int(when.timestamp())
    if moment > now:
        raise _bad("returnRequestDate must not be in the future")
    return moment


async def create_return(simulator: AmazonSimulator, request: Request) -> Response:
    body = await _body(request)
    order_id = body.get("orderId")
    order = simulator.store.get(order_id) if isinstance(order_id, str) else None
    if order is None:
        raise _Refused(404, "NotFound", "no such order")
    status = body.get("status", "Pending")
    try:
        created = simulator.returns.create(
            order, _items(simulator, order, body), status, _requested(simulator, body)
        )
    except ReturnError as error:
        raise _bad(str(error)) from None
    return JSONResponse(render_return(created, order), status_code=201)


async def list_returns(simulator: AmazonSimulator, request: Request) -> Response:
    order_id = request.query_params.get("orderId")
    chosen = [r for r in simulator.returns if order_id is None or r.order_id == order_id]
    # stable: returns requested at the same moment stay in the order they were made
    chosen.sort(key=lambda r: r.requested)
    return JSONResponse(
        {"returns": [render_return(r, simulator.store.get(r.order_id)) for r in chosen]}
    )


async def change_return_status(simulator: AmazonSimulator, request: Request) -> Response:
    ret = simulator.returns.get(request.path_params["rmaId"])
    if ret is None:
        raise _Refused(404, "NotFound", "no such return")
    body = await _body(request)
    status = body.get("status")
    if status not in RETURN_STATUSES:
        raise _bad(f"status must be one of {list(RETURN_STATUSES)}")
    try:
        simulator.returns.change_status(ret, status, simulator.now())
    except ReturnError as error:
        raise _Refused(409, "Conflict", str(error)) from None
    return JSONResponse(render_return(ret, simulator.store.get(ret.order_id)))


ROUTES: list[Route] = [
    Route("/_sandbox/returns", _endpoint(create_return), methods=["POST"]),
    Route("/_sandbox/returns", _endpoint(list_returns), methods=["GET"]),
    Route("/_sandbox/returns/{rmaId}/status", _endpoint(change_return_status), methods=["POST"]),
]
