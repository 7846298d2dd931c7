"""Sandbox-only control API under `/_sandbox/`: no token, never throttled or faulted.

Keys that name contract concepts use bol's spelling (orderItemId, fulfilmentMethod);
simulator knobs use the settings' names. Errors are Problems, like the API's.

- `POST /_sandbox/orders` body `{"count": N, "fulfilmentMethod"?: "FBR"|"FBB"}` adds N
  generated open orders placed now; or `{"order": {partial Order}}` adds one built from
  it (see `partial_orders.py`). 201 `{"orderIds": [...]}`.
- `GET /_sandbox/orders/{orderId}` the order as `GET /retailer/orders/{id}` shows it, with
  what writes applied: `shipments` (items with quantities, `shipmentReference`,
  `transport` with `transporterCode` and `trackAndTrace`), `cancellations` (per item:
  quantity, `reasonCode`, `by` RETAILER or CUSTOMER) and its `processStatuses`.
- `POST /_sandbox/orders/{orderId}/status` body `{"action": "CANCEL" |
  "REQUEST_CANCELLATION", "orderItemIds"?: [...]}`: the customer cancels the open units of
  the items (all open items when none are named), or only asks to
  (`cancellationRequest: true`, the retailer must confirm); bumps their change time.
  200 `{"orderId", "orderItemIds": [touched]}`; 404 unknown order; 409 nothing open.
- `PUT /_sandbox/orders/{orderId}/override` body: a JSON object merged into the order's
  details answer (malformed data on purpose); `DELETE` removes it.
- `GET /_sandbox/stats` `{"orders": N, "calls": {operationId: {status: count}}}`, plus
  `"lostWriteResponses": {operationId: count}` once some answer was withheld.
- `GET|POST|PUT /_sandbox/faults` `{"fault_rate_500", "fault_rate_503", "latency_ms"}`
  (POST/PUT may name only some) and `"lose_write_responses": N`: the next N accepted
  writes are processed but answered 500.
- `POST /_sandbox/reset` body `{"orders"?: N}`: regenerate from the seed, clear budgets,
  statistics and faults.
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

from orderbridge.sandbox.bol.dutch_time import local_iso
from orderbridge.sandbox.bol.faults import FaultConfig
from orderbridge.sandbox.bol.partial_orders import PartialOrderError
from orderbridge.sandbox.bol.problems import BolProblem
from orderbridge.sandbox.bol.views import BolJSONResponse, order_detail, process_status

if TYPE_CHECKING:
    from orderbridge.sandbox.bol.state import BolSimulator

MAX_ORDERS_PER_CALL = 100_000
LOSE_WRITE_RESPONSES = "lose_write_responses"
ACTIONS = ("CANCEL", "REQUEST_CANCELLATION")


def _bad(message: str) -> BolProblem:
    return BolProblem(400, message)


def _sim(request: Request) -> BolSimulator:
    simulator: BolSimulator = request.app.state.simulator
    return simulator


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise _bad("body must be JSON") from None
    if not isinstance(data, dict):
        raise _bad("body must be a JSON object")
    return data


def _handle(
    func: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await func(request)
        except BolProblem as problem:
            return problem.response(f"https://api.bol.com{request.url.path}")

    return endpoint


async def create_orders(request: Request) -> Response:
    simulator = _sim(request)
    body = await _body(request)
    if ("count" in body) == ("order" in body):
        raise _bad('give either "count" (generated orders) or "order" (one partial order)')
    if "order" in body:
        try:
            order = simulator.add_partial(body["order"])
        except PartialOrderError as error:
            raise _bad(str(error)) from None
        return JSONResponse({"orderIds": [order.order_id]}, status_code=201)
    count = body["count"]
    if isinstance(count, bool) or not isinstance(count, int):
        raise _bad(f"count must be an integer within 1..{MAX_ORDERS_PER_CALL}")
    if not 1 <= count <= MAX_ORDERS_PER_CALL:
        raise _bad(f"count must be an integer within 1..{MAX_ORDERS_PER_CALL}")
    method = body.get("fulfilmentMethod")
    if method is not None and method not in ("FBR", "FBB"):
        raise _bad("fulfilmentMethod must be FBR or FBB")
    orders = simulator.add_generated(count, method)
    return JSONResponse({"orderIds": [o.order_id for o in orders]}, status_code=201)


def _order_or_404(request: Request) -> Any:
    simulator = _sim(request)
    order = simulator.store.get(request.path_params["order_id"])
    if order is None:
        raise BolProblem(404, f"Order {request.path_params['order_id']} could not be found.")
    return order


async def show_order(request: Request) -> Response:
    simulator = _sim(request)
    simulator.settle()
    order = _order_or_404(request)
    store = simulator.store
    base = str(request.base_url).rstrip("/")
    item_ids = {item.order_item_id for item in order.items}
    return BolJSONResponse(
        {
            "order": order_detail(order),
            "shipments": [
                {
                    "shipmentId": s.shipment_id,
                    "shipmentDateTime": local_iso(s.shipped_at),
                    "shipmentReference": s.reference,
                    "orderItems": [{"orderItemId": i, "quantity": q} for i, q in s.lines],
                    "transport": {
                        "transportId": s.transport_id,
                        "transporterCode": s.transporter_code,
                        "trackAndTrace": s.track_and_trace,
                    },
                }
                for s in store.shipments_of(order.order_id)
            ],
            "cancellations": [
                {
                    "orderItemId": c.order_item_id,
                    "quantity": c.quantity,
                    "reasonCode": c.reason_code,
                    "by": c.by,
                    "at": local_iso(c.at),
                }
                for c in store.cancellations
                if c.order_id == order.order_id
            ],
            "processStatuses": [
                process_status(status, base)
                for status in store.statuses.values()
                if status.entity_id in item_ids
            ],
        }
    )


async def change_status(request: Request) -> Response:
    simulator = _sim(request)
    simulator.settle()
    order = _order_or_404(request)
    body = await _body(request)
    action = body.get("action")
    if action not in ACTIONS:
        raise _bad(f"action must be one of {list(ACTIONS)}")
    item_ids = body.get("orderItemIds")
    if item_ids is not None and (
        not isinstance(item_ids, list) or not all(isinstance(i, str) for i in item_ids)
    ):
        raise _bad("orderItemIds must be a list of order item ids")
    unknown = sorted(set(item_ids or ()) - {item.order_item_id for item in order.items})
    if unknown:
        raise _bad(f"order {order.order_id} has no order item(s) {unknown}")
    touched = simulator.customer_cancels(
        order, item_ids, request_only=action == "REQUEST_CANCELLATION"
    )
    if not touched:
        raise BolProblem(409, "nothing open to cancel on these order items")
    return JSONResponse({"orderId": order.order_id, "orderItemIds": touched})


async def override_order(request: Request) -> Response:
    simulator = _sim(request)
    order = _order_or_404(request)
    if request.method == "DELETE":
        removed = simulator.overrides.pop(order.order_id, None) is not None
        return JSONResponse({"orderId": order.order_id, "removed": removed})
    body = await _body(request)
    simulator.overrides[order.order_id] = body
    return JSONResponse({"orderId": order.order_id, "override": body})


async def stats(request: Request) -> Response:
    simulator = _sim(request)
    body: dict[str, Any] = {"orders": len(simulator.store), "calls": simulator.stats.snapshot()}
    if simulator.faults.lost:
        body["lostWriteResponses"] = dict(sorted(simulator.faults.lost.items()))
    return JSONResponse(body)


async def faults(request: Request) -> Response:
    injector = _sim(request).faults
    if request.method in ("POST", "PUT"):
        body = await _body(request)
        current = injector.config.as_dict()
        unknown = sorted(set(body) - set(current) - {LOSE_WRITE_RESPONSES})
        if unknown:
            raise _bad(f"unknown field(s) {unknown}; known: {[*current, LOSE_WRITE_RESPONSES]}")
        lose = body.pop(LOSE_WRITE_RESPONSES, None)
        config = FaultConfig(**{**current, **body})
        try:
            config.validate()
            if lose is not None:
                injector.lose_next_writes(lose)
            injector.configure(config)
        except ValueError as error:
            raise _bad(str(error)) from None
    answer: dict[str, Any] = dict(injector.config.as_dict())
    if injector.lost_pending:
        answer[LOSE_WRITE_RESPONSES] = injector.lost_pending
    return JSONResponse(answer)


async def reset(request: Request) -> Response:
    body = await _body(request)
    orders = body.get("orders")
    if orders is not None and (
        isinstance(orders, bool) or not isinstance(orders, int) or not 0 <= orders <= 100_000
    ):
        raise _bad("orders must be an integer within 0..100000")
    return JSONResponse({"orders": _sim(request).reset(orders)})


async def clock(request: Request) -> Response:
    simulator = _sim(request)
    if request.method == "POST":
        body = await _body(request)
        if body.get("real_time"):
            simulator.clock.use_real_time()
        elif "advance_seconds" in body:
            seconds = body["advance_seconds"]
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise _bad("advance_seconds must be a number")
            simulator.clock.advance(float(seconds))
        elif "now" in body:
            try:
                when = datetime.fromisoformat(str(body["now"]))
            except ValueError:
                raise _bad("now must be an ISO 8601 date-time") from None
            simulator.clock.set(when, frozen=bool(body.get("frozen", True)))
        else:
            raise _bad('give "now", "advance_seconds" or "real_time"')
    now = datetime.fromtimestamp(simulator.clock.timestamp(), tz=UTC)
    return JSONResponse(
        {"now": now.isoformat().replace("+00:00", "Z"), "frozen": simulator.clock.frozen}
    )


ROUTES: list[Route] = [
    Route("/_sandbox/orders", _handle(create_orders), methods=["POST"]),
    Route("/_sandbox/orders/{order_id}", _handle(show_order), methods=["GET"]),
    Route("/_sandbox/orders/{order_id}/status", _handle(change_status), methods=["POST"]),
    Route(
        "/_sandbox/orders/{order_id}/override", _handle(override_order), methods=["PUT", "DELETE"]
    ),
    Route("/_sandbox/stats", _handle(stats), methods=["GET"]),
    Route("/_sandbox/faults", _handle(faults), methods=["GET", "POST", "PUT"]),
    Route("/_sandbox/reset", _handle(reset), methods=["POST"]),
    Route("/_sandbox/clock", _handle(clock), methods=["GET", "POST"]),
]
