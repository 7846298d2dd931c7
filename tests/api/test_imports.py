"""Triggering imports on demand, and the history of import runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.context import ServiceContext
from orderbridge.store.tables import import_feeds, import_runs
from tests.api.orders_data import AMAZON_CREDENTIALS, AMAZON_OPTIONS, T0


@pytest.fixture
async def three_connections(ctx: ServiceContext) -> dict[str, int]:
    """ "de" and "fr" with import enabled, "it" disabled; none of them due before tomorrow."""
    ids = {}
    for name in ("de", "fr", "it"):
        spec = ConnectionSpec(
            name=name,
            channel="amazon",
            credentials=AMAZON_CREDENTIALS,
            options=AMAZON_OPTIONS,
            import_enabled=name != "it",
        )
        ids[name] = await create_connection(ctx, spec)
    async with ctx.db.write() as conn:
        await conn.execute(
            update(import_feeds).values(next_poll_at=ctx.clock() + timedelta(days=1))
        )
    return ids


async def is_due(client: httpx.AsyncClient, name: str) -> bool:
    body = (await client.get(f"/api/v1/connections/{name}")).json()
    return datetime.fromisoformat(body["next_poll_at"]) <= datetime.now(UTC)


async def test_trigger_one_connection(
    ctx: ServiceContext, client: httpx.AsyncClient, three_connections: dict[str, int]
) -> None:
    woken: list[bool] = []
    ctx.wake = lambda: woken.append(True)
    response = await client.post("/api/v1/imports", json={"connections": ["de"]})
    assert response.status_code == 202, response.text
    assert response.json() == {"triggered": ["de"], "message": "Order import triggered"}
    assert woken
    assert await is_due(client, "de")
    assert not await is_due(client, "fr")


async def test_trigger_all_enabled_connections(
    client: httpx.AsyncClient, three_connections: dict[str, int]
) -> None:
    response = await client.post("/api/v1/imports", json={"all": True})
    assert response.status_code == 202
    assert sorted(response.json()["triggered"]) == ["de", "fr"]
    assert await is_due(client, "fr")
    assert not await is_due(client, "it")


async def test_trigger_all_without_connections(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/imports", json={"all": True})
    assert response.status_code == 202
    assert response.json()["triggered"] == []


async def test_unknown_or_disabled_connection_is_refused(
    client: httpx.AsyncClient, three_connections: dict[str, int]
) -> None:
    response = await client.post("/api/v1/imports", json={"connections": ["de", "nope"]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert "nope" in error["message"]
    assert set(error) == {"code", "message", "field", "details"}
    assert not await is_due(client, "de")  # nothing is triggered when one name is wrong

    response = await client.post("/api/v1/imports", json={"connections": ["it"]})
    assert response.status_code == 422
    assert "disabled" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [{}, {"all": False}, {"all": True, "connections": ["de"]}, {"connections": []}, {"x": 1}],
)
async def test_trigger_body_needs_one_choice(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    response = await client.post("/api/v1/imports", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_import_runs_newest_first(
    ctx: ServiceContext, client: httpx.AsyncClient, three_connections: dict[str, int]
) -> None:
    runs = [
        ("de", "schedule", "succeeded", T0, None),
        ("fr", "manual", "failed", T0 + timedelta(minutes=1), "HTTP 503 after 4 attempts"),
        ("de", "schedule", "running", T0 + timedelta(minutes=2), None),
    ]
    async with ctx.db.write() as conn:
        for name, trigger, status, started, error in runs:
            await conn.execute(
                import_runs.insert().values(
                    connection_id=three_connections[name],
                    feed="orders",
                    trigger=trigger,
                    status=status,
                    started_at=started,
                    pages=1,
                    orders_seen=3,
                    orders_created=2,
                    orders_updated=1,
                    orders_unchanged=0,
                    orders_failed=0,
                    error=error,
                )
            )
    everything = (await client.get("/api/v1/imports")).json()["items"]
    assert [(run["connection"], run["status"]) for run in everything] == [
        ("de", "running"),
        ("fr", "failed"),
        ("de", "succeeded"),
    ]
    assert everything[1]["error"] == "HTTP 503 after 4 attempts"
    assert everything[2]["orders_created"] == 2
    only_de = (await client.get("/api/v1/imports", params={"connection": "de"})).json()
    assert [run["status"] for run in only_de["items"]] == ["running", "succeeded"]
    one = (await client.get("/api/v1/imports", params={"limit": 1})).json()
    assert len(one["items"]) == 1
    unknown = await client.get("/api/v1/imports", params={"connection": "nope"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "connection"
