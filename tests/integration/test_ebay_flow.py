"""The eBay channel end to end over real sockets: eBay simulator → orderbridge → sandbox OMS,
and the OMS's shipments, cancellations and refunds back to eBay.

orderbridge runs with its API and in-process runner in a server thread, on SQLite and on
PostgreSQL (the ``ctx`` fixture); the test plays the OMS through the REST API and checks
what eBay (the simulator's control API) ends up with. Nothing here names the channel to
the core: the connection says ``channel="ebay"`` and the registry does the rest.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from orderbridge.sandbox.ebay import EbaySimulatorSettings
from orderbridge.sandbox.ebay import create_app as ebay_app
from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.services.context import ServiceContext
from tests.support.flow_hub import hub_api
from tests.support.servers import serving

SECRET = "ebay-flow-webhook-secret"
# The simulator settles refunds and cancellations this much faster, and the connection
# spends its call budget this much faster, so the loop takes seconds.
SPEED = 1000.0
UPS = "1Z999AA10123456784"
USPS = "9400111899223344556677"


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
    ebay: httpx.AsyncClient
    oms: httpx.AsyncClient

    async def at_ebay(self, order_id: str) -> dict[str, Any]:
        response = await self.ebay.get(f"/_sandbox/orders/{order_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def new_order(self, quantities: tuple[int, ...]) -> dict[str, Any]:
        """A paid, unshipped US order at eBay, imported into orderbridge."""
        created = await self.ebay.post(
            "/_sandbox/orders",
            json={
                "order": {
                    "marketplaceId": "EBAY_US",
                    "lineItems": [{"quantity": quantity} for quantity in quantities],
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
        """Import everything eBay changed until now.

        The connector reads windows ending two minutes before eBay's time, so the test moves
        the simulator's clock on; eBay's time comes from the Date header of each answer, so
        the first run after the jump learns it and the second reads up to it.
        """
        await self.ebay.post("/_sandbox/clock", json={"advance_seconds": 300})
        for _ in range(2):
            before = len(
                (await self.api.get("/api/v1/imports", params={"feed": "orders"})).json()["items"]
            )
            started = await self.api.post("/api/v1/imports", json={"all": True})
            assert started.status_code == 202, started.text

            async def finished(count: int = before) -> bool:
                runs = (await self.api.get("/api/v1/imports", params={"feed": "orders"})).json()[
                    "items"
                ]
                return len(runs) > count and all(run["status"] != "running" for run in runs)

            await wait_for(finished, "the import run")

    async def detail(self, order_id: int) -> dict[str, Any]:
        body: dict[str, Any] = (await self.api.get(f"/api/v1/orders/{order_id}")).json()
        return body

    async def settled(self, order_id: int, kind: str, record_id: int) -> dict[str, Any]:
        async def done() -> dict[str, Any] | None:
            records = (await self.api.get(f"/api/v1/orders/{order_id}/{kind}")).json()
            record = next(item for item in records if item["id"] == record_id)
            return record if record["status"] in ("confirmed", "failed") else None

        found: dict[str, Any] = await wait_for(done, f"{kind} {record_id} to settle")
        return found

    async def ship(self, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.api.post(f"/api/v1/orders/{order_id}/shipments", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


@pytest.fixture
def sandbox() -> Iterator[dict[str, Any]]:
    settings = EbaySimulatorSettings(
        seed=9, speed_factor=SPEED, initial_orders=0, marketplace_ids=("EBAY_US",)
    )
    with serving(ebay_app(settings)) as ebay, serving(oms_app(SECRET)) as oms:
        yield {"ebay": ebay, "oms": oms, "settings": settings}


@pytest.fixture
async def hub(ctx: ServiceContext, sandbox: dict[str, Any]) -> AsyncIterator[Hub]:
    sim: EbaySimulatorSettings = sandbox["settings"]
    connection = {
        "name": "ebay-us",
        "channel": "ebay",
        "credentials": {
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": sim.refresh_token,
        },
        "options": {
            "base_url": sandbox["ebay"],
            "marketplace_id": "EBAY_US",
            "rate_limit_scale": SPEED,
        },
        "export_target": "oms",
        "import_interval_seconds": 3600,
    }
    async with (
        hub_api(ctx, oms_url=sandbox["oms"], oms_secret=SECRET, connection=connection) as api,
        httpx.AsyncClient(base_url=sandbox["ebay"], timeout=30) as ebay,
        httpx.AsyncClient(base_url=sandbox["oms"], timeout=30) as oms,
    ):
        yield Hub(api, ebay, oms)


async def test_orders_are_imported_and_exported_to_the_oms(hub: Hub) -> None:
    order = await hub.new_order((2, 1))
    assert order["channel"] == "ebay"
    assert order["status"] == "unshipped"
    assert [line["quantity_ordered"] for line in order["lines"]] == [2, 1]

    async def received() -> list[Any]:
        documents = (await hub.oms.get("/orders")).json()["orders"]
        return [
            entry
            for entry in documents
            if entry["document"].get("external_order_id") == order["external_id"]
        ]

    (delivered,) = await wait_for(received, "the order at the OMS")
    document = delivered["document"]
    assert document["currency"] == "USD"
    at_ebay = await hub.at_ebay(order["external_id"])
    assert (
        document["shipping_address"]["postal_code"]
        == (
            at_ebay["order"]["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"][
                "contactAddress"
            ]["postalCode"]
        )
    )


async def test_a_partial_shipment_then_the_rest_reach_ebay(hub: Hub) -> None:
    order = await hub.new_order((2, 1))
    first, second = (line["external_line_id"] for line in order["lines"])
    partial = await hub.ship(
        order["id"], {"lines": [{"line_id": first, "quantity": 1}], "tracking_number": UPS}
    )
    assert (await hub.settled(order["id"], "shipments", partial["id"]))["status"] == "confirmed"
    at_ebay = await hub.at_ebay(order["external_id"])
    assert at_ebay["order"]["orderFulfillmentStatus"] == "IN_PROGRESS"
    (package,) = at_ebay["fulfillments"]
    assert (package["shippingCarrierCode"], package["shipmentTrackingNumber"]) == ("UPS", UPS)

    # eBay now shows the first line fulfilled; a re-import must still leave one unit open.
    await hub.import_now()
    detail = await hub.detail(order["id"])
    assert detail["status"] == "partially_shipped"
    assert [line["quantity_shipped"] for line in detail["lines"]] == [1, 0]

    rest = await hub.ship(
        order["id"],
        {
            "lines": [
                {"line_id": first, "quantity": 1},
                {"line_id": second, "quantity": 1},
            ],
            "carrier": "USPS",
            "tracking_number": USPS,
        },
    )
    assert (await hub.settled(order["id"], "shipments", rest["id"]))["status"] == "confirmed"
    at_ebay = await hub.at_ebay(order["external_id"])
    assert at_ebay["order"]["orderFulfillmentStatus"] == "FULFILLED"
    assert [f["shipmentTrackingNumber"] for f in at_ebay["fulfillments"]] == [UPS, USPS]
    assert (await hub.detail(order["id"]))["status"] == "complete"
    await hub.import_now()
    detail = await hub.detail(order["id"])
    assert detail["status"] == "complete"
    assert not [e for e in detail["errors"] if "status change refused" in e["title"]]


async def test_a_shipment_without_tracking_goes_after_the_wait(hub: Hub) -> None:
    updated = await hub.api.patch("/api/v1/connections/ebay-us", json={"tracking_wait_seconds": 0})
    assert updated.status_code == 200, updated.text
    order = await hub.new_order((1,))
    shipment = await hub.ship(order["id"], {})
    assert (await hub.settled(order["id"], "shipments", shipment["id"]))["status"] == "confirmed"
    (package,) = (await hub.at_ebay(order["external_id"]))["fulfillments"]
    assert "shipmentTrackingNumber" not in package
    assert (await hub.detail(order["id"]))["status"] == "complete"


async def test_a_lost_answer_does_not_ship_twice(hub: Hub) -> None:
    order = await hub.new_order((1,))
    faults = await hub.ebay.put("/_sandbox/faults", json={"lose_write_responses": 1})
    assert faults.status_code == 200, faults.text
    shipment = await hub.ship(order["id"], {"tracking_number": UPS})
    assert (await hub.settled(order["id"], "shipments", shipment["id"]))["status"] == "confirmed"
    assert len((await hub.at_ebay(order["external_id"]))["fulfillments"]) == 1
    calls = (await hub.ebay.get("/_sandbox/stats")).json()["calls"]
    assert calls["createShippingFulfillment"] == {"500": 1}  # the retry looked first
    events = (await hub.detail(order["id"]))["events"]
    confirmed = [e for e in events if e["kind"] == "shipment_confirmed"]
    assert confirmed and confirmed[-1]["data"]["already_at_marketplace"] is True


async def test_ebay_cancels_whole_orders_only(hub: Hub) -> None:
    order = await hub.new_order((1, 1))
    line = order["lines"][0]["external_line_id"]
    refused = await hub.api.post(
        f"/api/v1/orders/{order['id']}/cancellations",
        json={"reason": "out_of_stock", "lines": [{"line_id": line, "quantity": 1}]},
    )
    assert refused.status_code == 422
    assert "whole orders only" in refused.json()["error"]["message"]

    whole = await hub.api.post(
        f"/api/v1/orders/{order['id']}/cancellations", json={"reason": "buyer_requested"}
    )
    assert whole.status_code == 201, whole.text
    settled = await hub.settled(order["id"], "cancellations", whole.json()["id"])
    assert settled["status"] == "confirmed", settled
    assert (await hub.detail(order["id"]))["status"] == "canceled"
    at_ebay = await hub.at_ebay(order["external_id"])
    assert at_ebay["order"]["cancelStatus"]["cancelState"] == "CANCELED"
    (cancellation,) = at_ebay["cancellations"]
    assert cancellation["cancelReason"] == "BUYER_ASKED_CANCEL"
    assert cancellation["requestorType"] == "SELLER"


async def test_a_refund_is_confirmed_once_ebay_has_paid_it(hub: Hub) -> None:
    order = await hub.new_order((2,))
    shipment = await hub.ship(order["id"], {"tracking_number": UPS})
    await hub.settled(order["id"], "shipments", shipment["id"])
    line = order["lines"][0]["external_line_id"]
    response = await hub.api.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={"reason": "damaged", "lines": [{"line_id": line, "quantity": 1}]},
    )
    assert response.status_code == 201, response.text
    refund = await hub.settled(order["id"], "refunds", response.json()["id"])
    assert refund["status"] == "confirmed", refund
    (held,) = (await hub.at_ebay(order["external_id"]))["refunds"]
    assert (held["refundStatus"], held["reasonForRefund"]) == ("REFUNDED", "ITEM_NOT_AS_DESCRIBED")
    events = (await hub.detail(order["id"]))["events"]
    submitted = [e for e in events if e["kind"] == "marketplace_update_submitted"]
    assert submitted and submitted[-1]["data"]["handle"] == held["refundId"]


async def test_a_buyer_cancellation_found_on_import_is_told_to_the_oms(hub: Hub) -> None:
    order = await hub.new_order((1,))

    async def exported() -> bool:
        return bool((await hub.detail(order["id"]))["export_status"] == "exported")

    await wait_for(exported, "the order's export")
    changed = await hub.ebay.post(
        f"/_sandbox/orders/{order['external_id']}/status", json={"cancelState": "CANCELED"}
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
