"""The request pipeline every Orders API operation of the simulator goes through.

In the order a gateway applies it: required headers (400) → access token and Basic key
(401) → throttling (429) → added latency → injected fault (500/503) → the operation
(200, 400, 404). A write may then have its answer replaced by a 500 (lost responses, see
`faults.py`). Metered answers carry the usage headers, 429s included, and every call is
counted in the statistics with the status it was answered.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from orderbridge.sandbox.walmart.auth import check_basic, check_headers
from orderbridge.sandbox.walmart.errors import (
    WalmartApiError,
    invalid_content,
    too_many_requests,
)

if TYPE_CHECKING:
    from orderbridge.sandbox.walmart.state import WalmartSimulator

Handler = Callable[["WalmartSimulator", Request], Awaitable[dict[str, Any]]]


async def run_operation(
    request: Request, operation: str, handler: Handler, *, write: bool = False
) -> Response:
    simulator: WalmartSimulator = request.app.state.simulator
    headers: dict[str, str] = {}
    try:
        check_headers(request)
        simulator.tokens.check(request.headers.get("WM_SEC.ACCESS_TOKEN"))
        check_basic(simulator, request.headers.get("authorization"), required=False)
        verdict = simulator.throttle.take(operation)
        headers.update(verdict.headers)
        if not verdict.allowed:
            raise too_many_requests()
        await simulator.faults.delay()
        fault = simulator.faults.draw()
        if fault is not None:
            raise fault
        body = await handler(simulator, request)
        status = 200
        lost = simulator.faults.lose_response(operation) if write else None
        if lost is not None:
            raise lost
    except WalmartApiError as error:
        status, body = error.status, error.body()
    simulator.stats.record(operation, status)
    return JSONResponse(body, status_code=status, headers=headers)


async def read_json_object(request: Request, root: str) -> dict[str, Any]:
    """The request body's ``root`` object, or the 400 Walmart gives for anything else."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise invalid_content("The request body is not valid JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get(root), dict):
        raise invalid_content(f"The request body must be a JSON object with {root!r}.", root)
    inner: dict[str, Any] = data[root]
    return inner
