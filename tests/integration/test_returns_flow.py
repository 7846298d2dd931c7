"""Returns end to end over real sockets, for every channel: the marketplace (its simulator) →
orderbridge (its API and in-process runner) → the sandbox OMS, and the OMS's decision back
through orderbridge's outbox to the marketplace.

Each test seeds a shipped order and a buyer's return of it at the simulator, imports orders
then returns through the REST API, checks the return as a user sees it (its order, lines,
reason, status, the connection's last returns success), waits for its single export to the
OMS, records a decision as the OMS would and checks at the simulator's control API that the
marketplace has it, once. Runs on SQLite and on PostgreSQL (the ``ctx`` fixture).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderbridge.sandbox.amazon import AmazonSimulatorSettings
from orderbridge.sandbox.amazon import create_app as amazon_app
from orderbridge.sandbox.bol import BolSimulatorSettings
from orderbridge.sandbox.bol import create_app as bol_app
from orderbridge.sandbox.ebay import EbaySimulatorSettings
from orderbridge.sandbox.ebay import create_app as ebay_app
from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.sandbox.walmart import WalmartSimulatorSettings
from orderbridge.sandbox.walmart import create_app as walmart_app
from orderbridge.services.context import ServiceContext
from tests.support.flow_hub import hub_api
from tests.support.servers import serving

SECRET = "returns-flow-webhook-secret"
# Rate limits and the simulators' processing (feeds, bol's handling, eBay's refunds) run
# this much faster, so a test waits for seconds.
SPEED = 10_000.0
EBAY_SPEED = 1000.0
AMAZON_DE = "A1PA6795UKMFR9"
POSTNL = "3SBOL0987654321"
# Past every connector's settle lag (two minutes, five for Walmart), so what was just
# placed at the marketplace lies inside the next read window.
PAST_THE_SETTLE_LAG = 600


async def wait_for(probe: Callable[[], Awaitable[Any]], what: str, within: float = 30.0) -> Any:
    """The first truthy answer of ``probe``, polled until ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@dataclass(frozen=True)
class Seeded:
    """What the test placed at the marketplace, as orderbridge should show it."""

    order_external_id: str
    return_external_id: str
    lines: list[tuple[str, str, int]]  # (order line id, SKU, quantity) per returned line
    reason: str


