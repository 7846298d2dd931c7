"""The request pipeline every business call of the simulator goes through.

In the order eBay's gateway applies it: access token and scope (401/403) → throttling
(429) → added latency → injected fault (500/503) → the method (2xx, 4xx). Before the
method runs, refunds and cancellations that are due are settled, so every answer shows the
state as of the simulator's now. A write's answer may then be replaced by a 500 (lost
answers, see ``faults.py``). Every call is counted with the status it was answered.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from orderbridge.sandbox.ebay.errors import (
    POST_ORDER,
    EbayApiError,
    request_error,
    too_many_requests,
)
from orderbridge.sandbox.ebay.settings import SCOPE_ROOT

if TYPE_CHECKING:
    from orderbridge.sandbox.ebay.state import EbaySimulator

READ_SCOPES = frozenset(
    {f"{SCOPE_ROOT}/sell.fulfillment", f"{SCOPE_ROOT}/sell.fulfillment.readonly"}
)
WRITE_SCOPES = frozenset({f"{SCOPE_ROOT}/sell.fulfillment"})
REFUND_SCOPES = frozenset({f"{SCOPE_ROOT}/sell.finances"})
# eBay states no scope for the Post-Order API beyond a user token; any scope passes.
ANY_SCOPE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Answer:
    """A successful method's status, JSON body (None: none) and extra headers."""

    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["EbaySimulator", Request], Awaitable[Answer]]


class CallStats:
    """Calls per method and HTTP status, for ``/_sandbox/stats``."""

    def __init__(self) -> None:
        self._counts: dict[str, Counter[int]] = {}

    def record(self, operation: str, status: int) -> None:
        self._counts.setdefault(operation, Counter())[status] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {
            operation: {str(status): n for status, n in sorted(counter.items())}
            for operation, counter in sorted(self._counts.items())
        }

    def clear(self) -> None:
        self._counts.clear()


async def run_operation(
    request: Request,
    operation: str,
    handler: Handler,
    *,
    scopes: frozenset[str],
    write: bool = False,
    post_order: bool = False,
) -> Response:
    simulator: EbaySimulator = request.app.state.simulator
    try:
        scheme = "IAF" if post_order else "Bearer"
        simulator.tokens.authenticate(request.headers.get("authorization"), scheme, scopes)
        if post_order:
            _marketplace_header(request)
        if not simulator.throttle.admit(operation):
            raise too_many_requests()
        await simulator.faults.delay()
        fault = simulator.faults.draw()
        if fault is not None:
            raise fault
        simulator.settle()
        answer = await handler(simulator, request)
        lost = simulator.faults.lose(operation) if write else None
        if lost is not None:
            raise lost
    except EbayApiError as error:
        answer = Answer(error.status, error.body())
    simulator.stats.record(operation, answer.status)
    if answer.body is None:
        return Response(status_code=answer.status, headers=answer.headers)
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)


def _marketplace_header(request: Request) -> None:
    value = request.headers.get("x-ebay-c-marketplace-id", "")
    # Older Post-Order pages write EBAY-US, newer ones EBAY_US; both name one site.
    if not value.replace("-", "_").startswith("EBAY_"):
        raise EbayApiError(
            400,
            9100,
            "Missing or invalid X-EBAY-C-MARKETPLACE-ID",
            domain=POST_ORDER,
            long_message="The Post-Order API needs the marketplace header, e.g. EBAY_US.",
        )


async def read_json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or eBay's 400 for unreadable input (32600)."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise request_error(32600, "Invalid input data", "The request body is not JSON.") from None
    if not isinstance(data, dict):
        raise request_error(32600, "Invalid input data", "The request body must be a JSON object.")
    return data
