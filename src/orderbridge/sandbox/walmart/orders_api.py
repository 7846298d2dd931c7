"""The read operations of the Orders API: getAllOrders, getAllReleasedOrders, getAnOrder.

Searches answer `{"list": {"meta": {totalCount, limit, nextCursor?}, "elements": {"order":
[…]}}}`; one order answers `{"order": {…}}` (the official example wraps it so, although
the schema shows the bare order) or 404 CONTENT_NOT_FOUND. All go through the shared
pipeline (`pipeline.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.walmart.errors import invalid_content, not_found
from orderbridge.sandbox.walmart.listing import find_page, next_cursor, parse_search
from orderbridge.sandbox.walmart.pipeline import run_operation
from orderbridge.sandbox.walmart.views import render_order

if TYPE_CHECKING:
    from orderbridge.sandbox.walmart.state import WalmartSimulator

GET_ONE_PARAMS = frozenset({"productInfo", "replacementInfo"})


async def get_all_orders(request: Request) -> Response:
    return await run_operation(request, "getAllOrders", _all)


async def get_all_released_orders(request: Request) -> Response:
    return await run_operation(request, "getAllReleasedOrders", _released)


async def get_an_order(request: Request) -> Response:
    return await run_operation(request, "getAnOrder", _one)


async def _all(simulator: WalmartSimulator, request: Request) -> dict[str, Any]:
    return _search(simulator, request, released=False)


async def _released(simulator: WalmartSimulator, request: Request) -> dict[str, Any]:
    return _search(simulator, request, released=True)


def _search(simulator: WalmartSimulator, request: Request, *, released: bool) -> dict[str, Any]:
    partner = (simulator.settings.partner_id, simulator.settings.seller_id)
    search = parse_search(
        request.query_params.multi_items(),
        released=released,
        now_ms=simulator.now_ms(),
        partner=partner,
    )
    page, total, more = find_page(simulator.store, search, simulator.settings.max_orders_per_query)
    meta: dict[str, Any] = {"totalCount": total, "limit": search.limit}
    if more:
        meta["nextCursor"] = next_cursor(search, page[-1], partner)
    product_info = search.filters.get("productInfo") == "true"
    replacement_info = search.filters.get("replacementInfo") == "true"
    orders = [
        render_order(order, product_info=product_info, replacement_info=replacement_info)
        for order in page
    ]
    return {"list": {"meta": meta, "elements": {"order": orders}}}


async def _one(simulator: WalmartSimulator, request: Request) -> dict[str, Any]:
    params = dict(request.query_params)
    unknown = sorted(set(params) - GET_ONE_PARAMS)
    if unknown:
        raise invalid_content(f"Query parameter {unknown[0]!r} is not supported here.", unknown[0])
    order = simulator.store.get(request.path_params["purchaseOrderId"])
    if order is None:
        raise not_found("No order found with the given purchaseOrderId.")
    return {
        "order": render_order(
            order,
            product_info=params.get("productInfo") == "true",
            replacement_info=params.get("replacementInfo") == "true",
        )
    }
