""" "Import orders for all connections" across the four channels, over real sockets.

One connection with rejected credentials must not stop the others: each channel's run is
its own, and the failing one is an error entry that says what to fix.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from orderbridge.bootstrap import build_context
from orderbridge.cli.sandbox_accounts import other_channels
from orderbridge.sandbox.amazon import AmazonSimulatorSettings
from orderbridge.sandbox.amazon import create_app as amazon_app
from orderbridge.services.context import ServiceContext
from orderbridge.services.tokens import create_token
from orderbridge.web.app import create_app
from tests.support.servers import serving

ORDERS = 12
HOST = "127.0.0.1"


@pytest.fixture
def simulators() -> Iterator[dict[str, dict[str, Any]]]:
    """Every channel's simulator on its own socket, throttling off; connection specs to them."""
    amazon = AmazonSimulatorSettings(
        seed=9,
        speed_factor=0,
        marketplace_ids=("A1PA6795UKMFR9",),
        initial_orders_per_marketplace=ORDERS,
    )
    with ExitStack() as stack:
        url = stack.enter_context(serving(amazon_app(amazon)))
        specs: dict[str, dict[str, Any]] = {
            "amazon": {
                "channel": "amazon",
                "credentials": {
                    "client_id": amazon.client_id,
                    "client_secret": amazon.client_secret,
                    "refresh_token": amazon.refresh_token,
                },
                "options": {
                    "marketplace_ids": ["A1PA6795UKMFR9"],
                    "base_url": url,
                    "token_url": f"{url}/auth/o2/token",
                    "rate_limit_scale": 10_000,
                },
            }
        }
        for account in other_channels(HOST, ORDERS, speed=0):
            served = stack.enter_context(serving(account.app))
            options = {
                key: value.replace(f"http://{HOST}:{account.port}", served)
                if isinstance(value, str)
                else value
                for key, value in account.options.items()
            }
            specs[account.channel] = {
                "channel": account.channel,
                "credentials": account.credentials,
                "options": {**options, "rate_limit_scale": 10_000},
            }
        yield specs


async def _wait_for(probe: Any, what: str, within: float = 90.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_import_all_runs_every_channel_and_one_failure_stops_no_other(
    ctx: ServiceContext, simulators: dict[str, dict[str, Any]]
) -> None:
    token = await create_token(ctx, "channels")
    hub_ctx = build_context(ctx.settings)
    with serving(create_app(hub_ctx, run_embedded_runner=True), lifespan="on") as hub:
        async with httpx.AsyncClient(
            base_url=hub, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as api:
            for channel, spec in simulators.items():
                credentials = dict(spec["credentials"])
                if channel == "walmart":
                    credentials["client_secret"] = "not-the-secret"
                created = await api.post(
                    "/api/v1/connections",
                    json={
                        **spec,
                        "name": channel,
                        "credentials": credentials,
                        "import_enabled": False,
                    },
                )
                assert created.status_code == 201, created.text
                enabled = await api.post(f"/api/v1/connections/{channel}/enable")
                assert enabled.status_code == 200, enabled.text
            triggered = await api.post("/api/v1/imports", json={"all": True})
            assert triggered.status_code == 202, triggered.text

            async def all_ran() -> list[Any] | None:
                runs = (
                    await api.get("/api/v1/imports", params={"limit": 50, "feed": "orders"})
                ).json()["items"]
                finished = [run for run in runs if run["status"] in ("succeeded", "failed")]
                return runs if len({run["connection"] for run in finished}) == 4 else None

            runs = await _wait_for(all_ran, "an import run of each connection")
            by_connection = {run["connection"]: run for run in runs}
            orders = (await api.get("/api/v1/orders", params={"limit": 500})).json()["items"]
            errors = (await api.get("/api/v1/errors")).json()["items"]

    assert by_connection["walmart"]["status"] == "failed"
    for channel in ("amazon", "bol", "ebay"):
        assert by_connection[channel]["status"] == "succeeded", by_connection[channel]
        assert by_connection[channel]["orders_created"] > 0
    channels = {order["connection"] for order in orders}
    assert channels == {"amazon", "bol", "ebay"}
    walmart_errors = [error for error in errors if error["connection"] == "walmart"]
    assert walmart_errors, errors
    assert "fix" in walmart_errors[0]["attributes"]