@dataclass
class Hub:
    """orderbridge's API, the marketplace simulator's API and the sandbox OMS's API."""

    api: httpx.AsyncClient
    market: httpx.AsyncClient
    oms: httpx.AsyncClient
    connection: str

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        """A call to the simulator's control API that must succeed."""
        response = await self.market.request(method, path, json=body)
        assert response.status_code < 300, response.text
        return response.json()

    async def runs(self, feed: str) -> list[dict[str, Any]]:
        response = await self.api.get(
            "/api/v1/imports", params={"feed": feed, "connection": self.connection}
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def run(self, feed: str) -> dict[str, Any]:
        """Trigger one import run of ``feed`` ("orders" or "returns") and wait for its end."""
        before = {run["id"] for run in await self.runs(feed)}
        path = "/api/v1/imports" if feed == "orders" else "/api/v1/returns/imports"
        started = await self.api.post(path, json={"connections": [self.connection]})
        assert started.status_code == 202, started.text
        assert started.json()["triggered"] == [self.connection]

        async def finished() -> dict[str, Any] | None:
            runs = await self.runs(feed)
            new = [run for run in runs if run["id"] not in before]
            return new[0] if new and all(run["status"] != "running" for run in runs) else None

        done: dict[str, Any] = await wait_for(finished, f"the {feed} import run")
        assert done["status"] == "succeeded", done
        return done

    async def import_orders(self) -> None:
        """Import every order the marketplace changed until now.

        A read window ends a settle lag before the marketplace's time, so the simulator's
        clock moves on; orderbridge learns that time from the Date header of each answer:
        the first run after the jump learns it, the second reads up to it.
        """
        await self.control("POST", "/_sandbox/clock", {"advance_seconds": PAST_THE_SETTLE_LAG})
        await self.run("orders")
        await self.run("orders")

    async def import_returns(self) -> dict[str, Any]:
        """Import the returns up to the marketplace's time as the order import learnt it."""
        return await self.run("returns")

    async def order(self, external_id: str) -> dict[str, Any]:
        async def imported() -> dict[str, Any] | None:
            page = (await self.api.get("/api/v1/orders", params={"q": external_id})).json()
            return page["items"][0] if page["items"] else None

        found = await wait_for(imported, f"order {external_id} imported")
        detail: dict[str, Any] = (await self.api.get(f"/api/v1/orders/{found['id']}")).json()
        return detail

    async def returns(self) -> list[dict[str, Any]]:
        response = await self.api.get("/api/v1/returns", params={"connection": self.connection})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def the_return(self, return_id: int) -> dict[str, Any]:
        response = await self.api.get(f"/api/v1/returns/{return_id}")
        assert response.status_code == 200, response.text
        detail: dict[str, Any] = response.json()
        return detail

    async def at_oms(self, external_return_id: str) -> list[dict[str, Any]]:
        """The return documents the OMS received for this marketplace return."""
        received = (await self.oms.get("/returns")).json()["returns"]
        return [
            entry["document"]
            for entry in received
            if entry["document"]["external_return_id"] == external_return_id
        ]

    async def decide(self, return_id: int, body: dict[str, Any]) -> int:
        response = await self.api.post(f"/api/v1/returns/{return_id}/decisions", json=body)
        assert response.status_code == 201, response.text
        decision_id: int = response.json()["id"]
        return decision_id

    async def decided(self, return_id: int, decision_id: int, status: str) -> dict[str, Any]:
        """The return once its decision is confirmed at the marketplace and it is ``status``."""

        async def settled() -> dict[str, Any] | None:
            detail = await self.the_return(return_id)
            (decision,) = [d for d in detail["decisions"] if d["id"] == decision_id]
            assert decision["status"] != "failed", decision
            done = decision["status"] == "confirmed" and detail["status"] == status
            return detail if done else None

        found: dict[str, Any] = await wait_for(
            settled, f"decision {decision_id} confirmed and the return {status}", within=20
        )
        return found


@asynccontextmanager
async def running_hub(
    ctx: ServiceContext,
    app: Any,
    connection: Callable[[str], dict[str, Any]],
) -> AsyncIterator[Hub]:
    """The simulator ``app``, the sandbox OMS and orderbridge with the connection that
    ``connection(simulator URL)`` describes, exporting to the OMS on its own."""
    with serving(app) as market_url, serving(oms_app(SECRET)) as oms_url:
        described = connection(market_url)
        async with (
            hub_api(ctx, oms_url=oms_url, oms_secret=SECRET, connection=described) as api,
            httpx.AsyncClient(base_url=market_url, timeout=30) as market,
            httpx.AsyncClient(base_url=oms_url, timeout=30) as oms,
        ):
            shown = (await api.get(f"/api/v1/connections/{described['name']}")).json()
            assert shown["auto_export"] is True
            hub = Hub(api, market, oms, described["name"])

            # A new connection's feeds are due at once: let the runner's first orders and
            # returns runs end, so that what a test places next is read by its own runs.
            async def first_runs_over() -> bool:
                runs = [*await hub.runs("orders"), *await hub.runs("returns")]
                feeds = {run["feed"] for run in runs}
                return feeds == {"orders", "returns"} and all(
                    run["status"] != "running" for run in runs
                )

            await wait_for(first_runs_over, "the connection's first scheduled runs")
            yield hub


async def imported_and_exported(hub: Hub, seeded: Seeded) -> dict[str, Any]:
    """Steps a user follows: import orders, then returns; the return is there, linked to its
    order and lines, and reaches the OMS exactly once. Its detail as the API shows it."""
    await hub.import_orders()
    order = await hub.order(seeded.order_external_id)
    run = await hub.import_returns()
    assert (run["orders_created"], run["orders_failed"]) == (1, 0), run

    (listed,) = await hub.returns()
    assert listed["external_id"] == seeded.return_external_id
    assert listed["order_external_id"] == seeded.order_external_id
    assert listed["order_id"] == order["id"]
    assert listed["status"] == "requested"
    assert listed["import_status"] == "complete"
    assert listed["reason"] == seeded.reason
    assert listed["quantity"] == sum(quantity for _, _, quantity in seeded.lines)
    detail = await hub.the_return(listed["id"])
    assert [(line["order_line_id"], line["sku"], line["quantity"]) for line in detail["lines"]] == (
        seeded.lines
    )
    assert detail["import_blockers"] == []
    connection = (await hub.api.get(f"/api/v1/connections/{hub.connection}")).json()
    assert connection["returns_last_success_at"] is not None

    async def exported() -> bool:
        return (await hub.the_return(listed["id"]))["export_status"] == "exported"

    await wait_for(exported, f"return {seeded.return_external_id} exported")
    (document,) = await hub.at_oms(seeded.return_external_id)
    assert document["external_order_id"] == seeded.order_external_id
    assert document["orderbridge_return_id"] == listed["id"]
    assert document["return_status"] == "requested"
    assert (await hub.oms.get("/returns")).json()["count"] == 1

    again = await hub.api.post("/api/v1/returns/exports", json={"return_ids": [listed["id"]]})
    assert again.status_code == 200, again.text
    assert again.json()["results"] == [
        {"return_id": listed["id"], "scheduled": False, "message": "already exported"}
    ]
    # A later returns run reads the same return again and neither stores nor sends it twice.
    assert (await hub.import_returns())["orders_created"] == 0
    assert [r["id"] for r in await hub.returns()] == [listed["id"]]
    assert len(await hub.at_oms(seeded.return_external_id)) == 1
    return await hub.the_return(listed["id"])


# -- Amazon ---------------------------------------------------------------------------------


def amazon_connection(sim: AmazonSimulatorSettings) -> Callable[[str], dict[str, Any]]:
    def described(url: str) -> dict[str, Any]:
        return {
            "name": "amazon-de",
            "channel": "amazon",
            "credentials": {
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
                "refresh_token": sim.refresh_token,
            },
            "options": {
                "marketplace_ids": [AMAZON_DE],
                "base_url": url,
                "token_url": f"{url}/auth/o2/token",
                "rate_limit_scale": SPEED,
                "seller_id": sim.seller_id,
            },
            "export_target": "oms",
            "import_interval_seconds": 3600,
        }

    return described


@pytest.fixture
async def amazon(ctx: ServiceContext) -> AsyncIterator[Hub]:
    """orderbridge with an Amazon connection (one German marketplace) to its simulator."""
    sim = AmazonSimulatorSettings(
        seed=5, speed_factor=SPEED, marketplace_ids=(AMAZON_DE,), initial_orders_per_marketplace=0
    )
    async with running_hub(ctx, amazon_app(sim), amazon_connection(sim)) as hub:
        yield hub


async def amazon_return(hub: Hub) -> Seeded:
    """A shipped order of two mugs and a teapot; the buyer returns both mugs and the teapot."""
    placed = await hub.control(
        "POST",
        "/_sandbox/orders",
        {
            "order": {
                "salesChannel": {"marketplaceId": AMAZON_DE},
                "fulfillment": {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "MERCHANT"},
                "orderItems": [
                    {
                        "quantityOrdered": 2,
                        "product": {
                            "sellerSku": "FLOW-MUG",
                            "price": {"unitPrice": {"amount": "20.00", "currencyCode": "EUR"}},
                        },
                    },
                    {
                        "quantityOrdered": 1,
                        "product": {
                            "sellerSku": "FLOW-TEAPOT",
                            "price": {"unitPrice": {"amount": "35.50", "currencyCode": "EUR"}},
                        },
                    },
                ],
            }
        },
    )
    (order_id,) = placed["orderIds"]
    shown = await hub.control("GET", f"/_sandbox/orders/{order_id}")
    mug, teapot = (item["orderItemId"] for item in shown["order"]["orderItems"])
    created = await hub.control(
        "POST",
        "/_sandbox/returns",
        {
            "orderId": order_id,
            "items": [
                {"orderItemId": mug, "quantity": 2, "reason": "CR-DEFECTIVE"},
                {"orderItemId": teapot, "quantity": 1, "reason": "CR-UNWANTED_ITEM"},
            ],
        },
    )
    return Seeded(
        order_external_id=order_id,
        return_external_id=created["amazonRmaId"],
        lines=[(mug, "FLOW-MUG", 2), (teapot, "FLOW-TEAPOT", 1)],
        reason="CR-DEFECTIVE, CR-UNWANTED_ITEM",
    )


async def test_an_amazon_return_is_exported_once_and_refunded_in_part(amazon: Hub) -> None:
    """Amazon: the return reaches the OMS once; a partial refund of the mugs goes back as
    one payment adjustment."""
    seeded = await amazon_return(amazon)
    returned = await imported_and_exported(amazon, seeded)
    assert returned["currency"] == "EUR"

    refused = await amazon.api.post(
        f"/api/v1/returns/{returned['id']}/decisions", json={"decision": "accept"}
    )
    assert refused.status_code == 422, refused.text
    assert "(it takes: refund)" in refused.json()["error"]["message"]

    decision = await amazon.decide(
        returned["id"],
        {
            "decision": "refund",
            "reference": "OMS-RMA-AMZ-1",
            "lines": [{"line_id": "FLOW-MUG", "quantity": 2, "amount": "30.00"}],
            "reason": "damaged in transit",
        },
    )
    refunded = await amazon.decided(returned["id"], decision, "refunded")
    assert Decimal(refunded["refund_amount"]) == Decimal("30.00")
    (recorded,) = refunded["decisions"]
    assert (recorded["reference"], Decimal(recorded["total"])) == ("OMS-RMA-AMZ-1", Decimal(30))

    mug = seeded.lines[0][0]
    at_amazon = await amazon.control("GET", f"/_sandbox/orders/{seeded.order_external_id}")
    (given_back,) = at_amazon["refunds"]
    assert given_back["orderItemId"] == mug
    assert given_back["adjustmentReason"] == "CustomerReturn"
    assert given_back["components"] == {"Principal": {"amount": "30.00", "currencyCode": "EUR"}}


# -- Walmart --------------------------------------------------------------------------------


def walmart_connection(sim: WalmartSimulatorSettings) -> Callable[[str], dict[str, Any]]:
    def described(url: str) -> dict[str, Any]:
        return {
            "name": "walmart-us",
            "channel": "walmart",
            "credentials": {"client_id": sim.client_id, "client_secret": sim.client_secret},
            "options": {"base_url": url, "rate_limit_scale": SPEED},
            "export_target": "oms",
            "import_interval_seconds": 3600,
        }

    return described


@pytest.fixture
async def walmart(ctx: ServiceContext) -> AsyncIterator[Hub]:
    """orderbridge with a Walmart connection to its simulator."""
    sim = WalmartSimulatorSettings(seed=9, speed_factor=SPEED, initial_orders=0)
    async with running_hub(ctx, walmart_app(sim), walmart_connection(sim)) as hub:
        yield hub


async def walmart_return(hub: Hub, reason: str = "DAMAGED") -> Seeded:
    """A shipped order of two lines; the customer returns all of it."""
    placed = await hub.control(
        "POST",
        "/_sandbox/orders",
        {
            "order": {
                "methodCode": "Standard",
                "status": "Shipped",
                "lines": [
                    {"sku": "FLOW-MUG", "quantity": 2, "unitPrice": "10.00", "tax": "1.60"},
                    {"sku": "FLOW-TEAPOT", "quantity": 1, "unitPrice": "35.50", "tax": "2.84"},
                ],
            }
        },
    )
    (purchase_order_id,) = placed["purchaseOrderIds"]
    created = await hub.control(
        "POST",
        "/_sandbox/returns",
        {
            "purchaseOrderId": purchase_order_id,
            "lines": [{"lineNumber": "1", "quantity": 2}, {"lineNumber": "2", "quantity": 1}],
            "reason": reason,
        },
    )
    return Seeded(
        order_external_id=purchase_order_id,
        return_external_id=created["returnOrderId"],
        lines=[("1", "FLOW-MUG", 2), ("2", "FLOW-TEAPOT", 1)],
        reason=reason,
    )


async def walmart_held(hub: Hub, return_order_id: str) -> dict[str, Any]:
    held = (await hub.control("GET", "/_sandbox/returns"))["returnOrders"]
    found: dict[str, Any] = next(r for r in held if r["returnOrderId"] == return_order_id)
    return found


async def test_a_walmart_return_is_exported_once_and_one_line_refunded(walmart: Hub) -> None:
    """Walmart: the return reaches the OMS once; a refund of one of its two lines reaches
    Walmart as one issueRefund, and the other line stays open there."""
    seeded = await walmart_return(walmart)
    returned = await imported_and_exported(walmart, seeded)
    assert returned["currency"] == "USD"

    decision = await walmart.decide(
        returned["id"],
        {
            "decision": "refund",
            "reference": "OMS-RMA-WMT-1",
            "lines": [{"line_id": "1", "amount": "20.00"}],
        },
    )
    refunded = await walmart.decided(returned["id"], decision, "refunded")
    assert Decimal(refunded["refund_amount"]) == Decimal("20.00")

    held = await walmart_held(walmart, seeded.return_external_id)
    assert [(line["status"], line["refundedQty"]) for line in held["returnOrderLines"]] == [
        ("COMPLETED", 2),
        ("INITIATED", 0),
    ]
    at_walmart = await walmart.control("GET", f"/_sandbox/orders/{seeded.order_external_id}")
    assert [w["operation"] for w in at_walmart["writes"] if w["operation"] == "issueRefund"] == [
        "issueRefund"
    ]
    assert [r["lineNumber"] for r in at_walmart["refunds"]] == ["1"]


# -- bol.com --------------------------------------------------------------------------------


def bol_connection(sim: BolSimulatorSettings) -> Callable[[str], dict[str, Any]]:
    def described(url: str) -> dict[str, Any]:
        return {
            "name": "bol-nl",
            "channel": "bol",
            "credentials": {"client_id": sim.client_id, "client_secret": sim.client_secret},
            "options": {
                "base_url": url,
                "token_url": f"{url}/token",
                "rate_limit_scale": SPEED,
            },
            "export_target": "oms",
            "import_interval_seconds": 3600,
        }

    return described


@pytest.fixture
async def bol(ctx: ServiceContext) -> AsyncIterator[Hub]:
    """orderbridge with a bol.com connection to its simulator."""
    sim = BolSimulatorSettings(seed=9, speed_factor=SPEED, initial_orders=0)
    async with running_hub(ctx, bol_app(sim), bol_connection(sim)) as hub:
        yield hub


async def bol_return(hub: Hub) -> Seeded:
    """An order of two items, imported and shipped through orderbridge (bol takes a return
    of shipped units only); the customer registers a return of one unit of the second."""
    placed = await hub.control(
        "POST",
        "/_sandbox/orders",
        {
            "order": {
                "orderItems": [
                    {"quantity": 2, "unitPrice": "24.95", "offerReference": "FLOW-MUG"},
                    {"quantity": 1, "unitPrice": "39.95", "offerReference": "FLOW-TEAPOT"},
                ]
            }
        },
    )
    (order_id,) = placed["orderIds"]
    await hub.import_orders()
    order = await hub.order(order_id)
    shipped = await hub.api.post(
        f"/api/v1/orders/{order['id']}/shipments",
        json={"carrier": "PostNL", "tracking_number": POSTNL},
    )
    assert shipped.status_code == 201, shipped.text

    async def confirmed() -> bool:
        records = (await hub.api.get(f"/api/v1/orders/{order['id']}/shipments")).json()
        (record,) = records
        assert record["status"] != "failed", record
        return bool(record["status"] == "confirmed")

    await wait_for(confirmed, f"the shipment of {order_id} confirmed at bol")
    teapot = order["lines"][1]["external_line_id"]
    created = await hub.control(
        "POST",
        "/_sandbox/returns",
        {
            "orderItemId": teapot,
            "quantity": 1,
            "mainReason": "Defect",
            "detailedReason": "Deksel gebarsten",
            "customerComments": "Kapot aangekomen",
        },
    )
    return Seeded(
        order_external_id=order_id,
        return_external_id=created["returnId"],
        lines=[(teapot, "FLOW-TEAPOT", 1)],
        reason="Defect: Deksel gebarsten (Kapot aangekomen)",
    )


async def test_a_bol_return_is_exported_once_and_accepted(bol: Hub) -> None:
    """bol.com: the return reaches the OMS once; bol takes no refund (it refunds the
    customer itself), and an accept reaches bol as the item handled as received."""
    seeded = await bol_return(bol)
    returned = await imported_and_exported(bol, seeded)
    assert returned["currency"] == "EUR"
    (line,) = returned["lines"]
    rma_id = line["external_line_id"]

    refused = await bol.api.post(
        f"/api/v1/returns/{returned['id']}/decisions", json={"decision": "refund"}
    )
    assert refused.status_code == 422, refused.text
    message = refused.json()["error"]["message"]
    assert "bol takes no 'refund'" in message
    assert "(it takes: accept, reject)" in message
    assert (await bol.the_return(returned["id"]))["decisions"] == []

    decision = await bol.decide(returned["id"], {"decision": "accept", "reference": "OMS-BOL-1"})
    accepted = await bol.decided(returned["id"], decision, "accepted")
    assert accepted["refund_amount"] is None

    held = await bol.control("GET", "/_sandbox/returns")
    (item,) = [i for r in held["returns"] for i in r["returnItems"] if i["rmaId"] == rma_id]
    assert item["handled"] is True
    (result,) = item["processingResults"]
    assert (result["handlingResult"], result["quantity"]) == ("RETURN_RECEIVED", 1)
    calls = (await bol.control("GET", "/_sandbox/stats"))["calls"]
    assert calls["handle-return"] == {"202": 1}


# -- eBay -----------------------------------------------------------------------------------


def ebay_connection(sim: EbaySimulatorSettings) -> Callable[[str], dict[str, Any]]:
    def described(url: str) -> dict[str, Any]:
        return {
            "name": "ebay-us",
            "channel": "ebay",
            "credentials": {
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
                "refresh_token": sim.refresh_token,
            },
            "options": {
                "base_url": url,
                "marketplace_id": "EBAY_US",
                "rate_limit_scale": EBAY_SPEED,
            },
            "export_target": "oms",
            "import_interval_seconds": 3600,
        }

    return described


@pytest.fixture
async def ebay(ctx: ServiceContext) -> AsyncIterator[Hub]:
    """orderbridge with an eBay US connection to its simulator."""
    sim = EbaySimulatorSettings(
        seed=9, speed_factor=EBAY_SPEED, initial_orders=0, marketplace_ids=("EBAY_US",)
    )
    async with running_hub(ctx, ebay_app(sim), ebay_connection(sim)) as hub:
        yield hub


async def ebay_return(hub: Hub) -> Seeded:
    """A shipped order of two lines; the buyer returns both units of the second."""
    placed = await hub.control(
        "POST",
        "/_sandbox/orders",
        {
            "order": {
                "marketplaceId": "EBAY_US",
                "orderFulfillmentStatus": "FULFILLED",
                "lineItems": [
                    {"quantity": 1, "sku": "FLOW-MUG", "lineItemCost": {"value": "20.00"}},
                    {"quantity": 2, "sku": "FLOW-TEAPOT", "lineItemCost": {"value": "50.00"}},
                ],
            }
        },
    )
    (order_id,) = placed["orderIds"]
    shown = await hub.control("GET", f"/_sandbox/orders/{order_id}")
    teapot = shown["order"]["lineItems"][1]["lineItemId"]
    created = await hub.control(
        "POST",
        "/_sandbox/returns",
        {
            "orderId": order_id,
            "lineItemId": teapot,
            "quantity": 2,
            "reason": "DEFECTIVE_ITEM",
            "comments": "Lid cracked",
        },
    )
    return Seeded(
        order_external_id=order_id,
        return_external_id=str(created["returnId"]),
        lines=[(teapot, "FLOW-TEAPOT", 2)],
        reason="DEFECTIVE_ITEM: Lid cracked",
    )


async def test_an_ebay_return_is_exported_once_and_refunded_in_part(ebay: Hub) -> None:
    """eBay: the return reaches the OMS once; a partial refund (an amount below what was
    paid) is issued once through the return, which eBay then closes."""
    seeded = await ebay_return(ebay)
    returned = await imported_and_exported(ebay, seeded)
    assert returned["currency"] == "USD"
    teapot = seeded.lines[0][0]

    decision = await ebay.decide(
        returned["id"],
        {
            "decision": "refund",
            "reference": "OMS-EBAY-1",
            "lines": [{"line_id": teapot, "amount": "30.00"}],
            "reason": "one lid cracked",
        },
    )
    refunded = await ebay.decided(returned["id"], decision, "refunded")
    assert Decimal(refunded["refund_amount"]) == Decimal("30.00")

    held = await ebay.control("GET", "/_sandbox/returns")
    (shown,) = [r for r in held["returns"] if r["summary"]["returnId"] == seeded.return_external_id]
    assert shown["summary"]["state"] == "CLOSED"
    assert shown["summary"]["sellerTotalRefund"]["actualRefundAmount"]["value"] == "30.00"
    at_ebay = await ebay.control("GET", f"/_sandbox/orders/{seeded.order_external_id}")
    assert len(at_ebay["refunds"]) == 1
    calls = (await ebay.control("GET", "/_sandbox/stats"))["calls"]
    assert calls["issueReturnRefund"] == {"200": 1}


# -- A return before its order --------------------------------------------------------------


async def test_a_return_whose_order_was_not_imported_is_stored_once_the_order_is(
    walmart: Hub,
) -> None:
    """Returns imported before any order import: the return is not stored half-way, its
    order is fetched by the next order import, and a later returns run stores it once."""
    seeded = await walmart_return(walmart, reason="INCORRECT_ITEM")
    await walmart.control("POST", "/_sandbox/clock", {"advance_seconds": PAST_THE_SETTLE_LAG})

    # The first run may still read up to the marketplace time it knew before the clock
    # moved; the run that sees the return counts it as failed: it waits for its order.
    async def waiting() -> dict[str, Any] | None:
        run = await walmart.run("returns")
        return run if run["orders_failed"] else None

    run = await wait_for(waiting, "a returns run that waits for the order")
    assert run["orders_failed"] == 1 and run["orders_created"] == 0
    assert await walmart.returns() == []

    # That run put the order on the order import's list and made an order import due now:
    # the runner fetches the order without anyone asking for it.
    order = await walmart.order(seeded.order_external_id)
    assert [line["external_line_id"] for line in order["lines"]] == ["1", "2"]
    assert await walmart.returns() == []

    # By itself the returns feed reads that window again a minute later; an operator who
    # does not want to wait triggers the returns import, as the test does.
    stored = await walmart.run("returns")
    assert (stored["orders_created"], stored["orders_failed"]) == (1, 0)
    (listed,) = await walmart.returns()
    assert listed["external_id"] == seeded.return_external_id
    assert listed["order_id"] == order["id"]
    assert listed["reason"] == "INCORRECT_ITEM"
    detail = await walmart.the_return(listed["id"])
    assert [(line["order_line_id"], line["sku"], line["quantity"]) for line in detail["lines"]] == (
        seeded.lines
    )

    async def exported() -> bool:
        return (await walmart.the_return(listed["id"]))["export_status"] == "exported"

    await wait_for(exported, "the return's export")
    (document,) = await walmart.at_oms(seeded.return_external_id)
    assert document["external_order_id"] == seeded.order_external_id
    await walmart.run("returns")
    assert len(await walmart.returns()) == 1
    assert len(await walmart.at_oms(seeded.return_external_id)) == 1
