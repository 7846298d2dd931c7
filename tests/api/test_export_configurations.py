"""``/api/v1/export-configurations``: create, read, change, remove, run, list what they
exported and retry a failed export — behind a token, with errors that name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from orderbridge.services.connections import create_export_target
from orderbridge.services.context import ServiceContext
from orderbridge.work.drain import drain_outbox
from tests.api.orders_data import T0, snapshot, store_orders

BASE = "/api/v1/export-configurations"


@pytest.fixture
async def folder(ctx: ServiceContext, connection_id: int, tmp_path: Path) -> Path:
    """The file target "files" writing into tmp_path/out, beside connection "de"."""
    out = tmp_path / "out"
    out.mkdir()
    await create_export_target(
        ctx, name="files", kind="file", settings={"folder": str(out)}, secret=None
    )
    return out


def body(**values: Any) -> dict[str, Any]:
    return {"name": "big-orders", "target": "files", "interval_seconds": 600, **values}


async def create(client: httpx.AsyncClient, **values: Any) -> dict[str, Any]:
    response = await client.post(BASE, json=body(**values))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_every_route_needs_a_token(anonymous: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", BASE),
        ("POST", BASE),
        ("GET", f"{BASE}/x"),
        ("PATCH", f"{BASE}/x"),
        ("DELETE", f"{BASE}/x"),
        ("POST", f"{BASE}/x/run"),
        ("GET", f"{BASE}/x/exports"),
        ("POST", f"{BASE}/x/exports/1/retry"),
    ):
        response = await anonymous.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "unauthorized"


async def test_create_show_and_list(client: httpx.AsyncClient, folder: Path) -> None:
    created = await create(
        client,
        description="Orders over 50 euros, for the warehouse",
        conditions={
            "connections": ["de"],
            "shipping_countries": ["de", "at"],
            "amount_min": "50.00",
            "amount_max": 500,
            "sku_pattern": "ACME-*",
            "fulfillment_channel": "MFN",
            "marketplace_statuses": ["Unshipped"],
        },
    )
    assert created["type"] == "file" and created["target"] == "files"
    assert created["conditions"] == {
        "connections": ["de"],
        "marketplace_statuses": ["Unshipped"],
        "shipping_countries": ["DE", "AT"],
        "amount_min": "50.00",
        "amount_max": "500",
        "sku_pattern": "ACME-*",
        "fulfillment_channel": ["MERCHANT"],
    }
    assert (created["update_status"], created["enabled"]) == (True, True)
    assert (created["interval_seconds"], created["cron"]) == (600, None)
    assert created["next_run_at"] is not None and created["last_run_at"] is None
    assert created["running"] is False and created["exports"] == {}

    shown = (await client.get(f"{BASE}/big-orders")).json()
    assert shown == created
    listed = (await client.get(BASE)).json()["items"]
    assert [item["name"] for item in listed] == ["big-orders"]

    again = await client.post(BASE, json=body())
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "name"


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"conditions": {"shipping_countries": ["XX"]}}, "conditions.shipping_countries", "XX"),
        ({"conditions": {"shipping_countries": ["UK"]}}, "conditions.shipping_countries", "GB"),
        ({"conditions": {"shipping_countries": []}}, "conditions.shipping_countries", "at least"),
        (
            {"conditions": {"amount_min": "80", "amount_max": "20"}},
            "conditions.amount_min",
            "above amount_max",
        ),
        ({"conditions": {"amount_min": "-1"}}, "conditions.amount_min", "negative"),
        ({"conditions": {"amount_min": "1.00001"}}, "conditions.amount_min", "decimal places"),
        ({"conditions": {"amount_min": "lots"}}, "conditions.amount_min", "decimal"),
        ({"conditions": {"connections": ["nope"]}}, "conditions.connections", "nope"),
        (
            {"conditions": {"fulfillment_channel": "drone"}},
            "conditions.fulfillment_channel",
            "seller",
        ),
        ({"conditions": {"sku_pattern": "[AB]*"}}, "conditions.sku_pattern", "wildcards"),
        ({"conditions": {"currency": "euro"}}, "conditions.currency", "ISO 4217"),
        ({"conditions": {"country": ["DE"]}}, "conditions.country", "extra"),
        ({"target": "nowhere"}, "target", "does not exist"),
        ({"cron": "*/5 * * * *"}, "cron", "either"),
        ({"interval_seconds": None}, "interval_seconds", "either"),
        ({"interval_seconds": None, "cron": "every hour"}, "cron", "five-field"),
        ({"interval_seconds": 5}, "interval_seconds", "greater than or equal"),
        ({"name": "big orders"}, "name", "pattern"),
        ({"update_status": "maybe"}, "update_status", "boolean"),
    ],
)
async def test_validation_names_the_field(
    client: httpx.AsyncClient, folder: Path, values: dict[str, Any], field: str, words: str
) -> None:
    response = await client.post(BASE, json=body(**values))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert words.lower() in error["message"].lower()
    assert (await client.get(BASE)).json()["items"] == []


async def test_unknown_configurations_are_404(
    client: httpx.AsyncClient, folder: Path, ctx: ServiceContext, connection_id: int
) -> None:
    for method, path, payload in (
        ("GET", f"{BASE}/ghost", None),
        ("PATCH", f"{BASE}/ghost", {"enabled": False}),
        ("DELETE", f"{BASE}/ghost", None),
        ("POST", f"{BASE}/ghost/run", None),
        ("GET", f"{BASE}/ghost/exports", None),
        ("POST", f"{BASE}/ghost/exports/1/retry", None),
    ):
        response = await client.request(method, path, json=payload)
        assert response.status_code == 404, (method, path)
        assert "ghost" in response.json()["error"]["message"]
    await create(client)
    ids = await store_orders(ctx, connection_id, [snapshot("never-exported", T0)])
    response = await client.post(f"{BASE}/big-orders/exports/{ids['never-exported']}/retry")
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "order_id"


async def test_change_only_what_is_sent(client: httpx.AsyncClient, folder: Path) -> None:
    await create(client, description="first", conditions={"amount_min": "50"})
    response = await client.patch(
        f"{BASE}/big-orders",
        json={"cron": "0 6 * * *", "conditions": {"shipping_countries": ["FR"]}, "enabled": False},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["cron"], changed["interval_seconds"]) == ("0 6 * * *", None)
    assert changed["conditions"] == {"shipping_countries": ["FR"]}  # replaced as a whole
    assert changed["enabled"] is False and changed["description"] == "first"
    cleared = (await client.patch(f"{BASE}/big-orders", json={"description": None})).json()
    assert cleared["description"] is None

    for payload, field in (
        ({"update_status": None}, "update_status"),
        ({"conditions": {"amount_max": "x"}}, "conditions.amount_max"),
        ({"target": "nowhere"}, "target"),
        ({"cron": "61 * * * *"}, "cron"),
        ({"name": "renamed"}, "name"),
    ):
        refused = await client.patch(f"{BASE}/big-orders", json=payload)
        assert refused.status_code == 422, payload
        assert refused.json()["error"]["field"] == field

    entries = (await client.get("/api/v1/audit-log", params={"subject_name": "big-orders"})).json()[
        "items"
    ]
    assert [(entry["action"], entry["actor"]) for entry in entries] == [
        ("update", "api:tests"),
        ("update", "api:tests"),
        ("create", "api:tests"),
    ]


async def test_run_list_exports_and_remove(
    client: httpx.AsyncClient, ctx: ServiceContext, connection_id: int, folder: Path
) -> None:
    ids = await store_orders(ctx, connection_id, [snapshot(f"303-{n}", T0) for n in range(3)])
    await create(client, update_status=False)
    ran = await client.post(f"{BASE}/big-orders/run")
    assert ran.status_code == 200, ran.text
    summary = ran.json()
    assert (summary["matched"], summary["scheduled"], summary["skipped"]) == (3, 0 + 3, {})
    assert (summary["trigger"], summary["error"]) == ("manual", None)
    again = (await client.post(f"{BASE}/big-orders/run", json={"retry_failed": True})).json()
    assert again["skipped"] == {"already_scheduled": 3}

    refused = await client.delete(f"{BASE}/big-orders")
    assert refused.status_code == 409
    assert "3 export(s) waiting" in refused.json()["error"]["message"]

    first = (await client.get(f"{BASE}/big-orders/exports", params={"limit": 2})).json()
    rest = (
        await client.get(
            f"{BASE}/big-orders/exports", params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert rest["next_cursor"] is None
    listed = first["items"] + rest["items"]
    assert sorted(item["order_id"] for item in listed) == sorted(ids.values())
    assert {item["status"] for item in listed} == {"scheduled"}
    assert {item["target"] for item in listed} == {"files"}

    await drain_outbox(ctx, owner="tests", batch=10, concurrency=2)
    exported = (
        await client.get(f"{BASE}/big-orders/exports", params={"status": "exported"})
    ).json()
    assert len(exported["items"]) == 3
    failed = (
        await client.get(f"{BASE}/big-orders/exports", params={"status": "export_failed"})
    ).json()
    assert failed["items"] == []
    bad_status = await client.get(f"{BASE}/big-orders/exports", params={"status": "sent"})
    assert bad_status.status_code == 422 and bad_status.json()["error"]["field"] == "status"
    bad_cursor = await client.get(f"{BASE}/big-orders/exports", params={"cursor": "nope"})
    assert bad_cursor.status_code == 422 and bad_cursor.json()["error"]["field"] == "cursor"

    detail = (await client.get(f"/api/v1/orders/{ids['303-0']}")).json()
    (mine,) = detail["configuration_exports"]
    assert (mine["configuration"], mine["target"], mine["status"]) == (
        "big-orders",
        "files",
        "exported",
    )
    assert detail["export_status"] == "not_exported"  # update_status was off
    shown = (await client.get(f"{BASE}/big-orders")).json()
    assert shown["exports"] == {"exported": 3}
    assert shown["last_run_summary"]["skipped"] == {"already_scheduled": 3}

    removed = await client.delete(f"{BASE}/big-orders")
    assert removed.status_code == 204
    assert (await client.get(f"{BASE}/big-orders")).status_code == 404
    detail = (await client.get(f"/api/v1/orders/{ids['303-0']}")).json()
    assert detail["configuration_exports"] == []


async def test_a_failed_export_is_retried_by_hand(
    client: httpx.AsyncClient, ctx: ServiceContext, connection_id: int, folder: Path
) -> None:
    ids = await store_orders(ctx, connection_id, [snapshot("304-1", T0), snapshot("304-2", T0)])
    order_id = ids["304-1"]
    await create(client)
    folder.rmdir()  # the folder is gone: the export fails for good
    await client.post(f"{BASE}/big-orders/run")
    await drain_outbox(ctx, owner="tests", batch=10, concurrency=1)
    failed = (
        await client.get(f"{BASE}/big-orders/exports", params={"status": "export_failed"})
    ).json()["items"]
    by_order = {item["order_id"]: item for item in failed}
    assert set(by_order) == set(ids.values())
    assert "does not exist" in by_order[order_id]["last_error"]
    order = (await client.get(f"/api/v1/orders/{order_id}")).json()
    assert order["export_status"] == "export_failed"
    (entry,) = order["errors"]
    assert entry["attributes"]["configuration"] == "big-orders"

    folder.mkdir()
    retried = await client.post(f"{BASE}/big-orders/exports/{order_id}/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json() == {
        "configuration": "big-orders",
        "order_id": order_id,
        "message": "export scheduled again",
    }
    await drain_outbox(ctx, owner="tests", batch=10, concurrency=1)
    order = (await client.get(f"/api/v1/orders/{order_id}")).json()
    assert order["export_status"] == "exported"
    assert order["configuration_exports"][0]["status"] == "exported"
    twice = await client.post(f"{BASE}/big-orders/exports/{order_id}/retry")
    assert twice.status_code == 409
    assert "only a failed export" in twice.json()["error"]["message"]

    # The other one from the scheduled exports, as any dead outbox row.
    other = by_order[ids["304-2"]]
    assert other["outbox_id"] is not None
    again = await client.post(f"/api/v1/scheduled-exports/{other['outbox_id']}/retry")
    assert again.status_code == 200, again.text
    await drain_outbox(ctx, owner="tests", batch=10, concurrency=1)
    order = (await client.get(f"/api/v1/orders/{ids['304-2']}")).json()
    assert order["export_status"] == "exported"
    assert order["configuration_exports"][0]["status"] == "exported"


async def test_a_target_an_export_configuration_uses_is_not_removed(
    client: httpx.AsyncClient, folder: Path
) -> None:
    await create(client)
    refused = await client.delete("/api/v1/export-targets/files")
    assert refused.status_code == 409
    assert "export configuration(s) big-orders" in refused.json()["error"]["message"]
    assert (await client.delete(f"{BASE}/big-orders")).status_code == 204
    assert (await client.delete("/api/v1/export-targets/files")).status_code == 204
