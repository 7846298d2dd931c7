"""The error log: newest first, filtered, paged; one entry; resolving it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.context import ServiceContext
from orderbridge.store.error_log import WARNING, record_error
from tests.api.orders_data import AMAZON_CREDENTIALS, AMAZON_OPTIONS, T0


@pytest.fixture
async def entries(ctx: ServiceContext, connection_id: int) -> list[int]:
    """Five entries, oldest first; the middle three share one moment."""
    spec = ConnectionSpec(
        name="fr", channel="amazon", credentials=AMAZON_CREDENTIALS, options=AMAZON_OPTIONS
    )
    other = await create_connection(ctx, spec)
    minute = timedelta(minutes=1)
    rows = [
        ("Import from de failed: HTTP 503", "import", connection_id, T0),
        ("Export of order 7 failed: refused", "export", connection_id, T0 + minute),
        ("Order 302-1 could not be imported", "import", connection_id, T0 + minute),
        ("Import from fr failed: bad token", "import", other, T0 + minute),
        ("Export of order 9 failed: timeout", "export", other, T0 + 2 * minute),
    ]
    ids = []
    async with ctx.db.write() as conn:
        for title, operation, connection, at in rows:
            ids.append(
                await record_error(
                    conn,
                    title=title,
                    operation=operation,
                    at=at,
                    connection_id=connection,
                    severity=WARNING if operation == "export" else "error",
                    attributes={"error_class": "transient", "fix": "nothing"},
                )
            )
    return ids


async def titles(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/api/v1/errors", params=params)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_list_is_newest_first_and_pages_through_ties(
    client: httpx.AsyncClient, entries: list[int]
) -> None:
    everything = (await client.get("/api/v1/errors")).json()
    assert [item["id"] for item in everything["items"]] == list(reversed(entries))
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/errors", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(entries))


async def test_filters(client: httpx.AsyncClient, entries: list[int]) -> None:
    assert await titles(client, connection="fr") == [
        "Export of order 9 failed: timeout",
        "Import from fr failed: bad token",
    ]
    assert await titles(client, operation="export") == [
        "Export of order 9 failed: timeout",
        "Export of order 7 failed: refused",
    ]
    assert await titles(client, connection="de", operation="import") == [
        "Order 302-1 could not be imported",
        "Import from de failed: HTTP 503",
    ]
    response = await client.get("/api/v1/errors", params={"connection": "nope"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "connection"


async def test_detail_and_resolve(client: httpx.AsyncClient, entries: list[int]) -> None:
    entry_id = entries[0]
    detail = await client.get(f"/api/v1/errors/{entry_id}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["title"] == "Import from de failed: HTTP 503"
    assert body["connection"] == "de"
    assert body["operation"] == "import"
    assert body["severity"] == "error"
    assert body["attributes"] == {"error_class": "transient", "fix": "nothing"}
    assert body["resolved_at"] is None

    resolved = await client.post(f"/api/v1/errors/{entry_id}/resolve")
    assert resolved.status_code == 200
    resolved_at = resolved.json()["resolved_at"]
    assert resolved_at is not None
    again = await client.post(f"/api/v1/errors/{entry_id}/resolve")
    assert again.json()["resolved_at"] == resolved_at

    unresolved = await titles(client, unresolved="true")
    assert len(unresolved) == 4
    assert "Import from de failed: HTTP 503" not in unresolved
    assert len(await titles(client)) == 5


async def test_unknown_entry_is_404(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/api/v1/errors/4242"),
        await client.post("/api/v1/errors/4242/resolve"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
