"""What every Retailer and Shared API call goes through before and after its handler.

In order: added latency; the bearer token (401); the client's budget for the operation
(429 with ``Retry-After``); the v10 media type (``Accept`` must name it, else 406; a
body must be sent as it, else 415); an injected fault (500/503); then the writes whose
processing time has passed are finished, so the handler sees bol's current state. Every
answer carries the rate-limit headers and is counted in the statistics; an accepted
write may have its answer replaced by a 500 (``lose_write_responses``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.bol.problems import MEDIA_TYPE, BolProblem, bad_request

if TYPE_CHECKING:
    from orderbridge.sandbox.bol.state import BolSimulator

Handler = Callable[[Request, "BolSimulator"], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def _names_media_type(header: str) -> bool:
    return any(part.split(";")[0].strip().lower() == MEDIA_TYPE for part in header.split(","))


def _check_media(request: Request, has_body: bool) -> None:
    if not _names_media_type(request.headers.get("accept", "")):
        raise BolProblem(
            406,
            f"The Accept header must name {MEDIA_TYPE}; this version of the API serves no "
            "other representation.",
        )
    if has_body and not _names_media_type(request.headers.get("content-type", "")):
        raise BolProblem(
            415,
            f"Content type '{request.headers.get('content-type', '')}' not supported; send "
            f"{MEDIA_TYPE}.",
        )


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request([("body", "Request body is not valid JSON.")]) from None


def bol_api(
    operation: str, *, body: bool = False, write: bool = False
) -> Callable[[Handler], Endpoint]:
    """Wrap a handler as the endpoint of ``operation`` (bol's operationId)."""

    def wrap(handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            simulator: BolSimulator = request.app.state.simulator
            instance = f"https://api.bol.com{request.url.path}"
            limits: dict[str, str] = {}
            try:
                await simulator.faults.delay()
                client = simulator.tokens.client_of(request.headers.get("authorization"))
                verdict = simulator.throttle.take(client, operation)
                limits = verdict.headers
                if not verdict.allowed:
                    raise BolProblem(
                        429, f"Too many requests for {operation}; retry after the reset."
                    )
                _check_media(request, body)
                fault = simulator.faults.draw()
                if fault is not None:
                    raise fault
                simulator.settle()
                response = await handler(request, simulator)
                if write and response.status_code == 202:
                    lost = simulator.faults.lose(operation)
                    if lost is not None:
                        response = lost.response(instance)
            except BolProblem as problem:
                response = problem.response(instance)
            response.headers.update(limits)
            simulator.stats.record(operation, response.status_code)
            return response

        return endpoint

    return wrap
