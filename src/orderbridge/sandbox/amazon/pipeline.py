"""The request pipeline every SP-API operation of the simulator goes through.

In the order Amazon's gateway applies it: access token (403) -> throttling (429) -> added
latency -> injected fault (500/503) -> the operation (2xx, 400, 404). Before the operation
runs, feeds whose simulated processing time has passed are applied, so every answer sees
the state as of the simulator's now. Write operations may then have their answer replaced
by a 500 (lost responses, see `faults.py`).

Responses carry `x-amzn-RequestId`; 2xx, 400 and 404 also carry `x-amzn-RateLimit-Limit`
(never 403/429, per Usage-Plans-and-Rate-Limits.md) while throttling is on; errors carry
`x-amzn-ErrorType`. Every call is counted in the statistics with the status it was answered.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from orderbridge.sandbox.amazon.errors import SpApiError, invalid_input, quota_exceeded

if TYPE_CHECKING:
    from orderbridge.sandbox.amazon.state import AmazonSimulator

_RATE_HEADER_STATUSES = frozenset({200, 201, 202, 204, 400, 404})


@dataclass(frozen=True)
class Answer:
    """A successful operation's status and JSON body (None: no body, as for 204)."""

    status: int
    body: dict[str, Any] | None = None


Handler = Callable[["AmazonSimulator", Request], Awaitable[Answer]]


async def run_operation(
    request: Request, operation: str, handler: Handler, *, write: bool = False
) -> Response:
    simulator: AmazonSimulator = request.app.state.simulator
    error_type = None
    try:
        seller_id = simulator.tokens.authenticate(request.headers.get("x-amz-access-token"))
        if not simulator.limiter.acquire(seller_id, operation):
            raise quota_exceeded()
        await simulator.faults.delay()
        fault = simulator.faults.draw()
        if fault is not None:
            raise fault
        simulator.settle_feeds()
        answer = await handler(simulator, request)
        lost = simulator.faults.lose_response(operation) if write else None
        if lost is not None:
            raise lost
    except SpApiError as error:
        answer = Answer(error.status, error.body())
        error_type = error.error_type
    headers = {"x-amzn-RequestId": str(uuid4())}
    # Amazon sends the header best-effort; with throttling off there is no rate to announce.
    if answer.status in _RATE_HEADER_STATUSES and simulator.limiter.enabled:
        headers["x-amzn-RateLimit-Limit"] = simulator.limiter.header_value(operation)
    if error_type is not None:
        headers["x-amzn-ErrorType"] = error_type
    simulator.stats.record(operation, answer.status)
    if answer.body is None:
        return Response(status_code=answer.status, headers=headers)
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or the 400 Amazon gives for an unreadable body."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise invalid_input(
            "The request body is not valid JSON.", "Send a JSON object as the body."
        ) from None
    if not isinstance(data, dict):
        raise invalid_input("The request body must be a JSON object.")
    return data
