"""Fulfilment over real sockets: the OMS reports → orderbridge → the Amazon simulator.

orderbridge runs with its API and in-process runner in a server thread; the test plays
the OMS (REST calls) and checks what Amazon (the simulator's control API) ends up with.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from orderbridge.sandbox.amazon import AmazonSimulatorSettings
from orderbridge.sandbox.amazon import create_app as amazon_app
from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.services.context import ServiceContext
from orderbridge.store.tables import error_entries
from tests.support.flow_hub import hub_api
from tests.support.servers import serving

MARKETPLACE = "A1PA6795UKMFR9"
SECRET = "fulfilment-webhook-secret"
SPEED = 10_000.0
UPS = "1Z999AA10123456784"
DHL = "00340434161094042557"


@dataclass
class Hub:
    api: httpx.AsyncClient
    amazon: httpx.AsyncClient
    oms: httpx.AsyncClient
    ctx: ServiceContext

    async def order_at_amazon(self, external_id: str) -> dict[str, Any]:
        response = await self.amazon.get(f"/_sandbox/orders/{external_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def new_order(self, quantities: tuple[int, ...]) -> dict[str, Any]:
        """An unshipped merchant-fulfilled order at Amazon, imported into orderbridge."""
        created = await self.amazon.post(
            "/_sandbox/orders",
            json={
                "order": {
                    "salesChannel": {"marketplaceId": MARKETPLACE},
                    "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
                    "orderItems": [{"quantityOrdered": quantity} for quantity in quantities],
                }
            },
        )
        assert created.status_code == 201, created.text
        (external_id,) = created.json()["orderIds"]
        await self.import_now()

        async def imported() -> dict[str, Any] | None:
            page = (await self.api.get("/api/v1/orders", params={"q": external_id})).json()
            return page["items"][0] if page["items"] else None

        found = await wait_for(imported, f"order {external_id} imported")
        detail: dict[str, Any] = (await self.api.get(f"/api/v1/orders/{found['id']}")).json()
        return detail

    async def import_now(self) -> None:
        """Import everything Amazon changed until now.

        Amazon only serves windows ending two minutes before its own time, so the test moves
        the simulator's clock on. orderbridge learns Amazon's time from the Date header of
        each answer; the first run after the jump learns it, the second reads up to it.
        """
        await self.amazon.post("/_sandbox/clock", json={"advance_seconds": 300})
        await self._import_run()
        await self._import_run()

    async def _import_run(self) -> None:
        before = len(
            (await self.api.get("/api/v1/imports", params={"feed": "orders"})).json()["items"]
        )
        assert (await self.api.post("/api/v1/imports", json={"all": True})).status_code == 202

        async def finished() -> bool:
            runs = (await self.api.get("/api/v1/imports", params={"feed": "orders"})).json()[
                "items"
            ]
            return len(runs) > before and all(run["status"] != "running" for run in runs)

        try:
            await wait_for(finished, "the import run")
        except AssertionError:
            print((await self.api.get("/api/v1/imports", params={"feed": "orders"})).json())
            print((await self.api.get("/api/v1/connections")).json())
            raise

    async def shipment(self, order_id: int, shipment_id: int) -> dict[str, Any]:
        shipments = (await self.api.get(f"/api/v1/orders/{order_id}/shipments")).json()
        return next(item for item in shipments if item["id"] == shipment_id)

    async def record(self, order_id: int, kind: str, record_id: int) -> dict[str, Any]:
        records = (await self.api.get(f"/api/v1/orders/{order_id}/{kind}")).json()
        found: dict[str, Any] = next(item for item in records if item["id"] == record_id)
        return found

    async def settled(self, order_id: int, kind: str, record_id: int) -> dict[str, Any]:
        async def done() -> dict[str, Any] | None:
            record = await self.record(order_id, kind, record_id)
            return record if record["status"] in ("confirmed", "failed") else None

        return await wait_for(done, f"{kind} {record_id} to settle")


async def wait_for(probe: Any, what: str, within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
def sandbox() -> Iterator[dict[str, Any]]:
    settings = AmazonSimulatorSettings(
        seed=5, speed_factor=SPEED, marketplace_ids=(MARKETPLACE,), initial_orders_per_marketplace=0
    )
    with serving(amazon_app(settings)) as amazon, serving(oms_app(SECRET)) as oms:
        yield {"amazon": amazon, "oms": oms, "settings": settings}


@pytest.fixture
async def hub(ctx: ServiceContext, sandbox: dict[str, Any]) -> AsyncIterator[Hub]:
    sim: AmazonSimulatorSettings = sandbox["settings"]
    connection = {
        "name": "amazon-de",
        "channel": "amazon",
        "credentials": {
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": sim.refresh_token,
        },
        "options": {
            "marketplace_ids": [MARKETPLACE],
            "base_url": sandbox["amazon"],
            "token_url": f"{sandbox['amazon']}/auth/o2/token",
            "rate_limit_scale": SPEED,
            "seller_id": sim.seller_id,
        },
        "export_target": "oms",
        "import_interval_seconds": 3600,
    }
    async with (
        hub_api(ctx, oms_url=sandbox["oms"], oms_secret=SECRET, connection=connection) as api,
        httpx.AsyncClient(base_url=sandbox["amazon"], timeout=30) as amazon,
        httpx.AsyncClient(base_url=sandbox["oms"], timeout=30) as oms,
    ):
        yield Hub(api, amazon, oms, ctx)


async def _ship(hub: Hub, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
    response = await hub.api.post(f"/api/v1/orders/{order_id}/shipments", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_partial_shipment_then_the_rest_reach_amazon(hub: Hub) -> None:
    order = await hub.new_order((2, 1))
    first_line, second_line = (line["external_line_id"] for line in order["lines"])
    first = await _ship(
        hub,
        order["id"],
        {"lines": [{"line_id": first_line, "quantity": 1}], "tracking_number": UPS},
    )
    assert (await hub.settled(order["id"], "shipments", first["id"]))["status"] == "confirmed"
    at_amazon = await hub.order_at_amazon(order["external_id"])
    assert at_amazon["order"]["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    (package,) = at_amazon["packages"]
    assert package["packageReferenceId"] == str(first["id"])
    assert package["carrierCode"] == "UPS" and package["trackingNumber"] == UPS

    rest = await _ship(
        hub,
        order["id"],
        {
            "lines": [
                {"line_id": first_line, "quantity": 1},
                {"line_id": second_line, "quantity": 1},
            ],
            "carrier": "DHL Paket",
            "tracking_number": DHL,
        },
    )
    assert (await hub.settled(order["id"], "shipments", rest["id"]))["status"] == "confirmed"
    at_amazon = await hub.order_at_amazon(order["external_id"])
    assert at_amazon["order"]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert len(at_amazon["packages"]) == 2
    detail = (await hub.api.get(f"/api/v1/orders/{order['id']}")).json()
    assert detail["status"] == "complete"

    # Amazon now says SHIPPED; the re-import keeps the order complete, with no warning.
    await hub.import_now()
    detail = (await hub.api.get(f"/api/v1/orders/{order['id']}")).json()
    assert detail["status"] == "complete"
    assert not [e for e in detail["errors"] if "status change refused" in e["title"]]


async def test_a_lost_answer_does_not_ship_twice(hub: Hub) -> None:
    order = await hub.new_order((1,))
    faults = await hub.amazon.put("/_sandbox/faults", json={"lose_write_responses": 1})
    assert faults.status_code == 200, faults.text
    shipment = await _ship(hub, order["id"], {"tracking_number": UPS})
    settled = await hub.settled(order["id"], "shipments", shipment["id"])
    assert settled["status"] == "confirmed"
    at_amazon = await hub.order_at_amazon(order["external_id"])
    assert len(at_amazon["packages"]) == 1
    stats = (await hub.amazon.get("/_sandbox/stats")).json()["calls"]
    confirm_calls = sum(stats.get("confirmShipment", {}).values())
    assert confirm_calls == 1, stats  # the retry looked first and found the package
    events = (await hub.api.get(f"/api/v1/orders/{order['id']}")).json()["events"]
    confirmed = [e for e in events if e["kind"] == "shipment_confirmed"]
    assert confirmed and confirmed[-1]["data"]["already_at_marketplace"] is True


async def test_cancellations_of_a_line_and_of_the_whole_order(hub: Hub) -> None:
    order = await hub.new_order((1, 1))
    first_line = order["lines"][0]["external_line_id"]
    response = await hub.api.post(
        f"/api/v1/orders/{order['id']}/cancellations",
        json={"reason": "out_of_stock", "lines": [{"line_id": first_line, "quantity": 1}]},
    )
    assert response.status_code == 201, response.text
    line_cancel = await hub.settled(order["id"], "cancellations", response.json()["id"])
    assert line_cancel["status"] == "confirmed", line_cancel
    at_amazon = await hub.order_at_amazon(order["external_id"])
    items = {item["orderItemId"]: item for item in at_amazon["order"]["orderItems"]}
    execution = items[first_line]["cancellation"]["cancellationExecution"]
    assert execution["cancelledBy"] == "MERCHANT" and execution["cancelReason"] == "NoInventory"
    assert (await hub.api.get(f"/api/v1/orders/{order['id']}")).json()["status"] == "unshipped"

    whole = await hub.new_order((2,))
    response = await hub.api.post(
        f"/api/v1/orders/{whole['id']}/cancellations", json={"reason": "buyer_requested"}
    )
    assert response.status_code == 201, response.text
    assert (await hub.settled(whole["id"], "cancellations", response.json()["id"]))[
        "status"
    ] == "confirmed"
    assert (await hub.api.get(f"/api/v1/orders/{whole['id']}")).json()["status"] == "canceled"
    at_amazon = await hub.order_at_amazon(whole["external_id"])
    assert at_amazon["order"]["fulfillment"]["fulfillmentStatus"] == "CANCELLED"


async def test_refund_reaches_amazon(hub: Hub) -> None:
    order = await hub.new_order((2,))
    shipment = await _ship(hub, order["id"], {"tracking_number": UPS})
    await hub.settled(order["id"], "shipments", shipment["id"])
    line = order["lines"][0]["external_line_id"]
    response = await hub.api.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={"reason": "damaged", "lines": [{"line_id": line, "quantity": 1}]},
    )
    assert response.status_code == 201, response.text
    refund = await hub.settled(order["id"], "refunds", response.json()["id"])
    assert refund["status"] == "confirmed", refund
    at_amazon = await hub.order_at_amazon(order["external_id"])
    assert len(at_amazon["refunds"]) == 1


async def test_amazon_refusal_is_an_error_entry_with_its_answer(hub: Hub) -> None:
    order = await hub.new_order((1,))
    # Amazon cancels the order meanwhile; orderbridge has not imported that yet.
    changed = await hub.amazon.post(
        f"/_sandbox/orders/{order['external_id']}/status",
        json={"fulfillmentStatus": "SHIPPED"},
    )
    assert changed.status_code == 200, changed.text
    response = await hub.api.post(
        f"/api/v1/orders/{order['id']}/cancellations", json={"reason": "out_of_stock"}
    )
    assert response.status_code == 201, response.text
    cancellation = await hub.settled(order["id"], "cancellations", response.json()["id"])
    assert cancellation["status"] == "failed"
    async with hub.ctx.db.read() as conn:
        titles = (
            (
                await conn.execute(
                    select(error_entries.c.title).where(error_entries.c.operation == "cancel")
                )
            )
            .scalars()
            .all()
        )
    assert titles and "refused" in titles[0]


async def test_tracking_required_after_the_wait(hub: Hub) -> None:
    updated = await hub.api.patch(
        "/api/v1/connections/amazon-de", json={"tracking_wait_seconds": 0}
    )
    assert updated.status_code == 200, updated.text
    order = await hub.new_order((1,))
    shipment = await _ship(hub, order["id"], {})
    failed = await hub.settled(order["id"], "shipments", shipment["id"])
    assert failed["status"] == "failed"
    assert "tracking required" in failed["last_error"]
    # The tracking number arrives late: the shipment goes out after all.
    added = await hub.api.post(
        f"/api/v1/orders/{order['id']}/shipments/{shipment['id']}/tracking",
        json={"tracking_number": UPS},
    )
    assert added.status_code == 200, added.text
    assert (await hub.settled(order["id"], "shipments", shipment["id"]))["status"] == "confirmed"


async def test_buyer_cancellation_found_on_import_is_told_to_the_oms(hub: Hub) -> None:
    order = await hub.new_order((1,))

    async def exported() -> bool:
        detail = (await hub.api.get(f"/api/v1/orders/{order['id']}")).json()
        return bool(detail["export_status"] == "exported")

    await wait_for(exported, "the order's export")
    changed = await hub.amazon.post(
        f"/_sandbox/orders/{order['external_id']}/status",
        json={"fulfillmentStatus": "CANCELLED", "cancelledBy": "BUYER"},
    )
    assert changed.status_code == 200, changed.text
    await hub.import_now()

    async def notified() -> list[Any]:
        received = (await hub.oms.get("/orders")).json()["orders"]
        return [
            entry
            for entry in received
            if entry["document"].get("event") == "order.cancelled"
            and entry["document"]["external_order_id"] == order["external_id"]
        ]

    (notice,) = await wait_for(notified, "the order.cancelled notice")
    assert notice["document"]["order_status"] == "canceled"
    detail = (await hub.api.get(f"/api/v1/orders/{order['id']}")).json()
    assert detail["status"] == "canceled"
    assert "cancelled_by_marketplace" in [event["kind"] for event in detail["events"]]
