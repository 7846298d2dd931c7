"""The two operations of the Orders API 2026-01-01: searchOrders and getOrder.

Both go through the shared request pipeline (`pipeline.py`: access token, throttling,
faults, then the operation).

searchOrders returns `{"orders": [...], "pagination": {"nextToken"}?, "createdBefore" |
"lastUpdatedBefore"}`. Without an explicit *Before bound the upper bound is two minutes before
the request (the MWS/v0 default, matching the "at least two minutes before now" rule), frozen
into the pagination token, and echoed in the response so a client knows where to resume.
Results are ordered by (time, orderId) ascending; both bounds are inclusive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.amazon.custom_orders import ORDER_ID_PATTERN
from orderbridge.sandbox.amazon.errors import invalid_input, not_found
from orderbridge.sandbox.amazon.pagination import PageState
from orderbridge.sandbox.amazon.pipeline import Answer, Handler, run_operation
from orderbridge.sandbox.amazon.query import (
    BEFORE_MARGIN_SECONDS,
    GET_ORDER_PARAMS,
    check_names,
    parse_included,
    parse_search_query,
)
from orderbridge.sandbox.amazon.store import OrderFilter
from orderbridge.sandbox.amazon.views import iso, render_order

if TYPE_CHECKING:
    from orderbridge.sandbox.amazon.state import AmazonSimulator


def _reading(func: Callable[[AmazonSimulator, Request], dict[str, Any]]) -> Handler:
    async def handler(simulator: AmazonSimulator, request: Request) -> Answer:
        return Answer(200, func(simulator, request))

    return handler


async def search_orders(request: Request) -> Response:
    return await run_operation(request, "searchOrders", _reading(_search))


async def get_order(request: Request) -> Response:
    return await run_operation(request, "getOrder", _reading(_get))


def _search(simulator: AmazonSimulator, request: Request) -> dict[str, Any]:
    now = simulator.clock.timestamp()
    query = parse_search_query(
        request.query_params.multi_items(), simulator.settings.marketplace_ids, now
    )
    fingerprint = query.fingerprint()
    cursor: tuple[int, str] | None = None
    if query.pagination_token is not None:
        state = simulator.pagination.decode(query.pagination_token, now)
        if state.fingerprint != fingerprint:
            raise invalid_input(
                "The paginationToken does not match the request parameters.",
                "Repeat every parameter of the request that returned the token unchanged; "
                "only maxResultsPerPage and includedData may differ.",
            )
        upper, cursor = state.upper, state.cursor
    else:
        upper = query.before if query.before is not None else now - BEFORE_MARGIN_SECONDS
    order_filter = OrderFilter(
        marketplace_ids=frozenset(query.marketplace_ids) if query.marketplace_ids else None,
        statuses=frozenset(query.statuses) if query.statuses else None,
        fulfilled_by=frozenset(query.fulfilled_by) if query.fulfilled_by else None,
    )
    page, more = simulator.store.scan(
        query.field, query.after, upper, order_filter, query.max_results, cursor
    )
    body: dict[str, Any] = {
        "orders": [
            simulator.overrides.apply(o.order_id, render_order(o, query.included, now))
            for o in page
        ]
    }
    if more:
        last = page[-1]
        key = (last.created if query.field == "created" else last.last_updated, last.order_id)
        token = simulator.pagination.encode(PageState(fingerprint, upper, key, now))
        body["pagination"] = {"nextToken": token}
    body["createdBefore" if query.field == "created" else "lastUpdatedBefore"] = iso(upper)
    return body


def _get(simulator: AmazonSimulator, request: Request) -> dict[str, Any]:
    params = request.query_params.multi_items()
    check_names(params, GET_ORDER_PARAMS)
    included = parse_included(params)
    order_id = request.path_params["orderId"]
    if not ORDER_ID_PATTERN.match(order_id):
        raise invalid_input(
            f"Invalid orderId {order_id!r}.", "Order ids look like 123-1234567-1234567."
        )
    order = simulator.store.get(order_id)
    if order is None:
        raise not_found("The requested order was not found.", f"No order with orderId {order_id}.")
    rendered = render_order(order, included, simulator.clock.timestamp())
    return {"order": simulator.overrides.apply(order_id, rendered)}
