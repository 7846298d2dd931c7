"""The whole loop over real sockets: Amazon simulator → orderbridge → sandbox OMS.

orderbridge runs as it does in production (its HTTP API and its in-process runner, in
a server thread with its own event loop); the test acts as a user would: through the
API, then by reading what the OMS received.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from orderbridge.bootstrap import build_context
from orderbridge.sandbox.amazon import AmazonSimulatorSettings
from orderbridge.sandbox.amazon import create_app as amazon_app
from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.services.context import ServiceContext
from orderbridge.services.tokens import create_token
from orderbridge.web.app import create_app
from tests.support.servers import serving

ORDERS_PER_MARKETPLACE = 60
MARKETPLACES = ("A1PA6795UKMFR9", "A1F83G8C2ARO7P")
TOTAL = ORDERS_PER_MARKETPLACE * len(MARKETPLACES)
SECRET = "e2e-webhook-secret"
SPEED = 10_000.0


@pytest.fixture
def sandbox() -> Iterator[dict[str, Any]]:
    settings = AmazonSimulatorSettings(
        seed=11,
        speed_factor=SPEED,
        marketplace_ids=MARKETPLACES,
        initial_orders_per_marketplace=ORDERS_PER_MARKETPLACE,
    )
    with serving(amazon_app(settings)) as amazon, serving(oms_app(SECRET)) as oms:
        yield {"amazon": amazon, "oms": oms, "settings": settings}


async def _wait_for(predicate: Any, what: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_orders_flow_from_amazon_to_the_oms_exactly_once(
    ctx: ServiceContext, sandbox: dict[str, Any]
) -> None:
    token = await create_token(ctx, "e2e")
    sim: AmazonSimulatorSettings = sandbox["settings"]
    hub_ctx = build_context(ctx.settings)
    with serving(create_app(hub_ctx, run_embedded_runner=True), lifespan="on") as hub:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx.AsyncClient(base_url=hub, headers=headers, timeout=30) as api,
            httpx.AsyncClient(base_url=sandbox["oms"], timeout=30) as oms,
        ):
            created = await api.post(
                "/api/v1/export-targets",
                json={
                    "name": "oms",
                    "kind": "webhook",
                    "settings": {"url": f"{sandbox['oms']}/webhooks/orders"},
                    "secret": SECRET,
                },
            )
            assert created.status_code == 201, created.text
            created = await api.post(
                "/api/v1/connections",
                json={
                    "name": "amazon-eu",
                    "channel": "amazon",
                    "credentials": {
                        "client_id": sim.client_id,
                        "client_secret": sim.client_secret,
                        "refresh_token": sim.refresh_token,
                    },
                    "options": {
                        "marketplace_ids": list(MARKETPLACES),
                        "base_url": sandbox["amazon"],
                        "token_url": f"{sandbox['amazon']}/auth/o2/token",
                        "rate_limit_scale": SPEED,
                    },
                    "export_target": "oms",
                },
            )
            assert created.status_code == 201, created.text

            triggered = await api.post("/api/v1/imports", json={"all": True})
            assert triggered.status_code == 202
            assert triggered.json()["message"] == "Order import triggered"

            async def all_imported() -> bool:
                page = (await api.get("/api/v1/orders", params={"limit": 500})).json()
                return len(page["items"]) == TOTAL

            await _wait_for(all_imported, f"{TOTAL} orders imported")

            async def queue_empty() -> bool:
                page = (await api.get("/api/v1/scheduled-exports")).json()
                return not page["items"]

            await _wait_for(queue_empty, "the scheduled exports to drain")

            # A second import finds nothing new and sends nothing again.
            assert (await api.post("/api/v1/imports", json={"all": True})).status_code == 202

            async def second_run_done() -> bool:
                runs = (await api.get("/api/v1/imports", params={"feed": "orders"})).json()["items"]
                return sum(run["status"] == "succeeded" for run in runs) >= 2

            await _wait_for(second_run_done, "the second import run")
            connection = (await api.get("/api/v1/connections/amazon-eu")).json()
            received = (await oms.get("/orders")).json()
            stats = (await oms.get("/_sandbox/stats")).json()
            orders = (await api.get("/api/v1/orders", params={"limit": 500})).json()

    # Every order the merchant can ship reached the OMS once; pending (unpaid) and canceled
    # orders are held back with their reason.
    shippable = [o for o in orders["items"] if o["status"] not in ("pending", "canceled")]
    held = [o for o in orders["items"] if o["status"] in ("pending", "canceled")]
    assert len(orders["items"]) == TOTAL and shippable and held
    assert received["count"] == len(shippable)
    assert stats["deliveries"] == len(shippable) and stats["duplicates"] == 0
    keys = {entry["document"]["external_order_id"] for entry in received["orders"]}
    assert keys == {o["external_id"] for o in shippable}
    assert {o["export_status"] for o in shippable} == {"exported"}
    assert {o["export_status"] for o in held} == {"not_exported"}
    assert connection["last_success_at"] is not None
    # Money arrives as exact decimal strings, never floats.
    sample = received["orders"][0]["document"]["totals"]["total"]
    assert isinstance(sample["amount"], str)
