"""Sandbox-only control API under `/_sandbox/`: no access token, never throttled or faulted.

Keys that name model concepts use the model's spelling (marketplaceId, fulfillmentStatus,
cancelledBy, cancelReason); simulator knobs use the settings' names. Errors use the same
`{"errors":[{code, message, details}]}` shape as the SP-API.

- `POST /_sandbox/orders` body `{"count": N, "marketplaceId"?: id, "fulfillmentStatus"?: s}`
  adds N generated orders placed now (round-robin over the seller's marketplaces unless one is
  named); or body `{"order": {partial Order JSON}}` adds one order built from it (see
  `custom_orders.py` for the supported fields). 201 `{"orderIds": [...]}`.
- `GET /_sandbox/orders/{orderId}` the order with every includedData block (debugging aid),
  plus what write calls and feeds applied: `packages` (with the carrierCode/carrierName
  sent), `cancellations` (per item: quantityCancelled, cancelledBy, cancelReason), `refunds`
  (per MerchantAdjustmentItemID: item, reason, components given back, feedId) and
  `acknowledged`. Refunds appear only here: the Orders API model has no field for them.
- `POST /_sandbox/orders/{orderId}/status` body `{"fulfillmentStatus": s, "cancelledBy"?:
  BUYER|MERCHANT|AMAZON, "cancelReason"?: text}` changes the status as Amazon would (shipping
  creates a package, cancelling records who and why) and bumps lastUpdatedTime to now.
  200 `{"orderId", "fulfillmentStatus", "lastUpdatedTime"}`; 404 unknown id; 409 impossible
  transition (e.g. from SHIPPED).
- `GET /_sandbox/feeds` every feed, newest first, with its status and each message's result
  (`{"feeds": [{feedId, feedType, processingStatus, ..., fatalReason?, messages: [{messageId,
  amazonOrderId, result: Success|Error, resultMessageCode?, resultDescription?}]}]}`).
- `GET /_sandbox/stats` `{"orders": N, "calls": {operation: {status: count}}}` with operations
  searchOrders, getOrder, confirmShipment, the feeds operations, feedDocumentUpload,
  feedDocumentDownload and lwaToken; plus `"lostWriteResponses": {operation: count}` once
  some answer was withheld.
- `GET|POST|PUT /_sandbox/faults` body/answer `{"fault_rate_500", "fault_rate_503",
  "latency_ms"}` (POST/PUT may name only some); the body may also hold
  `"lose_write_responses": N`: the next N successful write calls (confirmShipment, createFeed)
  are applied but answered 500. The answer shows `lose_write_responses` while some remain.
- `POST /_sandbox/reset` body `{"orders_per_marketplace"?: N}`: regenerate orders from the
  seed, refill throttling buckets, clear statistics, restore faults from the settings.
- `GET|POST /_sandbox/clock` body `{"now": ISO time, "frozen"?: true}` or
  `{"advance_seconds": s}` or `{"real_time": true}`; answers `{"now", "frozen"}`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderbridge.sandbox.amazon.custom_orders import PartialOrderError
from orderbridge.sandbox.amazon.errors import error_list
from orderbridge.sandbox.amazon.faults import FaultConfig
from orderbridge.sandbox.amazon.lifecycle import CANCELLED_BY, FULFILLMENT_STATUSES, TransitionError
from orderbridge.sandbox.amazon.views import INCLUDED_DATA, iso, render_order
from orderbridge.sandbox.amazon.write_views import applied_writes, feed_listing

if TYPE_CHECKING:
    from orderbridge.sandbox.amazon.state import AmazonSimulator

MAX_ORDERS_PER_CALL = 100_000


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _bad(message: str) -> ControlError:
    return ControlError(400, "InvalidInput", message)


def _sim(request: Request) -> AmazonSimulator:
    simulator: AmazonSimulator = request.app.state.simulator
    return simulator


async def _json_body(request: Request) -> dict[str, Any]:
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
    """Turn ControlError into the shared error shape; keeps each endpoint free of try/except."""

    async def endpoint(request: Request) -> Response:
        try:
            result: Response = await func(request)
        except ControlError as error:
            return JSONResponse(error_list(error.code, error.message), status_code=error.status)
        return result

    return endpoint


async def create_orders(request: Request) -> Response:
    simulator = _sim(request)
    body = await _json_body(request)
    if ("count" in body) == ("order" in body):
        raise _bad('give either "count" (generated orders) or "order" (one partial order)')
    if "order" in body:
        try:
            order = simulator.add_partial(body["order"])
        except PartialOrderError as error:
            raise _bad(str(error)) from None
        return JSONResponse({"orderIds": [order.order_id]}, status_code=201)
    count = body["count"]
    if (
        not isinstance(count, int)
        or isinstance(count, bool)
        or not 1 <= count <= MAX_ORDERS_PER_CALL
    ):
        raise _bad(f"count must be an integer within 1..{MAX_ORDERS_PER_CALL}")
    marketplace_id = body.get("marketplaceId")
    if marketplace_id is not None and marketplace_id not in simulator.settings.marketplace_ids:
        raise _bad(f"marketplaceId must be one of {list(simulator.settings.marketplace_ids)}")
    status = body.get("fulfillmentStatus")
    if status is not None and status not in FULFILLMENT_STATUSES:
        raise _bad(f"fulfillmentStatus must be one of {list(FULFILLMENT_STATUSES)}")
    orders = simulator.add_generated(count, marketplace_id, status)
    return JSONResponse({"orderIds": [o.order_id for o in orders]}, status_code=201)


async def show_order(request: Request) -> Response:
    simulator = _sim(request)
    simulator.settle_feeds()
    order = simulator.store.get(request.path_params["orderId"])
    if order is None:
        raise ControlError(404, "NotFound", "no such order")
    rendered = render_order(order, frozenset(INCLUDED_DATA), simulator.clock.timestamp())
    return JSONResponse({"order": rendered, **applied_writes(order)})


async def list_feeds(request: Request) -> Response:
    simulator = _sim(request)
    simulator.settle_feeds()
    return JSONResponse({"feeds": feed_listing(simulator.feeds, simulator.clock.timestamp())})


async def change_status(request: Request) -> Response:
    simulator = _sim(request)
    order = simulator.store.get(request.path_params["orderId"])
    if order is None:
        raise ControlError(404, "NotFound", "no such order")
    body = await _json_body(request)
    status = body.get("fulfillmentStatus")
    if status not in FULFILLMENT_STATUSES:
        raise _bad(f"fulfillmentStatus must be one of {list(FULFILLMENT_STATUSES)}")
    cancelled_by = body.get("cancelledBy")
    if cancelled_by is not None and cancelled_by not in CANCELLED_BY:
        raise _bad(f"cancelledBy must be one of {list(CANCELLED_BY)}")
    reason = body.get("cancelReason")
    if reason is not None and not isinstance(reason, str):
        raise _bad("cancelReason must be a string")
    try:
        simulator.change_status(order, status, cancelled_by, reason)
    except TransitionError as error:
        raise ControlError(409, "Conflict", str(error)) from None
    return JSONResponse(
        {
            "orderId": order.order_id,
            "fulfillmentStatus": order.status,
            "lastUpdatedTime": iso(order.last_updated),
        }
    )


async def stats(request: Request) -> Response:
    simulator = _sim(request)
    body: dict[str, Any] = {"orders": len(simulator.store), "calls": simulator.stats.snapshot()}
    if simulator.faults.lost_responses:
        body["lostWriteResponses"] = dict(sorted(simulator.faults.lost_responses.items()))
    return JSONResponse(body)


LOSE_WRITE_RESPONSES = "lose_write_responses"


async def faults(request: Request) -> Response:
    simulator = _sim(request)
    injector = simulator.faults
    if request.method in ("POST", "PUT"):
        body = await _json_body(request)
        current = injector.config.as_dict()
        unknown = sorted(set(body) - set(current) - {LOSE_WRITE_RESPONSES})
        if unknown:
            raise _bad(
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
            raise _bad(str(error)) from None
    answer: dict[str, Any] = dict(injector.config.as_dict())
    # shown only while pending, so the answer keeps its long-standing shape otherwise
    if injector.lost_responses_pending:
        answer[LOSE_WRITE_RESPONSES] = injector.lost_responses_pending
    return JSONResponse(answer)


async def reset(request: Request) -> Response:
    simulator = _sim(request)
    body = await _json_body(request)
    per_marketplace = body.get("orders_per_marketplace")
    if per_marketplace is not None and (
        not isinstance(per_marketplace, int) or not 0 <= per_marketplace <= MAX_ORDERS_PER_CALL
    ):
        raise _bad(f"orders_per_marketplace must be an integer within 0..{MAX_ORDERS_PER_CALL}")
    return JSONResponse({"orders": simulator.reset(per_marketplace)})


async def clock(request: Request) -> Response:
    simulator = _sim(request)
    if request.method == "POST":
        body = await _json_body(request)
        if body.get("real_time"):
            simulator.clock.use_real_time()
        elif "advance_seconds" in body:
            seconds = body["advance_seconds"]
            if not isinstance(seconds, int | float):
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
    return JSONResponse({"now": iso(simulator.clock.timestamp()), "frozen": simulator.clock.frozen})


async def override_order(request: Request) -> Response:
    """Serve this order with a patch merged in (malformed data on purpose), or stop doing so."""
    simulator = _sim(request)
    order_id = request.path_params["orderId"]
    if simulator.store.get(order_id) is None:
        raise ControlError(404, "NotFound", "no such order")
    if request.method == "DELETE":
        removed = simulator.overrides.remove(order_id)
        return JSONResponse({"orderId": order_id, "removed": removed})
    body = await _json_body(request)
    simulator.overrides.set(order_id, body)
    return JSONResponse({"orderId": order_id, "override": body})


ROUTES: list[Route] = [
    Route("/_sandbox/orders", _handle(create_orders), methods=["POST"]),
    Route("/_sandbox/orders/{orderId}", _handle(show_order), methods=["GET"]),
    Route("/_sandbox/orders/{orderId}/status", _handle(change_status), methods=["POST"]),
    Route(
        "/_sandbox/orders/{orderId}/override",
        _handle(override_order),
        methods=["PUT", "DELETE"],
    ),
    Route("/_sandbox/feeds", _handle(list_feeds), methods=["GET"]),
    Route("/_sandbox/stats", _handle(stats), methods=["GET"]),
    Route("/_sandbox/faults", _handle(faults), methods=["GET", "POST", "PUT"]),
    Route("/_sandbox/reset", _handle(reset), methods=["POST"]),
    Route("/_sandbox/clock", _handle(clock), methods=["GET", "POST"]),
]
