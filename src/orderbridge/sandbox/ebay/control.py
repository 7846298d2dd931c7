"""Sandbox-only control API under ``/_sandbox/``: no token, never throttled or faulted.

Errors use eBay's ``{"errors": [...]}`` shape with the domain ``SANDBOX``.

- ``POST /_sandbox/orders`` ``{"count": N, "marketplaceId"?, "status"?}`` adds N generated
  orders placed now (``status``: NOT_STARTED, UNPAID, IN_PROGRESS, FULFILLED, CANCELED), or
  ``{"order": {partial Order}}`` one order built from it (see ``custom_orders.py``).
  201 ``{"orderIds": [...]}``.
- ``GET /_sandbox/orders/{orderId}``: the order as getOrder shows it (with the tax
  breakdown), plus what writes did: ``fulfillments``, ``refunds`` (with reason, comment
  and status) and ``cancellations`` (as the Post-Order API details them).
- ``POST /_sandbox/orders/{orderId}/status``: what a buyer or the seller does outside the
  API, dated now: ``{"cancelState": "CANCELED" | "IN_PROGRESS", "cancelReason"?}`` (the
  buyer cancels, or asks the seller to), ``{"orderFulfillmentStatus": "FULFILLED"}`` (the
  seller ships the rest in Seller Hub), ``{"orderPaymentStatus": "PAID"}`` (the buyer
  pays). 409 when the order cannot move so.
- ``GET /_sandbox/stats``: ``{"orders": N, "calls": {method: {status: count}}}`` and,
  once some were withheld, ``"lostWriteResponses": {method: count}``.
- ``GET|POST|PUT /_sandbox/faults``: ``{"fault_rate_500", "fault_rate_503",
  "latency_ms"}``, and in a POST/PUT also ``"lose_write_responses": N`` (the next N
  successful writes are applied but answered 500), ``"fail_refunds": N`` (the next N
  refunds end FAILED) and ``"drain": [method, …]`` (empty those buckets now).
- ``POST /_sandbox/reset`` ``{"orders"?: N}``: orders again from the seed, buckets full,
  statistics and faults as the settings say.
- ``GET|POST /_sandbox/clock`` ``{"now": ISO, "frozen"?: true}``, ``{"advance_seconds": s}``
  or ``{"real_time": true}``; answers ``{"now", "frozen"}``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderbridge.sandbox.ebay.custom_orders import PartialOrderError
from orderbridge.sandbox.ebay.errors import EbayApiError
from orderbridge.sandbox.ebay.faults import FaultConfig
from orderbridge.sandbox.ebay.generator import STATUSES
from orderbridge.sandbox.ebay.lifecycle import (
    BUYER_CANCEL_REASONS,
    close,
    ship_everything,
    start_cancellation,
    touch,
)
from orderbridge.sandbox.ebay.orders_api import base_url
from orderbridge.sandbox.ebay.postorder_api import cancel_detail
from orderbridge.sandbox.ebay.records import Order
from orderbridge.sandbox.ebay.throttle import CALL_RATES
from orderbridge.sandbox.ebay.views import iso, render_fulfillment, render_order

if TYPE_CHECKING:
    from orderbridge.sandbox.ebay.state import EbaySimulator

MAX_ORDERS_PER_CALL = 100_000
_KNOBS = ("lose_write_responses", "fail_refunds", "drain")


def _error(status: int, message: str) -> EbayApiError:
    return EbayApiError(status, 1, message[:50], domain="SANDBOX", long_message=message)


def _sim(request: Request) -> EbaySimulator:
    simulator: EbaySimulator = request.app.state.simulator
    return simulator


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise _error(400, "body must be JSON") from None
    if not isinstance(data, dict):
        raise _error(400, "body must be a JSON object")
    return data


def _handle(
    func: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await func(request)
        except EbayApiError as error:
            return JSONResponse(error.body(), status_code=error.status)

    return endpoint


def _order(request: Request) -> Order:
    simulator = _sim(request)
    simulator.settle()
    order = simulator.store.get(request.path_params["orderId"])
    if order is None:
        raise _error(404, "no such order")
    return order


async def create_orders(request: Request) -> Response:
    simulator = _sim(request)
    body = await _body(request)
    if ("count" in body) == ("order" in body):
        raise _error(400, 'give either "count" (generated orders) or "order" (one partial order)')
    if "order" in body:
        try:
            order = simulator.add_partial(body["order"])
        except PartialOrderError as error:
            raise _error(400, str(error)) from None
        return JSONResponse({"orderIds": [order.order_id]}, status_code=201)
    count = body["count"]
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not 1 <= count <= MAX_ORDERS_PER_CALL
    ):
        raise _error(400, f"count must be an integer within 1..{MAX_ORDERS_PER_CALL}")
    marketplace_id = body.get("marketplaceId")
    if marketplace_id is not None and marketplace_id not in simulator.settings.marketplace_ids:
        raise _error(
            400, f"marketplaceId must be one of {list(simulator.settings.marketplace_ids)}"
        )
    status = body.get("status", "NOT_STARTED")
    if status not in STATUSES:
        raise _error(400, f"status must be one of {list(STATUSES)}")
    orders = simulator.add_generated(count, marketplace_id, status)
    return JSONResponse({"orderIds": [o.order_id for o in orders]}, status_code=201)


async def show_order(request: Request) -> Response:
    order = _order(request)
    rendered = render_order(order, base_url=base_url(request), tax_breakdown=True, full=True)
    refunds = [
        {
            "refundId": refund.refund_id,
            "reasonForRefund": refund.reason,
            "comment": refund.comment,
            "refundStatus": refund.status,
            "amounts": {str(k) if k else "order": f"{v:.2f}" for k, v in refund.amounts.items()},
        }
        for refund in order.refunds
    ]
    return JSONResponse(
        {
            "order": rendered,
            "fulfillments": [render_fulfillment(f) for f in order.fulfillments],
            "refunds": refunds,
            "cancellations": [cancel_detail(order, c) for c in order.cancellations],
        }
    )


async def change_status(request: Request) -> Response:
    simulator = _sim(request)
    order = _order(request)
    body = await _body(request)
    now = simulator.clock.timestamp()
    if "cancelState" in body:
        _buyer_cancels(simulator, order, body, now)
    elif body.get("orderFulfillmentStatus") == "FULFILLED":
        if order.cancel_state == "CANCELED" or order.paid_at is None:
            raise _error(409, "only a paid, open order can be shipped")
        if (
            ship_everything(order, now, simulator.generator.tracking_number(order.shipping_carrier))
            is None
        ):
            raise _error(409, "every unit is shipped already")
    elif body.get("orderPaymentStatus") == "PAID":
        if order.paid_at is not None:
            raise _error(409, "the order is paid already")
        order.paid_at = now
        touch(order, now)
    else:
        raise _error(
            400,
            'give "cancelState", "orderFulfillmentStatus": "FULFILLED" or '
            '"orderPaymentStatus": "PAID"',
        )
    return JSONResponse(
        {
            "orderId": order.order_id,
            "orderFulfillmentStatus": order.fulfillment_status,
            "orderPaymentStatus": order.payment_status,
            "cancelState": order.cancel_state,
            "lastModifiedDate": iso(order.last_modified),
        }
    )


def _buyer_cancels(
    simulator: EbaySimulator, order: Order, body: dict[str, Any], now: float
) -> None:
    state = body["cancelState"]
    reason = body.get("cancelReason", "ORDER_MISTAKE")
    if reason not in BUYER_CANCEL_REASONS:
        raise _error(400, f"cancelReason must be one of {sorted(BUYER_CANCEL_REASONS)}")
    if state not in ("CANCELED", "IN_PROGRESS"):
        raise _error(400, "cancelState must be CANCELED or IN_PROGRESS")
    if order.cancel_state != "NONE_REQUESTED" or order.fulfillments:
        raise _error(409, "only an unshipped order without a cancellation can be cancelled")
    cancellation = start_cancellation(
        order,
        initiator="BUYER",
        reason=reason,
        now=now,
        processing=0,
        ids=simulator.ids,
        awaiting_seller=state == "IN_PROGRESS",
    )
    if state == "CANCELED" and cancellation.state != "CLOSED":
        close(order, cancellation, now, simulator.ids)


async def stats(request: Request) -> Response:
    simulator = _sim(request)
    body: dict[str, Any] = {"orders": len(simulator.store), "calls": simulator.stats.snapshot()}
    if simulator.faults.lost:
        body["lostWriteResponses"] = dict(sorted(simulator.faults.lost.items()))
    return JSONResponse(body)


async def faults(request: Request) -> Response:
    simulator = _sim(request)
    injector = simulator.faults
    if request.method in ("POST", "PUT"):
        body = await _body(request)
        current = injector.config.as_dict()
        unknown = sorted(set(body) - set(current) - set(_KNOBS))
        if unknown:
            raise _error(400, f"unknown field(s) {unknown}; known: {sorted([*current, *_KNOBS])}")
        knobs = {name: body.pop(name) for name in _KNOBS if name in body}
        try:
            config = FaultConfig(**{**current, **body})
            config.validate()
            if "lose_write_responses" in knobs:
                injector.lose_next_writes(knobs["lose_write_responses"])
            if "fail_refunds" in knobs:
                injector.fail_next_refunds(knobs["fail_refunds"])
            for operation in _operations(knobs.get("drain")):
                simulator.throttle.drain(operation)
            injector.configure(config)
        except ValueError as error:
            raise _error(400, str(error)) from None
    answer: dict[str, Any] = dict(injector.config.as_dict())
    if injector.lost_pending:
        answer["lose_write_responses"] = injector.lost_pending
    if injector.failing_refunds:
        answer["fail_refunds"] = injector.failing_refunds
    return JSONResponse(answer)


def _operations(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or any(item not in CALL_RATES for item in value):
        raise ValueError(f"drain must list methods among {sorted(CALL_RATES)}")
    return list(value)


async def reset(request: Request) -> Response:
    body = await _body(request)
    orders = body.get("orders")
    if orders is not None and (
        isinstance(orders, bool)
        or not isinstance(orders, int)
        or not 0 <= orders <= MAX_ORDERS_PER_CALL
    ):
        raise _error(400, f"orders must be an integer within 0..{MAX_ORDERS_PER_CALL}")
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
                raise _error(400, "advance_seconds must be a number")
            simulator.clock.advance(float(seconds))
        elif "now" in body:
            try:
                when = datetime.fromisoformat(str(body["now"]))
            except ValueError:
                raise _error(400, "now must be an ISO 8601 date-time") from None
            simulator.clock.set(when, frozen=bool(body.get("frozen", True)))
        else:
            raise _error(400, 'give "now", "advance_seconds" or "real_time"')
    return JSONResponse({"now": iso(simulator.clock.timestamp()), "frozen": simulator.clock.frozen})


ROUTES: list[Route] = [
    Route("/_sandbox/orders", _handle(create_orders), methods=["POST"]),
    Route("/_sandbox/orders/{orderId}", _handle(show_order), methods=["GET"]),
    Route("/_sandbox/orders/{orderId}/status", _handle(change_status), methods=["POST"]),
    Route("/_sandbox/stats", _handle(stats), methods=["GET"]),
    Route("/_sandbox/faults", _handle(faults), methods=["GET", "POST", "PUT"]),
    Route("/_sandbox/reset", _handle(reset), methods=["POST"]),
    Route("/_sandbox/clock", _handle(clock), methods=["GET", "POST"]),
]
