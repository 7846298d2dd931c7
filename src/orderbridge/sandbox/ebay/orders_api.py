"""getOrders and getOrder.

getOrders answers an ``OrderSearchPagedCollection``: ``href`` (this request), ``limit``,
``offset``, ``total``, ``orders`` and, where they exist, ``next`` and ``prev`` (the same
request at the neighbouring offset). getOrder answers one ``Order``; an id that is not
an eBay order id is refused 400 (32100), an unknown one 404.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.ebay.errors import not_found, request_error
from orderbridge.sandbox.ebay.order_filter import FIELD_GROUPS, parse_orders_request
from orderbridge.sandbox.ebay.pipeline import READ_SCOPES, Answer, run_operation
from orderbridge.sandbox.ebay.views import render_order

if TYPE_CHECKING:
    from orderbridge.sandbox.ebay.state import EbaySimulator

ORDERS_PATH = "/sell/fulfillment/v1/order"
ORDER_PATH = "/sell/fulfillment/v1/order/{orderId}"
ORDER_ID = re.compile(r"^\d{2}-\d{5}-\d{5}$")


async def get_orders(request: Request) -> Response:
    return await run_operation(request, "getOrders", _search, scopes=READ_SCOPES)


async def get_order(request: Request) -> Response:
    return await run_operation(request, "getOrder", _one, scopes=READ_SCOPES)


def base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


async def _search(simulator: EbaySimulator, request: Request) -> Answer:
    now = simulator.clock.timestamp()
    parsed = parse_orders_request(request.query_params.multi_items(), now)
    found = simulator.store.search(parsed.query)
    page = found[parsed.offset : parsed.offset + parsed.limit]
    root = base_url(request)
    body = {
        "href": _link(request, parsed.offset),
        "total": len(found),
        "limit": parsed.limit,
        "offset": parsed.offset,
        "orders": [
            render_order(order, base_url=root, tax_breakdown=parsed.tax_breakdown, full=False)
            for order in page
        ],
    }
    if parsed.query.order_ids is None:
        if parsed.offset + parsed.limit < len(found):
            body["next"] = _link(request, parsed.offset + parsed.limit)
        if parsed.offset > 0:
            body["prev"] = _link(request, max(parsed.offset - parsed.limit, 0))
    return Answer(200, body)


def _link(request: Request, offset: int) -> str:
    """This request at another offset, every other parameter as it came."""
    parts = [
        f"{name}={quote(value, safe=':.,-')}"
        for name, value in request.query_params.multi_items()
        if name != "offset"
    ]
    parts.append(f"offset={offset}")
    return f"{base_url(request)}{request.url.path}?{'&'.join(parts)}"


async def _one(simulator: EbaySimulator, request: Request) -> Answer:
    order_id = request.path_params["orderId"]
    groups = request.query_params.get("fieldGroups")
    if groups is not None and groups not in FIELD_GROUPS:
        raise request_error(
            32800, "Invalid field group", f"Invalid field group: {groups}", fieldGroup=groups
        )
    if not ORDER_ID.match(order_id):
        raise request_error(
            32100, "Invalid order ID", f"Invalid order ID: {order_id}", orderId=order_id
        )
    order = simulator.store.get(order_id)
    if order is None:
        raise not_found(32100, "Invalid order ID", orderId=order_id)
    body = render_order(
        order, base_url=base_url(request), tax_breakdown=groups is not None, full=True
    )
    return Answer(200, body)
