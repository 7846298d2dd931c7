"""``GET /retailer/orders`` (the reduced list) and ``GET /retailer/orders/{order-id}``.

The list filters order items, then shows each order that kept one, newest order first,
50 orders a page (a page past the end is empty):

* ``fulfilment-method`` FBR (default), FBB or ALL;
* ``status`` OPEN (default: items with units still to ship or cancel, including those
  with a cancellation request), SHIPPED (items with units shipped) or ALL;
* ``change-interval-minute`` (1..60): items changed in the last N minutes;
* ``latest-change-date`` (``YYYY-MM-DD``, at most three months back): items whose latest
  change fell on that Dutch calendar day;
* without either, a handled item shows for 48 hours after its last change, as bol's list
  does; ``vvb-only=true`` shows nothing (the simulated retailer has no VVB orders).

Only the items that pass the filters are listed under their order.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.bol.dutch_time import local_date
from orderbridge.sandbox.bol.endpoint import bol_api
from orderbridge.sandbox.bol.problems import bad_request, invalid_value, not_found
from orderbridge.sandbox.bol.records import OrderItem
from orderbridge.sandbox.bol.views import BolJSONResponse, order_detail, reduced_order

if TYPE_CHECKING:
    from orderbridge.sandbox.bol.state import BolSimulator

PAGE_SIZE = 50
HANDLED_VISIBLE = 48 * 3600
HISTORY = timedelta(days=92)  # "up to 3 months of history is supported"
METHODS = ("FBR", "FBB", "ALL")
STATUSES = ("OPEN", "SHIPPED", "ALL")


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    try:
        page = int(raw)
    except ValueError:
        raise bad_request([("page", f"Request contains invalid value(s): '{raw}'.")]) from None
    if page < 1:
        raise bad_request([("page", "must be greater than or equal to 1")])
    return page


def _choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in allowed:
        raise invalid_value(name, value, allowed)
    return value


def _interval(request: Request) -> int | None:
    raw = request.query_params.get("change-interval-minute")
    if raw is None:
        return None
    try:
        minutes = int(raw)
    except ValueError:
        minutes = 0
    if not 1 <= minutes <= 60:
        raise bad_request(
            [("change-interval-minute", f"'{raw}' must be a whole number of minutes from 1 to 60")]
        )
    return minutes


def _change_date(request: Request, today: date) -> date | None:
    raw = request.query_params.get("latest-change-date")
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise bad_request(
            [("latest-change-date", f"'{raw}' is not a date in the format yyyy-MM-dd")]
        ) from None
    if day < today - HISTORY or day > today:
        raise bad_request(
            [("latest-change-date", "Up to 3 months of history is supported, up to today.")]
        )
    return day


@bol_api("get-orders")
async def list_orders(request: Request, simulator: BolSimulator) -> Response:
    now = simulator.now()
    page = _page(request)
    method = _choice(request, "fulfilment-method", METHODS, "FBR")
    status = _choice(request, "status", STATUSES, "OPEN")
    interval = _interval(request)
    day = _change_date(request, local_date(now))
    vvb_only = request.query_params.get("vvb-only", "false").lower()
    if vvb_only not in ("true", "false"):
        raise invalid_value("vvb-only", vvb_only, ("true", "false"))

    def keep(item: OrderItem) -> bool:
        if method != "ALL" and item.fulfilment_method != method:
            return False
        if status == "OPEN" and item.open <= 0:
            return False
        if status == "SHIPPED" and item.quantity_shipped <= 0:
            return False
        if interval is not None and item.changed_at < now - interval * 60:
            return False
        if day is not None and local_date(item.changed_at) != day:
            return False
        if interval is None and day is None and item.open <= 0:
            return now - item.changed_at <= HANDLED_VISIBLE
        return True

    listed = (
        []
        if vvb_only == "true"
        else simulator.store.listed(
            (order, [item for item in order.items if keep(item)])
            for order in simulator.store.orders()
        )
    )
    start = (page - 1) * PAGE_SIZE
    orders = [reduced_order(order, items) for order, items in listed[start : start + PAGE_SIZE]]
    return BolJSONResponse({"orders": orders})


@bol_api("get-order")
async def get_order(request: Request, simulator: BolSimulator) -> Response:
    order_id = request.path_params["order_id"]
    order = simulator.store.get(order_id)
    if order is None:
        raise not_found(f"Order {order_id}")
    body: dict[str, Any] = order_detail(order)
    override = simulator.overrides.get(order_id)
    if override:
        body = _merged(body, override)
    return BolJSONResponse(body)


def _merged(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` laid over ``base``; nested objects merge, anything else replaces."""
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged
