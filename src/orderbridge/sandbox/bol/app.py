"""Assembly of the bol.com simulator's ASGI application.

One app serves what a client reaches on two hosts: the login (``/token``, on
login.bol.com in production) and the Retailer and Shared APIs (on api.bol.com), under
their production paths and under bol's demo paths (``/retailer-demo``, ``/shared-demo``),
which behave the same here. The in-memory state hangs off ``app.state.simulator``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderbridge.sandbox.bol import control, return_control
from orderbridge.sandbox.bol.auth import token
from orderbridge.sandbox.bol.orders_api import get_order, list_orders
from orderbridge.sandbox.bol.problems import BolProblem
from orderbridge.sandbox.bol.process_status_api import (
    bulk_process_statuses,
    find_process_statuses,
    get_process_status,
)
from orderbridge.sandbox.bol.returns_api import (
    create_return,
    get_return,
    handle_return,
    list_returns,
)
from orderbridge.sandbox.bol.settings import BolSimulatorSettings
from orderbridge.sandbox.bol.state import BolSimulator
from orderbridge.sandbox.bol.writes_api import cancel_order_item, create_shipment, list_shipments
from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.date_header import SimulatorDateHeader

TOKEN_PATH = "/token"


async def _http_error(request: Request, exc: Exception) -> Response:
    # Unknown paths and wrong methods answer as Problems, not as plain text.
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = {404: "Resource not found.", 405: "Method not allowed."}.get(status, "Error.")
    return BolProblem(status, detail).response(f"https://api.bol.com{request.url.path}")


def _api_routes(retailer: str, shared: str) -> list[Route]:
    return [
        Route(f"{retailer}/orders", list_orders, methods=["GET"]),
        Route(f"{retailer}/orders/cancellation", cancel_order_item, methods=["PUT"]),
        Route(f"{retailer}/orders/{{order_id}}", get_order, methods=["GET"]),
        Route(f"{retailer}/shipments", create_shipment, methods=["POST"]),
        Route(f"{retailer}/shipments", list_shipments, methods=["GET"]),
        Route(f"{retailer}/returns", list_returns, methods=["GET"]),
        Route(f"{retailer}/returns", create_return, methods=["POST"]),
        Route(f"{retailer}/returns/{{return_id}}", get_return, methods=["GET"]),
        Route(f"{retailer}/returns/{{rma_id}}", handle_return, methods=["PUT"]),
        Route(f"{shared}/process-status", find_process_statuses, methods=["GET"]),
        Route(f"{shared}/process-status", bulk_process_statuses, methods=["POST"]),
        Route(
            f"{shared}/process-status/{{process_status_id}}", get_process_status, methods=["GET"]
        ),
    ]


def create_app(
    settings: BolSimulatorSettings | None = None, *, clock: SimulatorClock | None = None
) -> Starlette:
    """Build a simulator app; pass ``clock`` to control time (tests freeze and advance it)."""
    simulator = BolSimulator(settings or BolSimulatorSettings(), clock or SimulatorClock())
    routes = [
        Route(TOKEN_PATH, token, methods=["POST"]),
        *_api_routes("/retailer", "/shared"),
        *_api_routes("/retailer-demo", "/shared-demo"),
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
