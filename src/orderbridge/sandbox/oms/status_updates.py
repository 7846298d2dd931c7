"""The sandbox OMS's feed of status updates, which orderbridge polls since a cursor.

Updates are served in the order they were added, each once per pass of a cursor. The
cursor is opaque to clients; here it wraps the sequence number of the last update
served. Numbers are never reused, not even after a reset, so a cursor handed out before
a reset still means "after that one" and never skips a newer update.

Routes (wired in ``app.py``):

- ``GET /status-updates?since=&limit=``: the protocol of docs/oms-polling.md, behind the
  bearer token when the sandbox has one (401 otherwise).
- ``POST /status-updates``: add one update or a list; an update without ``id`` gets one.
  Contents are not checked, so tests can serve the malformed updates a real OMS might.
- ``DELETE /status-updates``: forget the updates and pending faults.
- ``POST /status-updates/faults``: the next polls (optionally after ``after`` good ones)
  answer late, wrongly, or both.
- ``GET /status-updates/stats``: how often it was polled, and what it refused.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import bisect
import hmac
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from orderbridge.sandbox.oms.inbox import Fault

DEFAULT_LIMIT = 100
MAX_LIMIT = 1_000
MAX_ADD = 100_000
_CURSOR_PREFIX = "sbx1:"


class StatusFaultRequest(BaseModel):
    """The next ``count`` polls wait ``delay_seconds``, then answer ``status`` if given.

    A 2xx status with a body of its own is the proxy's login page that a poller must not
    take for a page of updates.
    """

    count: int = Field(default=1, ge=1, le=10_000)
    status: int | None = Field(default=None, ge=200, le=599)
    delay_seconds: float = Field(default=0.0, ge=0, le=300)
    body: str | None = Field(default=None, max_length=100_000)
    # Polls answered normally first: a failure on page 2 of a run, after page 1 went well.
    after: int = Field(default=0, ge=0, le=10_000)


class InvalidCursor(ValueError):
    """A ``since`` this feed did not hand out."""


def encode_cursor(sequence: int) -> str:
    raw = f"{_CURSOR_PREFIX}{sequence}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor(cursor) from exc
    number = raw.removeprefix(_CURSOR_PREFIX)
    if number == raw or not number.isascii() or not number.isdigit():
        raise InvalidCursor(cursor)
    return int(number)


@dataclass(slots=True)
class FeedCounters:
    polls: int = 0
    served: int = 0  # updates handed out, repeats included
    unauthorized: int = 0
    faults_served: int = 0


@dataclass(slots=True)
class PendingFault:
    fault: Fault
    after: int  # polls still to be let through before this fault strikes

    def describe(self) -> dict[str, Any]:
        return {**self.fault.describe(), "after": self.after}


@dataclass(slots=True)
class StatusFeed:
    """The updates waiting to be polled; one lock, never held across an await."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sequences: list[int] = field(default_factory=list)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _last_sequence: int = 0
    _faults: deque[PendingFault] = field(default_factory=deque)
    _counters: FeedCounters = field(default_factory=FeedCounters)
    _last_since: str | None = None

    def add(self, updates: list[dict[str, Any]]) -> list[str]:
        """Append ``updates`` in order; returns their ids (assigned where missing)."""
        ids: list[str] = []
        with self._lock:
            for update in updates:
                self._last_sequence += 1
                stored = dict(update)
                stored.setdefault("id", f"sbx-{self._last_sequence}")
                self._sequences.append(self._last_sequence)
                self._updates.append(stored)
                ids.append(str(stored["id"]))
        return ids

    def page(self, since: str | None, limit: int) -> dict[str, Any]:
        """The updates after ``since`` (all when None), at most ``limit`` of them."""
        after = decode_cursor(since) if since is not None else 0
        with self._lock:
            self._counters.polls += 1
            self._last_since = since
            start = bisect.bisect_right(self._sequences, after)
            chosen = self._updates[start : start + limit]
            self._counters.served += len(chosen)
            last = self._sequences[start + len(chosen) - 1] if chosen else after
            has_more = start + len(chosen) < len(self._updates)
        return {
            "updates": [dict(update) for update in chosen],
            "next_cursor": encode_cursor(last),
            "has_more": has_more,
        }

    def refuse(self) -> None:
        with self._lock:
            self._counters.polls += 1
            self._counters.unauthorized += 1

    def add_fault(self, fault: Fault, *, after: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            self._faults.append(PendingFault(fault, after))
            return [pending.describe() for pending in self._faults]

    def take_fault(self) -> Fault | None:
        """The fault this poll suffers, if any; consumes one of its repetitions."""
        with self._lock:
            if not self._faults:
                return None
            pending = self._faults[0]
            if pending.after > 0:
                pending.after -= 1
                return None
            fault = pending.fault
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.popleft()
            self._counters.faults_served += 1
            return Fault(1, fault.status, fault.delay_seconds, fault.body)

    def reset(self) -> None:
        """Forget updates, faults and counters; the sequence goes on (see the docstring)."""
        with self._lock:
            self._sequences.clear()
            self._updates.clear()
            self._faults.clear()
            self._counters = FeedCounters()
            self._last_since = None

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counters = self._counters
            return {
                "updates": len(self._updates),
                "polls": counters.polls,
                "served": counters.served,
                "unauthorized": counters.unauthorized,
                "faults_served": counters.faults_served,
                "faults_pending": [fault.describe() for fault in self._faults],
                "last_since": self._last_since,
            }


def status_update_routes(feed: StatusFeed, token: str | None) -> APIRouter:
    """The feed's routes; polling needs ``Authorization: Bearer {token}`` when token is set."""
    router = APIRouter(tags=["status updates"])

    @router.get("/status-updates")
    async def poll(
        request: Request,
        since: str | None = None,
        limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    ) -> Response:
        fault = feed.take_fault()
        if fault is not None:
            if fault.delay_seconds:
                await asyncio.sleep(fault.delay_seconds)
            if fault.status is not None:
                return _fault_response(fault)
        if token is not None and not _authorized(request.headers.get("authorization"), token):
            feed.refuse()
            return _error(
                401,
                "unauthorized",
                "send Authorization: Bearer <token> with the sandbox's status token",
                headers={"WWW-Authenticate": 'Bearer realm="sandbox-oms"'},
            )
        try:
            return JSONResponse(feed.page(since, limit))
        except InvalidCursor:
            return _error(400, "invalid_cursor", f"since={since!r} is not a cursor of this feed")

    @router.post("/status-updates")
    async def add(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return _error(400, "invalid_json", f"body is not JSON: {exc}")
        updates = body if isinstance(body, list) else [body]
        if not all(isinstance(update, dict) for update in updates):
            return _error(422, "not_an_object", "send one update (an object) or a list of them")
        if len(updates) > MAX_ADD:
            return _error(413, "too_many", f"add at most {MAX_ADD} updates at once")
        ids = feed.add(updates)
        return JSONResponse({"added": len(ids), "ids": ids}, status_code=201)

    @router.delete("/status-updates")
    async def reset() -> dict[str, Any]:
        feed.reset()
        return {"reset": True}

    @router.post("/status-updates/faults")
    async def add_fault(spec: StatusFaultRequest) -> Response:
        if spec.status is None and spec.delay_seconds == 0:
            return _error(422, "empty_fault", "give a status, a delay_seconds or both")
        pending = feed.add_fault(
            Fault(spec.count, spec.status, spec.delay_seconds, spec.body), after=spec.after
        )
        return JSONResponse({"faults_pending": pending})

    @router.get("/status-updates/stats")
    async def stats() -> dict[str, Any]:
        return feed.stats()

    return router


def _authorized(header: str | None, token: str) -> bool:
    scheme, _, presented = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


def _fault_response(fault: Fault) -> Response:
    status = fault.status or 500
    if fault.body is None:
        return _error(status, "injected_fault", f"sandbox OMS was told to answer {status}")
    try:
        json.loads(fault.body)
    except json.JSONDecodeError:
        return Response(fault.body, status_code=status, media_type="text/plain")
    return Response(fault.body, status_code=status, media_type="application/json")


def _error(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)
