"""The ``Date`` header from a simulator's clock, as a marketplace's comes from its own clock.

Clients measure the marketplace's time from this header (to bound read windows by the
marketplace's "now", not their own). When a test moves the simulator's clock, the header
must move with it. Servers hosting the simulator turn their own Date header off
(uvicorn's ``date_header=False``) so that only this one is sent.
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any

from orderbridge.sandbox.clock import SimulatorClock


class SimulatorDateHeader:
    """ASGI middleware that stamps every response with the simulator's time."""

    def __init__(self, app: Any, clock: SimulatorClock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"date"
                ]
                stamp = format_datetime(self.clock.now(), usegmt=True).encode("ascii")
                message = {**message, "headers": [*headers, (b"date", stamp)]}
            await send(message)

        await self.app(scope, receive, send_with_date)
