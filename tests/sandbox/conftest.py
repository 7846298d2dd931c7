"""Fixtures for the sandbox simulators: real uvicorn servers on 127.0.0.1, reached with httpx."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderbridge.sandbox.amazon import (
    AmazonSimulator,
    AmazonSimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)

FIXED_NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
SEARCH_PATH = "/orders/2026-01-01/orders"
LONG_AGO = "2020-01-01T00:00:00Z"
ALL_DATA = ",".join(
    [
        *("BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION"),
        *("FULFILLMENT", "PACKAGES", "TAX", "PAYMENT", "FULFILLMENT_ORDERS"),
    ]
)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RunningAmazon:
    base_url: str
    client: httpx.Client
    simulator: AmazonSimulator
    clock: SimulatorClock

    @property
    def settings(self) -> AmazonSimulatorSettings:
        return self.simulator.settings

    def token(self) -> str:
        s = self.settings
        response = self.client.post(
            "/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": s.refresh_token,
                "client_id": s.client_id,
                "client_secret": s.client_secret,
            },
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def search(self, token: str, **params: Any) -> httpx.Response:
        return self.client.get(SEARCH_PATH, params=params, headers={"x-amz-access-token": token})

    def get_order(self, token: str, order_id: str, **params: Any) -> httpx.Response:
        return self.client.get(
            f"{SEARCH_PATH}/{order_id}", params=params, headers={"x-amz-access-token": token}
        )

    def control(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.client.request(method, f"/_sandbox/{path}", json=body)

    def search_all(self, token: str, **params: Any) -> list[dict[str, Any]]:
        """Every page of a searchOrders query, following nextToken."""
        orders: list[dict[str, Any]] = []
        next_token = None
        for _ in range(1000):
            extra: dict[str, Any] = {"paginationToken": next_token} if next_token else {}
            response = self.search(token, **params, **extra)
            assert response.status_code == 200, response.text
            body = response.json()
            orders.extend(body["orders"])
            next_token = body.get("pagination", {}).get("nextToken")
            if not next_token:
                return orders
        raise AssertionError("pagination did not end")

    def pick(self, status: str, fulfilled_by: str = "MERCHANT") -> str:
        """Id of some stored order in `status` (read in-process from the simulator state)."""
        for order in self.simulator.store:
            if order.status == status and order.fulfilled_by == fulfilled_by:
                return order.order_id
        raise AssertionError(f"no {status} order generated")


StartAmazon = Callable[..., RunningAmazon]


def _start(stack: ExitStack, **overrides: Any) -> RunningAmazon:
    values: dict[str, Any] = {"seed": 7, "speed_factor": 0, "initial_orders_per_marketplace": 25}
    values.update(overrides)
    clock = SimulatorClock(FIXED_NOW, frozen=True)
    app = create_app(AmazonSimulatorSettings(**values), clock=clock)
    base_url = stack.enter_context(serve_in_background(app))
    client = stack.enter_context(httpx.Client(base_url=base_url, timeout=30))
    return RunningAmazon(base_url, client, app.state.simulator, clock)


@pytest.fixture
def start_amazon() -> Iterator[StartAmazon]:
    """Factory: start_amazon(**settings) -> RunningAmazon with a clock frozen at FIXED_NOW."""
    with ExitStack() as stack:
        yield lambda **overrides: _start(stack, **overrides)


@pytest.fixture(scope="module")
def shared_amazon() -> Iterator[RunningAmazon]:
    """One simulator per module for tests that only read (validation, auth failures)."""
    with ExitStack() as stack:
        yield _start(stack)


@pytest.fixture
def amazon(start_amazon: StartAmazon) -> RunningAmazon:
    return start_amazon()


@pytest.fixture
def token(amazon: RunningAmazon) -> str:
    return amazon.token()
