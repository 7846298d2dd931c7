"""Fixtures for connector tests against the Amazon SP-API simulator over real sockets.

Kept out of ``conftest.py`` (shared with other suites): test modules import what they use.
Each simulator runs uvicorn in a background thread on a free 127.0.0.1 port.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest

from orderbridge.marketplaces.amazon import AmazonConnector, AmazonSettings
from orderbridge.marketplaces.base import CallObserver
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.sandbox.amazon import AmazonSimulatorSettings, create_app, serve_in_background

# The simulator and the connector run the official usage plans this many times faster, the
# way a sandbox connection is configured; tests then take seconds, not hours.
SPEED = 10_000.0
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01, rate_limit_waits=50)


@dataclass
class SimulatorHandle:
    url: str
    settings: AmazonSimulatorSettings

    @property
    def token_url(self) -> str:
        return f"{self.url}/auth/o2/token"

    def credentials(self, **overrides: str) -> dict[str, str]:
        return {
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
            "refresh_token": self.settings.refresh_token,
            **overrides,
        }

    def options(self, **overrides: Any) -> dict[str, Any]:
        return {
            "marketplace_ids": list(self.settings.marketplace_ids),
            "base_url": self.url,
            "token_url": self.token_url,
            "rate_limit_scale": SPEED,
            "timeout_seconds": 10,
            **overrides,
        }

    def connector(
        self,
        *,
        credentials: dict[str, str] | None = None,
        options: dict[str, Any] | None = None,
        retry: RetryPolicy = FAST_RETRY,
        observer: CallObserver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> AmazonConnector:
        settings = AmazonSettings.parse(
            credentials or self.credentials(), options or self.options()
        )
        return AmazonConnector(settings, retry=retry, observer=observer, transport=transport)

    async def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            response = await client.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    async def now(self) -> datetime:
        answer = await self.control("GET", "/_sandbox/clock")
        return datetime.fromisoformat(answer["now"])

    async def add_orders(self, count: int, **fields: Any) -> list[str]:
        answer = await self.control("POST", "/_sandbox/orders", {"count": count, **fields})
        ids: list[str] = answer["orderIds"]
        return ids

    async def advance(self, seconds: float) -> None:
        await self.control("POST", "/_sandbox/clock", {"advance_seconds": seconds})

    async def faults(self, **rates: float) -> None:
        await self.control("POST", "/_sandbox/faults", rates)

    async def calls(self, operation: str) -> dict[str, int]:
        stats = await self.control("GET", "/_sandbox/stats")
        counts: dict[str, int] = stats["calls"].get(operation, {})
        return counts


SimulatorFactory = Callable[..., SimulatorHandle]


@pytest.fixture
def amazon_simulator() -> Iterator[SimulatorFactory]:
    """Starts simulators with the given settings; all stop when the test ends."""
    with ExitStack() as stack:

        def start(**overrides: Any) -> SimulatorHandle:
            values: dict[str, Any] = {
                "seed": 7,
                "speed_factor": SPEED,
                "initial_orders_per_marketplace": 0,
                **overrides,
            }
            settings = AmazonSimulatorSettings(**values)
            url = stack.enter_context(serve_in_background(create_app(settings)))
            return SimulatorHandle(url, settings)

        yield start


class RecordingTransport(httpx.AsyncBaseTransport):
    """Real sockets, with every request kept for the test to inspect."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
