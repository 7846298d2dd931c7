"""Assembly of the eBay simulator's ASGI application.

One app serves every host a client talks to: the OAuth token endpoint, the Fulfillment
API under ``/sell/fulfillment/v1`` and the Post-Order cancellation and return calls
under ``/post-order/v2``, so a connector needs a single base URL. The in-memory state
hangs off ``app.state.simulator`` for in-process tests.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.date_header import SimulatorDateHeader
from orderbridge.sandbox.ebay import control, return_control
from orderbridge.sandbox.ebay.auth import TOKEN_PATH, token_endpoint
from orderbridge.sandbox.ebay.errors import EbayApiError
from orderbridge.sandbox.ebay.fulfillments_api import (
    FULFILLMENT_PATH,
    FULFILLMENTS_PATH,
    create_fulfillment,
    get_fulfillment,
    list_fulfillments,
)
from orderbridge.sandbox.ebay.orders_api import ORDER_PATH, ORDERS_PATH, get_order, get_orders
from orderbridge.sandbox.ebay.postorder_api import (
    APPROVE_PATH,
    CANCELLATION_PATH,
    CANCELLATIONS_PATH,
    ELIGIBILITY_PATH,
    approve_cancellation,
    check_eligibility,
    create_cancellation,
    get_cancellation,
)
from orderbridge.sandbox.ebay.refunds_api import REFUND_PATH, issue_refund
from orderbridge.sandbox.ebay.returns_api import (
    DECIDE_PATH,
    RETURN_PATH,
    RETURN_REFUND_PATH,
    SEARCH_PATH,
    decide_return,
    get_return,
    refund_return,
    search_returns,
)
from orderbridge.sandbox.ebay.settings import EbaySimulatorSettings
from orderbridge.sandbox.ebay.state import EbaySimulator


async def _http_error(request: Request, exc: Exception) -> Response:
    # Unknown paths and wrong methods answer in eBay's error shape, not as plain text;
    # eBay's own ids for these are not documented, so the ids are the simulator's.
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal error"
    error = EbayApiError(
        status,
        9404 if status == 404 else 9405,
        "Resource not found" if status == 404 else "Method not allowed",
        domain="API_GATEWAY",
        long_message=str(detail),
    )
    return JSONResponse(error.body(), status_code=status)


def create_app(
    settings: EbaySimulatorSettings | None = None, *, clock: SimulatorClock | None = None
) -> Starlette:
    """Build a simulator app; pass ``clock`` to control time (tests freeze and move it)."""
    simulator = EbaySimulator(settings or EbaySimulatorSettings(), clock or SimulatorClock())
    routes = [
        Route(TOKEN_PATH, token_endpoint, methods=["POST"]),
        Route(ORDERS_PATH, get_orders, methods=["GET"]),
        Route(ORDER_PATH, get_order, methods=["GET"]),
        Route(FULFILLMENTS_PATH, create_fulfillment, methods=["POST"]),
        Route(FULFILLMENTS_PATH, list_fulfillments, methods=["GET"]),
        Route(FULFILLMENT_PATH, get_fulfillment, methods=["GET"]),
        Route(REFUND_PATH, issue_refund, methods=["POST"]),
        Route(ELIGIBILITY_PATH, check_eligibility, methods=["POST"]),
        Route(CANCELLATIONS_PATH, create_cancellation, methods=["POST"]),
        Route(APPROVE_PATH, approve_cancellation, methods=["POST"]),
        Route(CANCELLATION_PATH, get_cancellation, methods=["GET"]),
        # The search path must precede the {returnId} route that would also match it.
        Route(SEARCH_PATH, search_returns, methods=["GET"]),
        Route(RETURN_PATH, get_return, methods=["GET"]),
        Route(DECIDE_PATH, decide_return, methods=["POST"]),
        Route(RETURN_REFUND_PATH, refund_return, methods=["POST"]),
        *control.ROUTES,
        *return_control.ROUTES,
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: _http_error, 405: _http_error},
        middleware=[Middleware(SimulatorDateHeader, clock=simulator.clock)],
    )
    app.state.simulator = simulator
    return app
