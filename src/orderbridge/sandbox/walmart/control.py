"""Sandbox-only control API under `/_sandbox/`: no token, never throttled or faulted.

Errors use Walmart's own error shape. Keys that name contract concepts use its spelling.

- `POST /_sandbox/orders` body `{"count": N, "status"?: s}` adds N generated orders placed
  now (`status` one of Created, Acknowledged, PartiallyShipped, Shipped, Delivered,
  Cancelled; default Created), or `{"order": {partial order}}` adds one built from it (see
  `custom_orders.py`). 201 `{"purchaseOrderIds": [...]}`.
- `GET /_sandbox/orders/{purchaseOrderId}` the order as the API shows it, plus what
  happened to it: `lineStatuses` (units per status per line), `acknowledged` (no unit
  waits in Created), `shipments`, `cancellations`, `refunds` and `writes` (every write call
  applied, in order, so a duplicate shows).
- `POST /_sandbox/orders/{purchaseOrderId}/status` changes an order as Walmart, the
  customer or Seller Center would: `{"status": "Cancelled"}` the customer cancels what is
  open; `{"intentToCancel": true}` the customer asks the seller to cancel;
  `{"status": "Acknowledged"}`, `{"status": "Shipped"}` (shipped from Seller Center with a
  generated tracking number) or `{"status": "Delivered"}`; `"lineNumbers": [...]` limits
  the change to those lines. 200 with the view above; 409 when impossible.
- `GET /_sandbox/stats` `{"orders": N, "calls": {operation: {status: count}}}`, plus
  `"lostWriteResponses": {operation: count}` once an answer was withheld.
- `GET|POST|PUT /_sandbox/faults` `{"fault_rate_500", "fault_rate_503", "latency_ms"}`
  (POST/PUT may name only some) and `"lose_write_responses": N`: the next N successful
  writes are applied but answered 500. The answer shows `lose_write_responses` while some
  remain.
- `POST /_sandbox/throttle/drain` body `{"operation": name}` empties that bucket now.
- `POST /_sandbox/reset` body `{"orders"?: N}`: regenerate orders from the seed, refill the
  buckets, clear statistics, restore faults from the settings.
- `GET|POST /_sandbox/clock` body `{"now": ISO time, "frozen"?: true}` or
  `{"advance_seconds": s}` or `{"real_time": true}`; answers `{"now", "frozen"}`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderbridge.sandbox.walmart.custom_orders import PartialOrderError
from orderbridge.sandbox.walmart.errors import WalmartApiError, invalid_content, not_found
from orderbridge.sandbox.walmart.faults import FaultConfig
from orderbridge.sandbox.walmart.generator import ORDER_STATUSES
from orderbridge.sandbox.walmart.lifecycle import TransitionError
from orderbridge.sandbox.walmart.records import Order
from orderbridge.sandbox.walmart.views import money, render_order, render_tracking

if TYPE_CHECKING:
    from orderbridge.sandbox.walmart.state import WalmartSimulator

MAX_ORDERS_PER_CALL = 100_000
LOSE_WRITE_RESPONSES = "lose_write_responses"


def _sim(request: Request) -> WalmartSimulator:
    simulator: WalmartSimulator = request.app.state.simulator
    return simulator


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise invalid_content("body must be JSON") from None
    if not isinstance(data, dict):
        raise invalid_content("body must be a JSON object")
    return data


def _handle(
    func: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await func(request)
        except WalmartApiError as error:
            return JSONResponse(error.body(), status_code=error.status)

    return endpoint


def order_view(simulator: WalmartSimulator, order: Order) -> dict[str, Any]:
    shipments, cancellations, refunds = [], [], []
    for line in order.lines:
        for entry in line.statuses:
            if entry.tracking is not None:
                shipments.append(
                    {
                        "lineNumber": line.line_number,
                        "quantity": entry.quantity,
                        "status": entry.status,
                    }
                    | render_tracking(entry.tracking)
                )
            if entry.status == "Cancelled":
                cancellations.append(
                    {
                        "lineNumber": line.line_number,
                        "quantity": entry.quantity,
                        "cancellationReason": entry.cancellation_reason,
                    }
                )
        for given in line.refunds:
            refunds.append(
                {
                    "lineNumber": line.line_number,
                    "refundId": given.refund_id,
                    "refundComments": given.comments,
                    "charges": [
                        {
                            "refundReason": charge.reason,
                            "chargeType": charge.charge_type,
                            "amount": money(charge.amount),
                            "tax": money(charge.tax),
                        }
                        for charge in given.charges
                    ],
                }
            )
    statuses: dict[str, dict[str, int]] = {}
    for line in order.lines:
        held = statuses.setdefault(line.line_number, {})
        for entry in line.statuses:
            held[entry.status] = held.get(entry.status, 0) + entry.quantity
    return {
        "order": render_order(order, product_info=True, replacement_info=True),
        "lineStatuses": statuses,
        "acknowledged": not order.has_status("Created"),
        "shipments": shipments,
        "cancellations": cancellations,
        "refunds": refunds,
        "writes": simulator.applied.get(order.purchase_order_id, []),
    }


async def create_orders(request: Request) -> Response:
    simulator = _sim(request)
    body = await _json_body(request)
    if ("count" in body) == ("order" in body):
        raise invalid_content('give either "count" (generated orders) or "order" (one order)')
    if "order" in body:
        try:
            order = simulator.add_partial(body["order"])
        except PartialOrderError as error:
            raise invalid_content(str(error)) from None
        return JSONResponse({"purchaseOrderIds": [order.purchase_order_id]}, status_code=201)
    count = body["count"]
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not 1 <= count <= MAX_ORDERS_PER_CALL
    ):
        raise invalid_content(f"count must be an integer within 1..{MAX_ORDERS_PER_CALL}")
    status = body.get("status", "Created")
    if status not in ORDER_STATUSES:
        raise invalid_content(f"status must be one of {', '.join(ORDER_STATUSES)}")
    orders = simulator.add_generated(count, status)
    return JSONResponse(
        {"purchaseOrderIds": [order.purchase_order_id for order in orders]}, status_code=201
    )


def _order(request: Request) -> Order:
    order = _sim(request).store.get(request.path_params["purchaseOrderId"])
    if order is None:
        raise not_found("No order found with the given purchaseOrderId.")
    return order


async def show_order(request: Request) -> Response:
    return JSONResponse(order_view(_sim(request), _order(request)))


async def change_status(request: Request) -> Response:
    simulator = _sim(request)
    order = _order(request)
    body = await _json_body(request)
    lines = body.get("lineNumbers")
    if lines is not None and (
        not isinstance(lines, list) or not all(isinstance(n, str) for n in lines)
    ):
        raise invalid_content("lineNumbers must be a list of line numbers (strings)")
    try:
        simulator.change_status(order, body)
    except TransitionError as error:
        conflict = WalmartApiError(409, "CONFLICT.GMP_ORDER_API", str(error), category="DATA")
        return JSONResponse(conflict.body(), status_code=409)
    return JSONResponse(order_view(simulator, order))


async def stats(request: Request) -> Response:
    simulator = _sim(request)
    body: dict[str, Any] = {"orders": len(simulator.store), "calls": simulator.stats.snapshot()}
    if simulator.faults.lost_responses:
        body["lostWriteResponses"] = dict(sorted(simulator.faults.lost_responses.items()))
    return JSONResponse(body)


async def faults(request: Request) -> Response:
    injector = _sim(request).faults
    if request.method in ("POST", "PUT"):
        body = await _json_body(request)
        current = injector.config.as_dict()
        unknown = sorted(set(body) - set(current) - {LOSE_WRITE_RESPONSES})
        if unknown:
            raise invalid_content(
                f"unknown field(s) {unknown}; known: {sorted([*current, LOSE_WRITE_RESPONSES])}"
            )
        lose = body.pop(LOSE_WRITE_RESPONSES, None)
        config = FaultConfig(**{**current, **body})
        try:
            config.validate()
            if lose is not None:
                injector.lose_next_writes(lose)
            injector.configure(config)
        except ValueError as error:
            raise invalid_content(str(error)) from None
    answer: dict[str, Any] = dict(injector.config.as_dict())
    if injector.lost_responses_pending:
        answer[LOSE_WRITE_RESPONSES] = injector.lost_responses_pending
    return JSONResponse(answer)


async def drain(request: Request) -> Response:
    simulator = _sim(request)
    operation = (await _json_body(request)).get("operation")
    if operation not in simulator.settings.rate_limits:
        raise invalid_content(f"operation must be one of {sorted(simulator.settings.rate_limits)}")
    simulator.throttle.drain(str(operation))
    return JSONResponse({"drained": operation})


async def reset(request: Request) -> Response:
    body = await _json_body(request)
    orders = body.get("orders")
    if orders is not None and (
        isinstance(orders, bool)
        or not isinstance(orders, int)
        or not 0 <= orders <= MAX_ORDERS_PER_CALL
    ):
        raise invalid_content(f"orders must be an integer within 0..{MAX_ORDERS_PER_CALL}")
    return JSONResponse({"orders": _sim(request).reset(orders)})


async def clock(request: Request) -> Response:
    simulator = _sim(request)
    if request.method == "POST":
        body = await _json_body(request)
        if body.get("real_time"):
            simulator.clock.use_real_time()
        elif "advance_seconds" in body:
            seconds = body["advance_seconds"]
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise invalid_content("advance_seconds must be a number")
            simulator.clock.advance(float(seconds))
        elif "now" in body:
            try:
                when = datetime.fromisoformat(str(body["now"]))
            except ValueError:
                raise invalid_content("now must be an ISO 8601 date-time") from None
            simulator.clock.set(when, frozen=bool(body.get("frozen", True)))
        else:
            raise invalid_content('give "now", "advance_seconds" or "real_time"')
    now = datetime.fromtimestamp(simulator.clock.timestamp(), tz=UTC)
    return JSONResponse({"now": now.isoformat(), "frozen": simulator.clock.frozen})


ROUTES: list[Route] = [
    Route("/_sandbox/orders", _handle(create_orders), methods=["POST"]),
    Route("/_sandbox/orders/{purchaseOrderId}", _handle(show_order), methods=["GET"]),
    Route("/_sandbox/orders/{purchaseOrderId}/status", _handle(change_status), methods=["POST"]),
    Route("/_sandbox/stats", _handle(stats), methods=["GET"]),
    Route("/_sandbox/faults", _handle(faults), methods=["GET", "POST", "PUT"]),
    Route("/_sandbox/throttle/drain", _handle(drain), methods=["POST"]),
    Route("/_sandbox/reset", _handle(reset), methods=["POST"]),
    Route("/_sandbox/clock", _handle(clock), methods=["GET", "POST"]),
]
