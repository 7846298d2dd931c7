"""Assembly of the simulator's ASGI application.

One app serves every host a client talks to: the LWA token endpoint (`/auth/o2/token`, on
api.amazon.com in production), the SP-API paths (on sellingpartnerapi-*.amazon.com: Orders
API 2026-01-01 reads, v0 confirmShipment, Feeds API 2021-06-30) and the stand-ins for the
pre-signed S3 document URLs, so a connector needs a single base URL. The in-memory state hangs off
`app.state.simulator` for in-process tests.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderbridge.sandbox.amazon import control, returns_control
from orderbridge.sandbox.amazon.auth import lwa_token
from orderbridge.sandbox.amazon.errors import error_list
from orderbridge.sandbox.amazon.feed_transfer import download, upload
from orderbridge.sandbox.amazon.feeds_api import (
    DOCUMENT_PATH,
    DOCUMENTS_PATH,
    FEED_PATH,
    FEEDS_PATH,
    create_feed,
    create_feed_document,
    get_feed,
    get_feed_document,
    get_feeds,
)
from orderbridge.sandbox.amazon.orders_api import get_order, search_orders
from orderbridge.sandbox.amazon.reports_api import (
    REPORT_DOCUMENT_PATH,
    REPORT_PATH,
    REPORTS_PATH,
    cancel_report,
    create_report,
    get_report,
    get_report_document,
    get_reports,
)
from orderbridge.sandbox.amazon.settings import AmazonSimulatorSettings
from orderbridge.sandbox.amazon.shipments import CONFIRM_SHIPMENT_PATH, confirm_shipment
from orderbridge.sandbox.amazon.state import AmazonSimulator
from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.date_header import SimulatorDateHeader

SEARCH_ORDERS_PATH = "/orders/2026-01-01/orders"
GET_ORDER_PATH = "/orders/2026-01-01/orders/{orderId}"
LWA_TOKEN_PATH = "/auth/o2/token"


async def _http_error(request: Request, exc: Exception) -> Response:
    # unknown paths and wrong methods answer in the SP-API error shape, not as plain text
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "NotFound", 405: "MethodNotAllowed"}.get(status, "InternalFailure")
    message = exc.detail if isinstance(exc, HTTPException) else "Internal error"
    return JSONResponse(error_list(code, message), status_code=status)


def create_app(
    settings: AmazonSimulatorSettings | None = None, *, clock: SimulatorClock | None = None
) -> Starlette:
    """Build a simulator app; pass `clock` to control time (tests freeze and advance it)."""
    simulator = AmazonSimulator(settings or AmazonSimulatorSettings(), clock or SimulatorClock())
    routes = [
        Route(LWA_TOKEN_PATH, lwa_token, methods=["POST"]),
        Route(SEARCH_ORDERS_PATH, search_orders, methods=["GET"]),
        Route(GET_ORDER_PATH, get_order, methods=["GET"]),
        Route(CONFIRM_SHIPMENT_PATH, confirm_shipment, methods=["POST"]),
        Route(DOCUMENTS_PATH, create_feed_document, methods=["POST"]),
        Route(DOCUMENT_PATH, get_feed_document, methods=["GET"]),
        Route(FEEDS_PATH, create_feed, methods=["POST"]),
        Route(FEEDS_PATH, get_feeds, methods=["GET"]),
        Route(FEED_PATH, get_feed, methods=["GET"]),
        Route(REPORTS_PATH, create_report, methods=["POST"]),
        Route(REPORTS_PATH, get_reports, methods=["GET"]),
        Route(REPORT_PATH, get_report, methods=["GET"]),
        Route(REPORT_PATH, cancel_report, methods=["DELETE"]),
        Route(REPORT_DOCUMENT_PATH, get_report_document, methods=["GET"]),
        Route("/_sandbox/uploads/{feedDocumentId}", upload, methods=["PUT"]),
        Route("/_sandbox/downloads/{feedDocumentId}", download, methods=["GET"]),
        *control.ROUTES,
        *returns_control.ROUTES,
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: _http_error, 405: _http_error},
        middleware=[Middleware(SimulatorDateHeader, clock=simulator.clock)],
    )
    app.state.simulator = simulator
    return app
