"""The sandbox OMS as an ASGI app: a signed order webhook, a read-back API and fault controls.

Routes:

- ``POST /webhooks/orders``: check timestamp and signature (401 naming the problem), require
  ``Idempotency-Key`` (400) and a JSON Content-Type (415), de-duplicate by the key (a replay
  answers 200 ``{"duplicate": true}``), store the order document.
- ``GET /orders`` and ``GET /orders/{key}``: what was stored, with delivery attempts per key.
- ``POST /_sandbox/faults``, ``POST /_sandbox/reset``, ``GET /_sandbox/stats``: test controls.
- ``/status-updates``: shipments, cancellations and refunds for orderbridge to poll, and
  their controls (see ``status_updates.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from orderbridge.sandbox.oms.inbox import Fault, Inbox
from orderbridge.sandbox.oms.settings import DEFAULT_TOLERANCE_SECONDS, SandboxOmsSettings
from orderbridge.sandbox.oms.signature import Rejected, check_signature
from orderbridge.sandbox.oms.status_updates import StatusFeed, status_update_routes


class FaultRequest(BaseModel):
    """The next ``count`` deliveries wait ``delay_seconds``, then answer ``status`` if given.

    A delay without a status lets the delivery be stored after the wait: the slow OMS whose
    late success makes idempotency matter.
    """

    count: int = Field(default=1, ge=1, le=10_000)
    status: int | None = Field(default=None, ge=300, le=599)
    delay_seconds: float = Field(default=0.0, ge=0, le=300)
    body: str | None = Field(default=None, max_length=100_000)


def create_app(
    secret: str,
    *,
    fail_next: int = 0,
    fail_status: int = 500,
    delay_seconds: float = 0.0,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    latency_seconds: float = 0.0,
    status_token: str | None = None,
) -> FastAPI:
    """A fresh sandbox OMS with its own empty inbox.

    ``status_token``, when given, is the bearer token ``GET /status-updates`` requires.
    """
    return build_app(
        SandboxOmsSettings(
            secret=secret,
            tolerance_seconds=tolerance_seconds,
            fail_next=fail_next,
            fail_status=fail_status,
            delay_seconds=delay_seconds,
            latency_seconds=latency_seconds,
        ),
        status_token=status_token,
    )


def build_app(settings: SandboxOmsSettings, *, status_token: str | None = None) -> FastAPI:
    if not settings.secret:
        raise ValueError("the sandbox OMS needs a secret to check signatures with")
    inbox = Inbox()
    # Returns are kept apart from orders, as an OMS routes them by the event header.
    returns_inbox = Inbox()
    if settings.fail_next > 0:
        inbox.add_fault(
            Fault(settings.fail_next, settings.fail_status, settings.delay_seconds, None)
        )
    app = FastAPI(
        title="orderbridge sandbox OMS",
        description="A stand-in for the merchant's OMS that receives signed order webhooks.",
    )
    app.state.settings = settings
    app.state.inbox = inbox
    status_feed = StatusFeed()
    app.state.status_feed = status_feed
    app.include_router(status_update_routes(status_feed, status_token))

    app.state.returns_inbox = returns_inbox

    @app.post("/webhooks/orders")
    async def receive_order(request: Request) -> Response:
        key = request.headers.get("idempotency-key")
        event = request.headers.get("x-orderbridge-event", "")
        book = returns_inbox if event.startswith("return.") else inbox
        book.count_delivery(key)
        book.begin(key)
        try:
            return await _receive(request, key, book)
        finally:
            book.end(key)

    async def _receive(request: Request, key: str | None, inbox: Inbox) -> Response:
        # Read before any delay, as a real OMS has the order in hand while it is slow: a sender
        # that gives up waiting must not be able to stop it from being stored.
        body = await request.body()
        if settings.latency_seconds:
            await asyncio.sleep(settings.latency_seconds)
        fault = inbox.take_fault()
        if fault is not None:
            if fault.delay_seconds:
                await asyncio.sleep(fault.delay_seconds)
            if fault.status is not None:
                return _fault_response(fault)
        try:
            check_signature(
                settings.secret,
                request.headers.get("x-orderbridge-timestamp"),
                request.headers.get("x-orderbridge-signature"),
                body,
                now=time.time(),
                tolerance_seconds=settings.tolerance_seconds,
            )
        except Rejected as exc:
            inbox.reject()
            return _error(401, exc.code, exc.message)
        if not key:
            inbox.reject()
            return _error(400, "missing_idempotency_key", "Idempotency-Key header is missing")
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            inbox.reject()
            return _error(
                415, "unsupported_media_type", f"Content-Type {content_type!r} is not JSON"
            )
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            inbox.reject()
            return _error(400, "invalid_json", f"body is not JSON: {exc}")
        if not isinstance(document, dict):
            inbox.reject()
            return _error(422, "not_an_object", "body must be a JSON object (one order)")
        entry, duplicate = inbox.store(
            key, document, body, user_agent=request.headers.get("user-agent")
        )
        # A replay is a success for the sender: the order is here, exactly once.
        return JSONResponse(
            {
                "duplicate": duplicate,
                "idempotency_key": key,
                "received_at": entry.received_at.isoformat().replace("+00:00", "Z"),
                "same_body": entry.body_sha256 == hashlib.sha256(body).hexdigest(),
            }
        )

    @app.get("/orders")
    async def list_orders() -> dict[str, Any]:
        orders = inbox.orders()
        return {"count": len(orders), "orders": orders, "attempts": inbox.attempts()}

    @app.get("/returns")
    async def list_returns() -> dict[str, Any]:
        received = returns_inbox.orders()
        return {"count": len(received), "returns": received}

    @app.get("/orders/{key:path}")
    async def get_order(key: str) -> Response:
        entry = inbox.order(key)
        if entry is None:
            return _error(404, "not_found", f"no order was received with Idempotency-Key {key!r}")
        return JSONResponse(entry)

    @app.post("/_sandbox/faults")
    async def add_fault(spec: FaultRequest) -> Response:
        if spec.status is None and spec.delay_seconds == 0:
            return _error(422, "empty_fault", "give a status, a delay_seconds or both")
        pending = inbox.add_fault(Fault(spec.count, spec.status, spec.delay_seconds, spec.body))
        return JSONResponse({"faults_pending": pending})

    @app.post("/_sandbox/reset")
    async def reset() -> dict[str, Any]:
        inbox.reset()
        returns_inbox.reset()
        status_feed.reset()
        return {"reset": True}

    @app.get("/_sandbox/stats")
    async def stats() -> dict[str, Any]:
        return inbox.stats()

    return app


def _fault_response(fault: Fault) -> Response:
    status = fault.status or 500
    if fault.body is None:
        return _error(status, "injected_fault", f"sandbox OMS was told to answer {status}")
    try:
        json.loads(fault.body)
    except json.JSONDecodeError:
        return Response(fault.body, status_code=status, media_type="text/plain")
    return Response(fault.body, status_code=status, media_type="application/json")


def _error(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status)
