"""Assembly of the simulator's ASGI application.

One app serves what a client of marketplace.walmartapis.com reaches: the Token API
(`POST /v3/token`), the Orders API (`/v3/orders…`), the Returns API (`/v3/returns…`)
and the sandbox's control API (`/_sandbox/…`). Answers carry a `Date` header from the
simulator's clock, so a client reading Walmart's time from it follows a test that moves
the clock. The in-memory state hangs off `app.state.simulator` for in-process tests.
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
from orderbridge.sandbox.walmart import control, return_control
from orderbridge.sandbox.walmart.auth import token
from orderbridge.sandbox.walmart.errors import WalmartApiError
from orderbridge.sandbox.walmart.orders_api import (
    get_all_orders,
    get_all_released_orders,
    get_an_order,
)
from orderbridge.sandbox.walmart.returns_api import get_returns, issue_refund
from orderbridge.sandbox.walmart.settings import WalmartSimulatorSettings
from orderbridge.sandbox.walmart.state import WalmartSimulator
from orderbridge.sandbox.walmart.writes_api import acknowledge, cancel, refund, shipping

TOKEN_PATH = "/v3/token"
ORDERS_PATH = "/v3/orders"
RELEASED_PATH = "/v3/orders/released"
ORDER_PATH = "/v3/orders/{purchaseOrderId}"
RETURNS_PATH = "/v3/returns"


async def _http_error(request: Request, exc: Exception) -> Response:
    # Unknown paths and wrong methods answer in Walmart's error shape, not as plain text.
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "CONTENT_NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "SYSTEM_ERROR")
    error = WalmartApiError(
        status, f"{code}.GMP_GATEWAY_API", "No such resource or method.", category="REQUEST"
    )
    return JSONResponse(error.body(), status_code=status)


def create_app(
    settings: WalmartSimulatorSettings | None = None, *, clock: SimulatorClock | None = None
) -> Starlette:
    """Build a simulator app; pass `clock` to control time (tests freeze and advance it)."""
    simulator = WalmartSimulator(settings or WalmartSimulatorSettings(), clock or SimulatorClock())
    routes = [
        Route(TOKEN_PATH, token, methods=["POST"]),
        Route(ORDERS_PATH, get_all_orders, methods=["GET"]),
        # Before the {purchaseOrderId} route, which would otherwise take "released".
        Route(RELEASED_PATH, get_all_released_orders, methods=["GET"]),
        Route(ORDER_PATH, get_an_order, methods=["GET"]),
        Route(f"{ORDER_PATH}/acknowledge", acknowledge, methods=["POST"]),
        Route(f"{ORDER_PATH}/shipping", shipping, methods=["POST"]),
        Route(f"{ORDER_PATH}/cancel", cancel, methods=["POST"]),
        Route(f"{ORDER_PATH}/refund", refund, methods=["POST"]),
        Route(RETURNS_PATH, get_returns, methods=["GET"]),
        Route(f"{RETURNS_PATH}/{{returnOrderId}}/refund", issue_refund, methods=["POST"]),
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
