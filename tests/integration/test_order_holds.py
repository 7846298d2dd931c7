"""Orders the catalog cannot serve are held with their reasons, and released by a change.

The orders come from the Amazon simulator through a real import run; the catalog and the
SKU mappings are changed through the API, as the OMS would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from orderbridge.sandbox.amazon import AmazonSimulatorSettings
from orderbridge.sandbox.amazon import create_app as amazon_app
from orderbridge.sandbox.amazon.catalogue import CATALOGUE
from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    create_export_target,
)
from orderbridge.services.context import ServiceContext
from orderbridge.services.importing import import_orders
from orderbridge.services.status_sources.sources import create_source, run_source
from orderbridge.services.tokens import create_token
from orderbridge.store.fulfilment_tables import catalog_products
from orderbridge.store.tables import orders, outbox
from orderbridge.web.app import create_app
from tests.support.servers import serving

MARKETPLACE = "A1PA6795UKMFR9"
MUG, PLATE, LAMP, VASE = (item.sku for item in CATALOGUE[:4])


@dataclass
class World:
    ctx: ServiceContext
    api: httpx.AsyncClient
    amazon: httpx.AsyncClient

    async def order_at_amazon(self, sku: str, quantity: int) -> str:
        created = await self.amazon.post(
            "/_sandbox/orders",
            json={
                "order": {
                    "salesChannel": {"marketplaceId": MARKETPLACE},
                    "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
                    "orderItems": [{"quantityOrdered": quantity, "product": {"sellerSku": sku}}],
                }
            },
        )
        assert created.status_code == 201, created.text
        order_id: str = created.json()["orderIds"][0]
        return order_id

    async def import_all(self) -> None:
        await self.amazon.post("/_sandbox/clock", json={"advance_seconds": 600})
        summary = await import_orders(self.ctx, "amazon-de", trigger="manual", owner="test")
        assert summary.status == "succeeded", summary.error

    async def order(self, external_id: str) -> dict[str, Any]:
        async with self.ctx.db.read() as conn:
            row = (
                (await conn.execute(select(orders).where(orders.c.external_id == external_id)))
                .mappings()
                .one()
            )
            queued = (
                (await conn.execute(select(outbox.c.kind).where(outbox.c.order_id == row["id"])))
                .scalars()
                .all()
            )
        return {**dict(row), "outbox": list(queued)}

    async def stock(self, sku: str) -> int | None:
        async with self.ctx.db.read() as conn:
            value = (
                await conn.execute(
                    select(catalog_products.c.stock).where(catalog_products.c.sku == sku)
                )
            ).scalar_one()
        return int(value) if value is not None else None


@pytest.fixture
def simulator() -> Iterator[str]:
    settings = AmazonSimulatorSettings(
        seed=4, speed_factor=0, marketplace_ids=(MARKETPLACE,), initial_orders_per_marketplace=0
    )
    with serving(amazon_app(settings)) as url:
        yield url


@pytest.fixture
async def world(ctx: ServiceContext, simulator: str, tmp_path: Path) -> AsyncIterator[World]:
    sim = AmazonSimulatorSettings()
    await create_export_target(
        ctx, name="files", kind="file", settings={"folder": str(tmp_path)}, secret=None
    )
    await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials={
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
                "refresh_token": sim.refresh_token,
            },
            options={
                "marketplace_ids": [MARKETPLACE],
                "base_url": simulator,
                "token_url": f"{simulator}/auth/o2/token",
                "rate_limit_scale": 10_000,
            },
            export_target="files",
            check_catalog=True,
        ),
    )
    token = await create_token(ctx, "holds")
    app = create_app(ctx, run_embedded_runner=False)
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://orderbridge.test",
            headers={"Authorization": f"Bearer {token}"},
        ) as api,
        httpx.AsyncClient(base_url=simulator) as amazon,
    ):
        yield World(ctx, api, amazon)


async def _catalog(world: World, csv: str) -> dict[str, Any]:
    response = await world.api.post(
        "/api/v1/catalog/upload", content=csv.encode(), headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_held_for_each_reason_and_released_by_catalog_and_mapping(world: World) -> None:
    await _catalog(world, f"sku,enabled,stock\n{MUG},true,5\n{PLATE},yes,1\n{VASE},false,9\n")
    servable = await world.order_at_amazon(MUG, 1)
    short = await world.order_at_amazon(PLATE, 2)
    unknown = await world.order_at_amazon(LAMP, 1)
    disabled = await world.order_at_amazon(VASE, 1)
    await world.import_all()

    ok = await world.order(servable)
    assert ok["import_status"] == "complete" and ok["outbox"] == ["export_order"]
    reasons = {
        external_id: [
            blocker["reason"] for blocker in (await world.order(external_id))["import_blockers"]
        ]
        for external_id in (short, unknown, disabled)
    }
    assert reasons == {
        short: ["out_of_stock"],
        unknown: ["unknown_sku"],
        disabled: ["product_disabled"],
    }
    for external_id in (short, unknown, disabled):
        held = await world.order(external_id)
        assert held["import_status"] == "blocked"
        assert held["export_status"] == "not_exported" and held["outbox"] == []
    assert await world.stock(MUG) == 4  # the created order took its unit

    notices = (await world.api.get("/api/v1/notices")).json()
    assert len(notices) == 1
    assert notices[0]["message"].startswith(
        "3 order(s) from connection amazon-de cannot be created"
    )
    assert f"product {PLATE}: 2 needed, 1 in stock" in notices[0]["message"]

    # More stock arrives from the OMS: the short order is released and exported.
    restocked = await world.api.put(f"/api/v1/catalog/products/{PLATE}", json={"stock": 3})
    assert restocked.json()["released"] == 1
    released = await world.order(short)
    assert released["import_status"] == "complete" and released["import_blockers"] is None
    assert released["outbox"] == ["export_order"]
    assert await world.stock(PLATE) == 1

    # The channel's SKU is the merchant's MUG under another name.
    mapped = await world.api.put(
        f"/api/v1/connections/amazon-de/sku-mappings/{LAMP}", json={"merchant_sku": MUG}
    )
    assert mapped.status_code == 200, mapped.text
    assert mapped.json()["released"] == 1
    assert (await world.order(unknown))["import_status"] == "complete"
    assert await world.stock(MUG) == 3

    # Still held: the disabled product; the next sync checks it again.
    await _catalog(world, f"sku,enabled,stock\n{VASE},true,\n")
    assert (await world.order(disabled))["import_status"] == "complete"
    assert (await world.api.get("/api/v1/notices")).json() == []


async def test_the_last_unit_goes_to_one_order_only(world: World) -> None:
    await _catalog(world, f"sku,enabled,stock\n{MUG},true,1\n")
    first = await world.order_at_amazon(MUG, 1)
    second = await world.order_at_amazon(MUG, 1)
    await world.import_all()
    statuses = sorted(
        [(await world.order(first))["import_status"], (await world.order(second))["import_status"]]
    )
    assert statuses == ["blocked", "complete"]
    assert await world.stock(MUG) == 0


async def test_a_bad_catalog_row_is_named_and_the_rest_is_taken(world: World) -> None:
    body = await _catalog(world, f"sku,enabled,stock\n{MUG},true,2\n{PLATE},maybe,1\n,true,1\n")
    assert body["products"] == 1
    assert body["errors"] == [
        "line 3: enabled must be true or false, got 'maybe'",
        "line 4: sku is empty or longer than 200 characters",
    ]


async def test_turning_the_checks_off_releases_every_held_order(world: World) -> None:
    held = await world.order_at_amazon(LAMP, 1)
    await world.import_all()
    assert (await world.order(held))["import_status"] == "blocked"
    changed = await world.api.patch("/api/v1/connections/amazon-de", json={"check_catalog": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["check_catalog"] is False
    released = await world.order(held)
    assert released["import_status"] == "complete" and released["outbox"] == ["export_order"]


def _oms_catalog(body: str, *, token: str) -> Starlette:
    """A stand-in OMS serving its catalog as CSV behind a bearer token."""

    async def products(request: Request) -> PlainTextResponse:
        if request.headers.get("authorization") != f"Bearer {token}":
            return PlainTextResponse("unauthorised", status_code=401)
        return PlainTextResponse(body, media_type="text/csv")

    return Starlette(routes=[Route("/catalog.csv", products)])


async def test_a_catalog_polled_from_the_oms_releases_held_orders(world: World) -> None:
    held = await world.order_at_amazon(LAMP, 2)
    await world.import_all()
    assert (await world.order(held))["import_status"] == "blocked"
    app = _oms_catalog(f"sku,enabled,stock\n{LAMP},true,7\nbroken,perhaps,1\n", token="s3cret")
    with serving(app) as oms:
        await create_source(
            world.ctx,
            name="oms-catalog",
            kind="catalog",
            settings={"url": f"{oms}/catalog.csv"},
            secret="s3cret",
        )
        result = await run_source(world.ctx, "oms-catalog", owner="test")
        await create_source(
            world.ctx,
            name="oms-catalog-wrong-token",
            kind="catalog",
            settings={"url": f"{oms}/catalog.csv"},
            secret="wrong",
        )
        refused = await run_source(world.ctx, "oms-catalog-wrong-token", owner="test")
    assert result.error is None
    assert [row.ok for row in result.rows] == [False, True]
    assert "line 3: enabled must be true or false" in result.rows[0].message
    assert result.rows[1].message == "1 product(s) stored, 1 held order(s) released"
    assert (await world.order(held))["import_status"] == "complete"
    assert await world.stock(LAMP) == 5
    assert refused.error is not None and "HTTP 401" in refused.error
    assert "s3cret" not in refused.error and "wrong" not in refused.error


async def test_a_visible_only_connection_shows_orders_and_never_exports_them(
    world: World,
) -> None:
    changed = await world.api.patch("/api/v1/connections/amazon-de", json={"visible_only": True})
    assert changed.status_code == 200 and changed.json()["visible_only"] is True
    external_id = await world.order_at_amazon(LAMP, 1)  # unknown SKU: not held either
    await world.import_all()
    order = await world.order(external_id)
    assert order["import_status"] == "complete" and order["outbox"] == []
    listed = (await world.api.get("/api/v1/orders", params={"q": external_id})).json()
    assert listed["items"][0]["visible_only"] is True
    export = await world.api.post("/api/v1/exports", json={"order_ids": [order["id"]]})
    (decision,) = export.json()["results"]
    assert decision["scheduled"] is False and "visible-only" in decision["message"]
    shipped = await world.api.post(
        f"/api/v1/orders/{order['id']}/shipments", json={"tracking_number": "1Z999AA10123456784"}
    )
    assert shipped.status_code == 422
    assert "seller portal" in shipped.json()["error"]["message"]


async def test_going_visible_only_releases_held_orders_without_exporting_them(
    world: World,
) -> None:
    held = await world.order_at_amazon(LAMP, 1)
    await world.import_all()
    assert (await world.order(held))["import_status"] == "blocked"
    changed = await world.api.patch("/api/v1/connections/amazon-de", json={"visible_only": True})
    assert changed.status_code == 200, changed.text
    released = await world.order(held)
    assert released["import_status"] == "complete" and released["outbox"] == []
