"""Manual exports answer per order; the outbox shows as scheduled exports and in /metrics."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from orderbridge.services.connections import create_export_target, update_connection
from orderbridge.services.context import ServiceContext
from orderbridge.work.drain import drain_outbox
from tests.api.orders_data import T0, set_order, snapshot, store_orders


@pytest.fixture
async def orders(ctx: ServiceContext, connection_id: int, tmp_path: Path) -> dict[str, int]:
    """Four orders of "de", whose export target writes files into tmp_path."""
    (tmp_path / "oms").mkdir()
    await create_export_target(
        ctx, name="files", kind="file", settings={"folder": str(tmp_path / "oms")}, secret=None
    )
    await update_connection(ctx, connection_id, {"export_target": "files"})
    return await store_orders(ctx, connection_id, [snapshot(f"302-{n}", T0) for n in range(4)])


async def export(client: httpx.AsyncClient, order_ids: list[int]) -> list[dict[str, object]]:
    response = await client.post("/api/v1/exports", json={"order_ids": order_ids})
    assert response.status_code == 200, response.text
    results: list[dict[str, object]] = response.json()["results"]
    return results


async def test_each_order_gets_its_own_answer(
    ctx: ServiceContext, client: httpx.AsyncClient, orders: dict[str, int]
) -> None:
    await set_order(ctx, orders["302-1"], import_status="blocked")
    await set_order(ctx, orders["302-2"], export_status="exported")
    chosen = [orders["302-0"], orders["302-1"], orders["302-2"], 999_999]
    assert await export(client, chosen) == [
        {"order_id": orders["302-0"], "scheduled": True, "message": "export scheduled"},
        {"order_id": orders["302-1"], "scheduled": False, "message": "not fully imported"},
        {"order_id": orders["302-2"], "scheduled": False, "message": "already exported"},
        {"order_id": 999_999, "scheduled": False, "message": "order does not exist"},
    ]
    again = await export(client, [orders["302-0"]])
    assert again == [
        {
            "order_id": orders["302-0"],
            "scheduled": False,
            "message": "already scheduled for export",
        }
    ]
    detail = (await client.get(f"/api/v1/orders/{orders['302-0']}")).json()
    assert detail["export_status"] == "scheduled"
    assert detail["events"][-1]["kind"] == "export_scheduled"
    assert detail["events"][-1]["actor"] == "api:tests"
    assert [row["target"] for row in detail["exports"]] == ["files"]


async def test_a_connection_without_target_says_how_to_set_one(
    ctx: ServiceContext, client: httpx.AsyncClient, connection_id: int
) -> None:
    ids = await store_orders(ctx, connection_id, [snapshot("302-9", T0)])
    (result,) = await export(client, [ids["302-9"]])
    assert result["scheduled"] is False
    assert "no export target" in str(result["message"])


async def test_export_body_is_checked(client: httpx.AsyncClient) -> None:
    for body in ({}, {"order_ids": []}, {"order_ids": ["x"]}):
        response = await client.post("/api/v1/exports", json=body)
        assert response.status_code == 422
        assert response.json()["error"]["field"].startswith("order_ids")


async def test_scheduled_exports_and_delivery(
    ctx: ServiceContext, client: httpx.AsyncClient, orders: dict[str, int], tmp_path: Path
) -> None:
    chosen = [orders["302-0"], orders["302-1"], orders["302-2"]]
    await export(client, chosen)

    first = (await client.get("/api/v1/scheduled-exports", params={"limit": 2})).json()
    second = (
        await client.get(
            "/api/v1/scheduled-exports", params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert second["next_cursor"] is None
    items = first["items"] + second["items"]
    assert [item["order_id"] for item in items] == chosen
    item = items[0]
    assert item["order_external_id"] == "302-0"
    assert item["connection"] == "de"
    assert item["target"] == "files"
    assert item["kind"] == "export_order"
    assert item["status"] == "pending"
    assert (item["attempts"], item["max_attempts"]) == (0, ctx.settings.export_max_attempts)
    assert item["lease_owner"] is None

    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'orderbridge_outbox_depth{status="pending"} 3.0' in metrics.text
    assert "orderbridge_outbox_oldest_pending_seconds" in metrics.text

    await drain_outbox(ctx, owner="tests", batch=10, concurrency=2)
    assert len(list((tmp_path / "oms").iterdir())) == 3
    remaining = (await client.get("/api/v1/scheduled-exports")).json()
    assert remaining == {"items": [], "next_cursor": None}
    done = (await client.get("/api/v1/scheduled-exports", params={"status": "done"})).json()
    assert [row["status"] for row in done["items"]] == ["done"] * 3
    (result,) = await export(client, [orders["302-0"]])
    assert result["message"] == "already exported"

    metrics = await client.get("/metrics")
    assert 'orderbridge_outbox_depth{status="pending"} 0.0' in metrics.text
    assert "orderbridge_outbox_oldest_pending_seconds 0.0" in metrics.text


async def test_scheduled_exports_check_status(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/scheduled-exports", params={"status": "sent"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "status"


async def test_a_failed_export_shows_and_can_be_retried(
    ctx: ServiceContext, client: httpx.AsyncClient, orders: dict[str, int], tmp_path: Path
) -> None:
    (tmp_path / "oms").rmdir()  # the OMS folder is gone: the export fails for good
    order_id = orders["302-0"]
    await export(client, [order_id])
    await drain_outbox(ctx, owner="tests", batch=10, concurrency=1)

    (dead,) = (await client.get("/api/v1/scheduled-exports")).json()["items"]
    assert dead["status"] == "dead"
    assert "does not exist" in dead["last_error"]
    (entry,) = (await client.get("/api/v1/errors", params={"operation": "export"})).json()["items"]
    assert entry["order_id"] == order_id
    assert entry["outbox_id"] == dead["id"]
    assert entry["connection"] == "de"
    detail = (await client.get(f"/api/v1/orders/{order_id}")).json()
    assert detail["export_status"] == "export_failed"
    assert [error["id"] for error in detail["errors"]] == [entry["id"]]

    (tmp_path / "oms").mkdir()
    (result,) = await export(client, [order_id])
    assert result == {"order_id": order_id, "scheduled": True, "message": "export scheduled again"}
    (again,) = (await client.get("/api/v1/scheduled-exports")).json()["items"]
    assert (again["id"], again["status"], again["attempts"]) == (dead["id"], "pending", 0)
    await drain_outbox(ctx, owner="tests", batch=10, concurrency=1)
    assert (await client.get(f"/api/v1/orders/{order_id}")).json()["export_status"] == "exported"
