"""A Walmart connection end to end over real sockets: Walmart (the simulator) → orderbridge
(its API and embedded runner) → the sandbox OMS, and the OMS's reports back to Walmart.

The test plays the OMS through orderbridge's REST API and looks at Walmart through the
simulator's control API, as a seller would look at Seller Center. Runs on SQLite and on
PostgreSQL (the ``ctx`` fixture).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.sandbox.walmart import WalmartSimulatorSettings
from orderbridge.sandbox.walmart import create_app as walmart_app
from orderbridge.services.acknowledgements import flag_overdue_acknowledgements
from orderbridge.services.context import ServiceContext
from orderbridge.store.tables import orders
from tests.support.flow_hub import hub_api
from tests.support.servers import serving

SECRET = "walmart-flow-webhook-secret"
SPEED = 10_000.0
UPS = "1Z999AA10123456784"
FEDEX = "449044304137821"
# Past the connector's five-minute settle lag, so what was just placed can be read.
PAST_THE_SETTLE_LAG = 600


@dataclass
class Hub:
    api: httpx.AsyncClient
    walmart: httpx.AsyncClient
    oms: httpx.AsyncClient

    async def at_walmart(self, purchase_order_id: str) -> dict[str, Any]:
        response = await self.walmart.get(f"/_sandbox/orders/{purchase_order_id}")
        assert response.status_code == 200, response.text
        view: dict[str, Any] = response.json()
        return view

    async def detail(self, order_id: int) -> dict[str, Any]:
        found: dict[str, Any] = (await self.api.get(f"/api/v1/orders/{order_id}")).json()
        return found

    async def new_order(self, quantities: tuple[int, ...]) -> dict[str, Any]:
        """A Walmart order released to the seller, imported into orderbridge."""
        lines = [
            {"quantity": quantity, "unitPrice": "10.00", "tax": f"{0.8 * quantity:.2f}"}
            for quantity in quantities
        ]
        created = await self.walmart.post(
            "/_sandbox/orders", json={"order": {"methodCode": "Standard", "lines": lines}}
        )
        assert created.status_code == 201, created.text
        (purchase_order_id,) = created.json()["purchaseOrderIds"]
        await self.import_now()

        async def imported() -> dict[str, Any] | None:
            page = (await self.api.get("/api/v1/orders", params={"q": purchase_order_id})).json()
            return page["items"][0] if page["items"] else None

        found = await wait_for(imported, f"order {purchase_order_id} imported")
        return await self.detail(found["id"])

    async def import_now(self) -> None:
        """Import everything Walmart changed until now.

        The connector reads windows ending five minutes before Walmart's time, so the
        test moves the simulator's clock on. orderbridge learns Walmart's time from the
        Date header of its answers: the first run after the jump learns it, the second
        reads up to it.
        """
        moved = await self.walmart.post(
            "/_sandbox/clock", json={"advance_seconds": PAST_THE_SETTLE_LAG}
        )
        assert moved.status_code == 200, moved.text
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

    async def acknowledged(self, order: dict[str, Any]) -> None:
        async def done() -> bool:
            return bool((await self.at_walmart(order["external_id"]))["acknowledged"])

        await wait_for(done, f"order {order['external_id']} acknowledged at Walmart")

    async def record(self, order_id: int, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.api.post(f"/api/v1/orders/{order_id}/{kind}", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def settled(self, order_id: int, kind: str, record_id: int) -> dict[str, Any]:
        async def done() -> dict[str, Any] | None:
            records = (await self.api.get(f"/api/v1/orders/{order_id}/{kind}")).json()
            found: dict[str, Any] = next(item for item in records if item["id"] == record_id)
            return found if found["status"] in ("confirmed", "failed") else None

        settled: dict[str, Any] = await wait_for(done, f"{kind} {record_id} to settle")
        return settled


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
    settings = WalmartSimulatorSettings(seed=9, speed_factor=SPEED, initial_orders=0)
    with serving(walmart_app(settings)) as walmart, serving(oms_app(SECRET)) as oms:
        yield {"walmart": walmart, "oms": oms, "settings": settings}


@pytest.fixture
async def hub(ctx: ServiceContext, sandbox: dict[str, Any]) -> AsyncIterator[Hub]:
    sim: WalmartSimulatorSettings = sandbox["settings"]
    connection = {
        "name": "walmart-us",
        "channel": "walmart",
        "credentials": {
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
        },
        "options": {"base_url": sandbox["walmart"], "rate_limit_scale": SPEED},
        "export_target": "oms",
        "import_interval_seconds": 3600,
    }
    async with (
        hub_api(ctx, oms_url=sandbox["oms"], oms_secret=SECRET, connection=connection) as api,
        httpx.AsyncClient(base_url=sandbox["walmart"], timeout=30) as walmart,
        httpx.AsyncClient(base_url=sandbox["oms"], timeout=30) as oms,
    ):
        yield Hub(api, walmart, oms)


async def test_a_new_order_reaches_the_oms_and_is_acknowledged_at_walmart(hub: Hub) -> None:
    order = await hub.new_order((2, 1))
    assert order["status"] == "unshipped"
    assert [line["quantity_ordered"] for line in order["lines"]] == [2, 1]

    async def exported() -> list[Any]:
        received = (await hub.oms.get("/orders")).json()["orders"]
        return [
            entry
            for entry in received
            if entry["document"].get("external_order_id") == order["external_id"]
        ]

    (delivered, *_) = await wait_for(exported, "the order at the OMS")
    assert delivered["document"]["channel"] == "walmart"
    await hub.acknowledged(order)
    at_walmart = await hub.at_walmart(order["external_id"])
    assert at_walmart["lineStatuses"] == {"1": {"Acknowledged": 2}, "2": {"Acknowledged": 1}}
    assert [w["operation"] for w in at_walmart["writes"]] == ["acknowledgeOrders"]
    detail = await hub.detail(order["id"])
    assert "acknowledged" in [event["kind"] for event in detail["events"]]
    assert detail["acknowledged_at"] is not None
    assert detail["acknowledgement_overdue_at"] is None


async def test_a_partial_shipment_then_the_rest_reach_walmart(hub: Hub) -> None:
    order = await hub.new_order((2, 1))
    first_line, second_line = (line["external_line_id"] for line in order["lines"])
    first = await hub.record(
        order["id"],
        "shipments",
        {"lines": [{"line_id": first_line, "quantity": 1}], "tracking_number": UPS},
    )
    assert (await hub.settled(order["id"], "shipments", first["id"]))["status"] == "confirmed"
    at_walmart = await hub.at_walmart(order["external_id"])
    assert at_walmart["lineStatuses"][first_line] == {"Acknowledged": 1, "Shipped": 1}
    (package,) = at_walmart["shipments"]
    assert package["carrierName"] == {"carrier": "UPS"}
    assert package["trackingNumber"] == UPS and package["methodCode"] == "Standard"

    rest = await hub.record(
        order["id"],
        "shipments",
        {
            "lines": [
                {"line_id": first_line, "quantity": 1},
                {"line_id": second_line, "quantity": 1},
            ],
            "carrier": "FedEx",
            "tracking_number": FEDEX,
        },
    )
    assert (await hub.settled(order["id"], "shipments", rest["id"]))["status"] == "confirmed"
    at_walmart = await hub.at_walmart(order["external_id"])
    assert at_walmart["lineStatuses"] == {first_line: {"Shipped": 2}, second_line: {"Shipped": 1}}
    assert (await hub.detail(order["id"]))["status"] == "complete"

    # Walmart now shows every unit shipped; the re-import keeps the order complete.
    await hub.import_now()
    detail = await hub.detail(order["id"])
    assert detail["status"] == "complete"
    assert not [e for e in detail["errors"] if "status change refused" in e["title"]]


async def test_walmart_cancels_whole_orders_only(hub: Hub) -> None:
    order = await hub.new_order((2, 1))
    first_line = order["lines"][0]["external_line_id"]
    refused = await hub.api.post(
        f"/api/v1/orders/{order['id']}/cancellations",
        json={"reason": "out_of_stock", "lines": [{"line_id": first_line, "quantity": 1}]},
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert "whole orders only" in error["message"] and error["field"] == "lines"

    whole = await hub.record(order["id"], "cancellations", {"reason": "out_of_stock"})
    confirmed = await hub.settled(order["id"], "cancellations", whole["id"])
    assert confirmed["status"] == "confirmed", confirmed
    assert (await hub.detail(order["id"]))["status"] == "canceled"
    at_walmart = await hub.at_walmart(order["external_id"])
    assert {c["cancellationReason"] for c in at_walmart["cancellations"]} == {
        "SELLER_CANCEL_OUT_OF_STOCK"
    }
    assert at_walmart["order"]["orderLines"]["orderLine"][0]["orderLineStatuses"][
        "orderLineStatus"
    ] == [
        {
            "status": "Cancelled",
            "statusQuantity": {"unitOfMeasurement": "EACH", "amount": "2"},
            "cancellationReason": "SELLER_CANCEL_OUT_OF_STOCK",
        }
    ]


async def test_a_refund_reaches_walmart_as_negative_amounts(hub: Hub) -> None:
    order = await hub.new_order((2,))
    shipment = await hub.record(order["id"], "shipments", {"tracking_number": UPS})
    assert (await hub.settled(order["id"], "shipments", shipment["id"]))["status"] == "confirmed"
    line = order["lines"][0]["external_line_id"]
    refund = await hub.record(
        order["id"],
        "refunds",
        {"reason": "damaged", "lines": [{"line_id": line, "quantity": 1}]},
    )
    confirmed = await hub.settled(order["id"], "refunds", refund["id"])
    assert confirmed["status"] == "confirmed", confirmed
    (given,) = (await hub.at_walmart(order["external_id"]))["refunds"]
    assert given["refundComments"] == f"orderbridge-refund-{refund['id']}"
    assert given["charges"] == [
        {"refundReason": "DamagedItem", "chargeType": "PRODUCT", "amount": -10, "tax": -0.8}
    ]


async def test_a_lost_answer_does_not_ship_twice(hub: Hub) -> None:
    order = await hub.new_order((1,))
    await hub.acknowledged(order)
    faults = await hub.walmart.put("/_sandbox/faults", json={"lose_write_responses": 1})
    assert faults.status_code == 200, faults.text
    shipment = await hub.record(order["id"], "shipments", {"tracking_number": UPS})
    assert (await hub.settled(order["id"], "shipments", shipment["id"]))["status"] == "confirmed"
    at_walmart = await hub.at_walmart(order["external_id"])
    assert len(at_walmart["shipments"]) == 1
    assert [w["operation"] for w in at_walmart["writes"]] == [
        "acknowledgeOrders",
        "shippingUpdates",
    ]
    events = (await hub.detail(order["id"]))["events"]
    confirmed = [e for e in events if e["kind"] == "shipment_confirmed"]
    assert confirmed and confirmed[-1]["data"]["already_at_marketplace"] is True


async def test_a_cancellation_by_the_customer_is_found_on_import_and_told_to_the_oms(
    hub: Hub,
) -> None:
    order = await hub.new_order((1,))

    async def exported() -> bool:
        return bool((await hub.detail(order["id"]))["export_status"] == "exported")

    await wait_for(exported, "the order's export")
    changed = await hub.walmart.post(
        f"/_sandbox/orders/{order['external_id']}/status", json={"status": "Cancelled"}
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
    detail = await hub.detail(order["id"])
    assert detail["status"] == "canceled"
    assert "cancelled_by_marketplace" in [event["kind"] for event in detail["events"]]


async def test_a_carrier_off_walmarts_list_goes_with_its_tracking_page(hub: Hub) -> None:
    order = await hub.new_order((1,))
    shipment = await hub.record(
        order["id"],
        "shipments",
        {
            "carrier": "Spedition Müller",
            "tracking_number": "SM-000123",
            "tracking_url": "https://track.spedition-mueller.example/SM-000123",
        },
    )
    assert shipment["carrier_code"] == "otherCarrier"
    assert (await hub.settled(order["id"], "shipments", shipment["id"]))["status"] == "confirmed"
    (package,) = (await hub.at_walmart(order["external_id"]))["shipments"]
    assert package["carrierName"] == {"otherCarrier": "Spedition Müller"}
    assert package["trackingURL"] == "https://track.spedition-mueller.example/SM-000123"


async def test_an_order_not_acknowledged_in_time_is_flagged(hub: Hub, ctx: ServiceContext) -> None:
    order = await hub.new_order((1,))
    await hub.acknowledged(order)
    # As if Walmart had refused the acknowledgement for the last five hours.
    async with ctx.db.write() as conn:
        await conn.execute(
            update(orders)
            .where(orders.c.id == order["id"])
            .values(acknowledged_at=None, purchased_at=datetime.now(UTC) - timedelta(hours=5))
        )
    # The hub's own runner scans on every tick too; whichever gets there first flags it.
    await flag_overdue_acknowledgements(ctx)
    assert await flag_overdue_acknowledgements(ctx) == 0
    detail = await hub.detail(order["id"])
    assert detail["acknowledged_at"] is None
    assert detail["acknowledgement_overdue_at"] is not None
    warnings = [error for error in detail["errors"] if "not acknowledged yet" in error["title"]]
    assert len(warnings) == 1
