"""The order list (filters, keyset pages) and one order in full."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from orderbridge.domain.states import OrderStatus
from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.queries import list_orders
from orderbridge.store.error_log import record_error
from tests.api.orders_data import (
    AMAZON_CREDENTIALS,
    AMAZON_OPTIONS,
    T0,
    set_order,
    snapshot,
    store_orders,
)

HOUR = timedelta(hours=1)


@pytest.fixture
async def seven_orders(ctx: ServiceContext, connection_id: int) -> dict[str, int]:
    """Seven orders of "de", four of them sharing two purchase times."""
    return await store_orders(
        ctx,
        connection_id,
        [
            snapshot("302-0000001", T0 + 3 * HOUR, buyer="Anna Schmidt", sku="MUG-RED"),
            snapshot("302-0000002", T0 + 2 * HOUR),
            snapshot("302-0000003", T0 + 2 * HOUR),
            snapshot("302-0000004", T0 + 2 * HOUR),
            snapshot("305-0000005", T0 + HOUR),
            snapshot("305-0000006", T0 + HOUR, status=OrderStatus.SHIPPED),
            snapshot("305-0000007", T0, buyer="Jürgen Müller_100%"),
        ],
    )


async def other_connection(ctx: ServiceContext) -> int:
    spec = ConnectionSpec(
        name="fr", channel="amazon", credentials=AMAZON_CREDENTIALS, options=AMAZON_OPTIONS
    )
    connection_id = await create_connection(ctx, spec)
    await store_orders(ctx, connection_id, [snapshot("999-0000001", T0 + 10 * HOUR)])
    return connection_id


async def external_ids(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/api/v1/orders", params=params)
    assert response.status_code == 200, response.text
    return [item["external_id"] for item in response.json()["items"]]


async def test_keyset_pages_have_no_gaps_and_no_repeats(
    client: httpx.AsyncClient, seven_orders: dict[str, int]
) -> None:
    everything = (await client.get("/api/v1/orders")).json()
    assert everything["next_cursor"] is None
    expected = [item["id"] for item in everything["items"]]
    keys = [(item["purchased_at"], item["id"]) for item in everything["items"]]
    assert keys == sorted(keys, reverse=True)
    assert len(expected) == 7

    pages: list[list[int]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/orders", params=params)).json()
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [order_id for page in pages for order_id in page] == expected


async def test_a_new_order_does_not_shift_the_next_page(
    ctx: ServiceContext,
    client: httpx.AsyncClient,
    connection_id: int,
    seven_orders: dict[str, int],
) -> None:
    before = await external_ids(client)
    first = (await client.get("/api/v1/orders", params={"limit": 3})).json()
    # An offset would now repeat the third order on page two; a cursor does not.
    await store_orders(ctx, connection_id, [snapshot("302-0000008", T0 + 5 * HOUR)])
    second = (
        await client.get("/api/v1/orders", params={"limit": 3, "cursor": first["next_cursor"]})
    ).json()
    assert [item["external_id"] for item in second["items"]] == before[3:6]


async def test_summary_fields(client: httpx.AsyncClient, seven_orders: dict[str, int]) -> None:
    (item,) = (await client.get("/api/v1/orders", params={"q": "302-0000001"})).json()["items"]
    assert item["connection"] == "de"
    assert item["channel"] == "amazon"
    assert item["status"] == "unshipped"
    assert item["import_status"] == "complete"
    assert item["export_status"] == "not_exported"
    assert item["currency"] == "EUR"
    # 2 x (19.99 + 3.80 + 4.50 + 0) - 0.005, exactly, as a string
    assert item["total"] == "28.285"
    assert item["buyer_name"] == "Anna Schmidt"
    assert item["purchased_at"].startswith("2024-05-01T15:00:00")


async def test_filters(
    ctx: ServiceContext, client: httpx.AsyncClient, seven_orders: dict[str, int]
) -> None:
    await other_connection(ctx)
    assert len(await external_ids(client)) == 8
    assert await external_ids(client, connection="fr") == ["999-0000001"]
    assert len(await external_ids(client, connection="de")) == 7

    assert await external_ids(client, status="shipped") == ["305-0000006"]
    assert len(await external_ids(client, status=["shipped", "unshipped"])) == 8

    await set_order(ctx, seven_orders["302-0000002"], export_status="exported")
    await set_order(ctx, seven_orders["302-0000003"], import_status="blocked")
    assert await external_ids(client, export_status="exported") == ["302-0000002"]
    assert await external_ids(client, import_status="blocked") == ["302-0000003"]
    assert len(await external_ids(client, export_status="not_exported", connection="de")) == 6

    window = {"purchased_from": (T0 + HOUR).isoformat(), "purchased_to": (T0 + 3 * HOUR)}
    assert await external_ids(client, **window) == [
        "302-0000004",
        "302-0000003",
        "302-0000002",
        "305-0000006",
        "305-0000005",
    ]
    # A time without an offset is UTC.
    assert await external_ids(client, purchased_to="2024-05-01T13:00:00") == ["305-0000007"]


async def test_search(client: httpx.AsyncClient, seven_orders: dict[str, int]) -> None:
    assert await external_ids(client, q="302-0000004") == ["302-0000004"]
    assert await external_ids(client, q="305-") == ["305-0000006", "305-0000005", "305-0000007"]
    assert await external_ids(client, q="anna schm") == ["302-0000001"]
    assert await external_ids(client, q="MUG-RED") == ["302-0000001"]
    assert await external_ids(client, q="MUG") == []  # SKUs match exactly
    # LIKE wildcards in the text are plain characters.
    assert await external_ids(client, q="_100%") == ["305-0000007"]
    assert await external_ids(client, q="%a") == []
    assert await external_ids(client, q="müller") == ["305-0000007"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyJ4IiwxXQ"}, "cursor"),  # base64 of ["x",1]
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"status": "lost"}, "status"),
        ({"connection": "nope"}, "connection"),
        ({"purchased_from": "yesterday"}, "purchased_from"),
    ],
)
async def test_bad_parameters_name_the_field(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await client.get("/api/v1/orders", params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert error["code"] in {"validation_error", "invalid_input"}


async def test_service_checks_its_own_input(ctx: ServiceContext) -> None:
    with pytest.raises(InvalidInput) as refused:
        await list_orders(ctx, export_status=["sent"])
    assert refused.value.field == "export_status"
    with pytest.raises(InvalidInput) as refused:
        await list_orders(ctx, limit=1000)
    assert refused.value.field == "limit"


async def test_detail_has_lines_events_exports_errors_and_raw(
    ctx: ServiceContext, client: httpx.AsyncClient, connection_id: int
) -> None:
    ids = await store_orders(ctx, connection_id, [snapshot("302-1", T0, lines=2)])
    order_id = ids["302-1"]
    async with ctx.db.write() as conn:
        await record_error(
            conn,
            title="Export of order failed: HTTP 500",
            operation="export",
            at=T0 + HOUR,
            connection_id=connection_id,
            order_id=order_id,
        )
        await record_error(
            conn,
            title="Order 302-1 could not be imported: no SKU",
            operation="import",
            at=T0 - HOUR,
            connection_id=connection_id,
            external_order_id="302-1",
        )
        await record_error(conn, title="someone else's", operation="import", at=T0)
    # A later import changes the order: one more event, after the first.
    later = snapshot("302-1", T0, lines=2, status=OrderStatus.SHIPPED, last_updated_at=T0 + HOUR)
    await store_orders(ctx, connection_id, [later])

    response = await client.get(f"/api/v1/orders/{order_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == order_id
    assert body["external_id"] == "302-1"
    assert body["status"] == "shipped"
    assert body["buyer"]["name"] == "Erika Mustermann"
    assert body["shipping_address"]["city"] == "Berlin"
    assert body["raw"] == {"AmazonOrderId": "302-1", "OrderStatus": "Unshipped"}
    assert [line["sku"] for line in body["lines"]] == ["SKU-1", "SKU-1-2"]
    line = body["lines"][0]
    assert line["currency"] == "EUR"
    assert (line["item_price"], line["shipping_price"], line["shipping_tax"]) == (
        "19.99",
        "4.50",
        "0.00",
    )
    assert line["discount"] == "0.005"
    assert [event["kind"] for event in body["events"]] == ["imported", "status_changed"]
    assert body["events"][1]["data"] == {"from": "unshipped", "to": "shipped"}
    assert body["events"][0]["actor"] == "import:tests"
    assert [error["title"] for error in body["errors"]] == [
        "Order 302-1 could not be imported: no SKU",
        "Export of order failed: HTTP 500",
    ]
    assert body["exports"] == []


async def test_unknown_order_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/orders/424242")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "order 424242 does not exist",
        "field": None,
        "details": None,
    }
    assert (await client.get("/api/v1/orders/abc")).json()["error"]["field"] == "order_id"
