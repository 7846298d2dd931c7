"""A bol.com connection end to end over real sockets: bol simulator → orderbridge → OMS,
and the OMS's shipments and cancellations back through orderbridge to bol.

orderbridge runs with its API and in-process runner in a server thread, on SQLite and on
PostgreSQL; the test plays the OMS (REST calls) and checks what bol (the simulator's
control API) and the sandbox OMS end up with.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from orderbridge.sandbox.bol import BolSimulatorSettings
from orderbridge.sandbox.bol import create_app as bol_app
from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.services.context import ServiceContext
from tests.support.flow_hub import hub_api
from tests.support.servers import serving

SECRET = "bol-flow-webhook-secret"
SPEED = 10_000.0
POSTNL = "3SBOL0987654321"


async def wait_for(probe: Any, what: str, within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@dataclass
class Hub:
    api: httpx.AsyncClient
    bol: httpx.AsyncClient
    oms: httpx.AsyncClient

    async def at_bol(self, order_id: str) -> dict[str, Any]:
        response = await self.bol.get(f"/_sandbox/orders/{order_id}")
        assert response.status_code == 200, response.text
        shown: dict[str, Any] = response.json()
        return shown

    async def import_now(self) -> None:
        """Import what bol changed until now.

        A read window ends two minutes before bol's time, so the simulator's clock moves on;
        orderbridge learns bol's time from the Date header of each answer: the first run
        after the jump learns it, the second reads up to it.
        """
        await self.bol.post("/_sandbox/clock", json={"advance_seconds": 300})
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

        await wait_for(finished, "the import run")

    async def new_order(self, *quantities: int) -> dict[str, Any]:
        """An open bol order, imported into orderbridge; its detail as the API shows it."""
        items = [{"quantity": quantity, "unitPrice": "24.95"} for quantity in quantities]
        created = await self.bol.post("/_sandbox/orders", json={"order": {"orderItems": items}})
        assert created.status_code == 201, created.text
        (external_id,) = created.json()["orderIds"]
        await self.import_now()
        return await self.detail_of(external_id)

    async def detail_of(self, external_id: str) -> dict[str, Any]:
        async def imported() -> dict[str, Any] | None:
            page = (await self.api.get("/api/v1/orders", params={"q": external_id})).json()
            return page["items"][0] if page["items"] else None

        found = await wait_for(imported, f"order {external_id} imported")
        detail: dict[str, Any] = (await self.api.get(f"/api/v1/orders/{found['id']}")).json()
        return detail

    async def detail(self, order_id: int) -> dict[str, Any]:
        found: dict[str, Any] = (await self.api.get(f"/api/v1/orders/{order_id}")).json()
        return found

    async def settled(self, order_id: int, kind: str, record_id: int) -> dict[str, Any]:
        async def done() -> dict[str, Any] | None:
            records = (await self.api.get(f"/api/v1/orders/{order_id}/{kind}")).json()
            record = next(item for item in records if item["id"] == record_id)
            return record if record["status"] in ("confirmed", "failed") else None

        settled: dict[str, Any] = await wait_for(done, f"{kind} {record_id} to settle")
        return settled

    async def report(self, order_id: int, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.api.post(f"/api/v1/orders/{order_id}/{kind}", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def oms_documents(self, external_id: str) -> list[dict[str, Any]]:
        received = (await self.oms.get("/orders")).json()["orders"]
        return [
            entry["document"]
            for entry in received
            if entry["document"]["external_order_id"] == external_id
        ]


@pytest.fixture
def sandbox() -> Iterator[dict[str, Any]]:
    settings = BolSimulatorSettings(seed=9, speed_factor=SPEED, initial_orders=0)
    with serving(bol_app(settings)) as bol, serving(oms_app(SECRET)) as oms:
        yield {"bol": bol, "oms": oms, "settings": settings}


@pytest.fixture
async def hub(ctx: ServiceContext, sandbox: dict[str, Any]) -> AsyncIterator[Hub]:
    sim: BolSimulatorSettings = sandbox["settings"]
    connection = {
        "name": "bol-nl",
        "channel": "bol",
        "credentials": {
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
        },
        "options": {
            "base_url": sandbox["bol"],
            "token_url": f"{sandbox['bol']}/token",
            "rate_limit_scale": SPEED,
        },
        "export_target": "oms",
        "import_interval_seconds": 3600,
    }
    async with (
        hub_api(ctx, oms_url=sandbox["oms"], oms_secret=SECRET, connection=connection) as api,
        httpx.AsyncClient(base_url=sandbox["bol"], timeout=30) as bol,
        httpx.AsyncClient(base_url=sandbox["oms"], timeout=30) as oms,
    ):
        yield Hub(api, bol, oms)


async def test_orders_are_imported_and_exported_to_the_oms(hub: Hub) -> None:
    order = await hub.new_order(2, 1)

    assert order["channel"] == "bol"
    assert order["status"] == "unshipped"
    assert order["currency"] == "EUR"
    assert [line["quantity_ordered"] for line in order["lines"]] == [2, 1]
    assert order["total"] in ("74.85", "74.850", "74.8500")

    async def exported() -> list[dict[str, Any]]:
        return await hub.oms_documents(order["external_id"])

    (document,) = await wait_for(exported, "the export to the OMS")
    assert document["channel"] == "bol"
    assert [line["quantity_ordered"] for line in document["lines"]] == [2, 1]
    assert document["shipping_address"]["country_code"] in ("NL", "BE")


async def test_a_partial_shipment_then_the_rest_reach_bol(hub: Hub) -> None:
    order = await hub.new_order(2, 1)
    first, second = (line["external_line_id"] for line in order["lines"])
    partial = await hub.report(
        order["id"],
        "shipments",
        {
            "lines": [{"line_id": first, "quantity": 1}],
            "carrier": "PostNL",
            "tracking_number": POSTNL,
        },
    )
    assert (await hub.settled(order["id"], "shipments", partial["id"]))["status"] == "confirmed"
    at_bol = await hub.at_bol(order["external_id"])
    (sent,) = at_bol["shipments"]
    assert sent["shipmentReference"] == str(partial["id"])
    assert sent["transport"]["transporterCode"] == "TNT"
    assert sent["transport"]["trackAndTrace"] == POSTNL
    assert (await hub.detail(order["id"]))["status"] == "partially_shipped"

    rest = await hub.report(
        order["id"],
        "shipments",
        {
            "lines": [
                {"line_id": first, "quantity": 1},
                {"line_id": second, "quantity": 1},
            ],
            "carrier": "DPD",
            "tracking_number": "05222317130032",
        },
    )
    assert (await hub.settled(order["id"], "shipments", rest["id"]))["status"] == "confirmed"
    at_bol = await hub.at_bol(order["external_id"])
    assert len(at_bol["shipments"]) == 2
    assert [i["quantityShipped"] for i in at_bol["order"]["orderItems"]] == [2, 1]
    assert (await hub.detail(order["id"]))["status"] == "complete"
    events = (await hub.detail(order["id"]))["events"]
    assert "marketplace_update_submitted" in [event["kind"] for event in events]

    # bol now shows every item shipped; the re-import keeps the order complete.
    await hub.import_now()
    detail = await hub.detail(order["id"])
    assert detail["status"] == "complete"
    assert detail["marketplace_status"] == "HANDLED"


async def test_one_line_is_cancelled_at_bol(hub: Hub) -> None:
    order = await hub.new_order(1, 1)
    first = order["lines"][0]["external_line_id"]
    cancellation = await hub.report(
        order["id"],
        "cancellations",
        {"reason": "out_of_stock", "lines": [{"line_id": first, "quantity": 1}]},
    )
    settled = await hub.settled(order["id"], "cancellations", cancellation["id"])
    assert settled["status"] == "confirmed", settled
    at_bol = await hub.at_bol(order["external_id"])
    assert [(c["orderItemId"], c["reasonCode"]) for c in at_bol["cancellations"]] == [
        (first, "OUT_OF_STOCK")
    ]
    assert [i["quantityCancelled"] for i in at_bol["order"]["orderItems"]] == [1, 0]
    assert (await hub.detail(order["id"]))["status"] == "unshipped"


async def test_a_refund_is_refused_with_a_clear_message(hub: Hub) -> None:
    order = await hub.new_order(1)
    response = await hub.api.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={
            "reason": "damaged",
            "lines": [{"line_id": order["lines"][0]["external_line_id"], "quantity": 1}],
        },
    )
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("bol takes no refunds through its API")
    assert "through the return" in message


async def test_a_cancellation_by_the_customer_is_found_on_import(hub: Hub) -> None:
    order = await hub.new_order(1, 2)

    async def exported() -> bool:
        return bool((await hub.detail(order["id"]))["export_status"] == "exported")

    await wait_for(exported, "the order's export")
    path = f"/_sandbox/orders/{order['external_id']}/status"
    asked = await hub.bol.post(path, json={"action": "REQUEST_CANCELLATION"})
    assert asked.status_code == 200, asked.text
    await hub.import_now()
    detail = await hub.detail(order["id"])
    assert detail["marketplace_status"] == "CANCELLATION_REQUESTED"
    assert detail["status"] == "unshipped"
    assert all(item["cancellationRequest"] for item in detail["raw"]["orderItems"])

    cancelled = await hub.bol.post(path, json={"action": "CANCEL"})
    assert cancelled.status_code == 200, cancelled.text
    await hub.import_now()

    async def notified() -> list[dict[str, Any]]:
        return [
            document
            for document in await hub.oms_documents(order["external_id"])
            if document.get("event") == "order.cancelled"
        ]

    (notice,) = await wait_for(notified, "the order.cancelled notice")
    assert notice["order_status"] == "canceled"
    detail = await hub.detail(order["id"])
    assert detail["status"] == "canceled"
    assert "cancelled_by_marketplace" in [event["kind"] for event in detail["events"]]
