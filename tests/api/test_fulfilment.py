"""Shipments, cancellations and refunds reported through the API: checked, recorded, queued.

Delivery to the marketplace is covered end to end in tests/integration; here the runner
is off, so what is asserted is what the API answers and what waits in the outbox.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from orderbridge.services.context import ServiceContext
from orderbridge.services.late_shipments import flag_late_shipments
from orderbridge.store.fulfilment_tables import shipments
from orderbridge.store.tables import error_entries, outbox
from tests.api.orders_data import T0, set_order, snapshot, store_orders

UPS = "1Z999AA10123456784"  # UPS's published example, check digit valid


@pytest.fixture
async def order_id(ctx: ServiceContext, connection_id: int) -> int:
    """An unshipped order with lines L1 (SKU-1) and L2 (SKU-1-2), two units each."""
    stored = await store_orders(ctx, connection_id, [snapshot("302-7", T0, lines=2)])
    return stored["302-7"]


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any], **headers: str) -> Any:
    return await client.post(path, json=body, headers=headers)


async def _order(client: httpx.AsyncClient, order_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/orders/{order_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _outbox(ctx: ServiceContext, kind: str) -> list[Any]:
    async with ctx.db.read() as conn:
        return list(
            (await conn.execute(select(outbox).where(outbox.c.kind == kind))).mappings().all()
        )


async def test_partial_shipment_then_the_rest(
    ctx: ServiceContext, client: httpx.AsyncClient, order_id: int
) -> None:
    first = await _post(
        client,
        f"/api/v1/orders/{order_id}/shipments",
        {"lines": [{"line_id": "L1", "quantity": 1}], "tracking_number": UPS},
    )
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "pending"
    assert first.json()["carrier"] == "ups"
    assert first.json()["carrier_code"] == "UPS"
    assert (await _order(client, order_id))["status"] == "partially_shipped"

    rest = await _post(
        client,
        f"/api/v1/orders/{order_id}/shipments",
        {
            "lines": [{"sku": "SKU-1", "quantity": 1}, {"line_id": "L2", "quantity": 2}],
            "carrier": "DHL Paket",
            "tracking_number": "00340434161094042557",
        },
    )
    assert rest.status_code == 201, rest.text
    order = await _order(client, order_id)
    assert order["status"] == "shipped"
    assert [len(shipment["lines"]) for shipment in order["shipments"]] == [1, 2]
    queued = await _outbox(ctx, "ship")
    assert [row["subject_id"] for row in queued] == [first.json()["id"], rest.json()["id"]]
    assert all(row["lane"] == "marketplace" for row in queued)


async def test_over_shipping_is_refused_with_the_numbers(
    client: httpx.AsyncClient, order_id: int
) -> None:
    response = await _post(
        client,
        f"/api/v1/orders/{order_id}/shipments",
        {"lines": [{"line_id": "L1", "quantity": 3}], "tracking_number": UPS},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "lines[0].quantity"
    assert "over-shipping line L1" in error["message"]
    assert "only 2 left to ship" in error["message"]


async def test_unknown_line_names_the_lines_there_are(
    client: httpx.AsyncClient, order_id: int
) -> None:
    response = await _post(
        client,
        f"/api/v1/orders/{order_id}/shipments",
        {"lines": [{"line_id": "L9", "quantity": 1}], "tracking_number": UPS},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "lines[0].line_id"
    assert "L1, L2" in response.json()["error"]["message"]


async def test_without_tracking_it_waits_then_leaves_when_tracking_arrives(
    ctx: ServiceContext, client: httpx.AsyncClient, order_id: int
) -> None:
    before = datetime.now().astimezone()
    response = await _post(client, f"/api/v1/orders/{order_id}/shipments", {"reference": "P-1"})
    assert response.status_code == 201, response.text
    shipment = response.json()
    assert shipment["status"] == "waiting_for_tracking"
    deadline = datetime.fromisoformat(shipment["tracking_deadline"])
    assert timedelta(hours=2, minutes=59) < deadline - before < timedelta(hours=3, minutes=1)
    (row,) = await _outbox(ctx, "ship")
    assert row["next_attempt_at"] == deadline

    # The OMS reports the same shipment again, now with its tracking number.
    again = await _post(
        client,
        f"/api/v1/orders/{order_id}/shipments",
        {"reference": "P-1", "tracking_number": UPS},
    )
    assert again.status_code == 201, again.text
    assert again.json()["id"] == shipment["id"]
    assert again.json()["status"] == "pending"
    assert again.json()["tracking_number"] == UPS
    (row,) = await _outbox(ctx, "ship")
    assert row["next_attempt_at"] < deadline - timedelta(hours=2)
    async with ctx.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(shipments))).scalar() == 1


async def test_tracking_endpoint_adds_tracking_once(
    client: httpx.AsyncClient, order_id: int
) -> None:
    created = (await _post(client, f"/api/v1/orders/{order_id}/shipments", {})).json()
    path = f"/api/v1/orders/{order_id}/shipments/{created['id']}/tracking"
    added = await _post(client, path, {"tracking_number": UPS})
    assert added.status_code == 200, added.text
    assert added.json()["status"] == "pending"
    other = await _post(client, path, {"tracking_number": "1Z999AA10123456785"})
    assert other.status_code == 409
    assert "already has tracking number" in other.json()["error"]["message"]


async def test_idempotency_key_answers_a_repeat_without_a_second_shipment(
    ctx: ServiceContext, client: httpx.AsyncClient, order_id: int
) -> None:
    body = {"lines": [{"line_id": "L1", "quantity": 1}], "tracking_number": UPS}
    path = f"/api/v1/orders/{order_id}/shipments"
    first = await _post(client, path, body, **{"Idempotency-Key": "k-1"})
    repeat = await _post(client, path, body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    assert repeat.status_code == 200
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert repeat.json()["id"] == first.json()["id"]
    async with ctx.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(shipments))).scalar() == 1
    changed = await _post(
        client,
        path,
        {**body, "tracking_number": "1Z999AA10123456785"},
        **{"Idempotency-Key": "k-1"},
    )
    assert changed.status_code == 409
    assert changed.json()["error"]["field"] == "Idempotency-Key"


async def test_carrier_outside_the_channel_list_goes_as_other_with_its_name(
    client: httpx.AsyncClient, order_id: int
) -> None:
    response = await _post(
        client,
        f"/api/v1/orders/{order_id}/shipments",
        {"carrier": "Kurier Schmidt", "tracking_number": "KS-0001"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["carrier_code"] == "Other"
    assert response.json()["carrier_name"] == "Kurier Schmidt"


async def test_unrecognisable_tracking_without_carrier_asks_for_the_carrier(
    client: httpx.AsyncClient, order_id: int
) -> None:
    response = await _post(
        client, f"/api/v1/orders/{order_id}/shipments", {"tracking_number": "XYZ"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "carrier"
    assert "XYZ" in response.json()["error"]["message"]


async def test_cancellation_rules(
    ctx: ServiceContext, client: httpx.AsyncClient, order_id: int
) -> None:
    path = f"/api/v1/orders/{order_id}/cancellations"
    bad_reason = await _post(client, path, {"reason": "because"})
    assert bad_reason.status_code == 422
    assert bad_reason.json()["error"]["field"] == "reason"

    shipped = await _post(
        client,
        f"/api/v1/orders/{order_id}/shipments",
        {"lines": [{"line_id": "L1", "quantity": 2}], "tracking_number": UPS},
    )
    assert shipped.status_code == 201
    whole = await _post(client, path, {"reason": "out_of_stock"})
    assert whole.status_code == 409
    assert "cancel the open lines" in whole.json()["error"]["message"]
    shipped_line = await _post(
        client, path, {"reason": "out_of_stock", "lines": [{"line_id": "L1", "quantity": 1}]}
    )
    assert shipped_line.status_code == 409
    assert "2 shipped already" in shipped_line.json()["error"]["message"]

    open_line = await _post(
        client, path, {"reason": "out_of_stock", "lines": [{"line_id": "L2", "quantity": 2}]}
    )
    assert open_line.status_code == 201, open_line.text
    assert open_line.json()["reason"] == "out_of_stock"
    assert [row["subject_id"] for row in await _outbox(ctx, "cancel")] == [open_line.json()["id"]]


async def test_refunds_never_exceed_what_was_paid(client: httpx.AsyncClient, order_id: int) -> None:
    await _post(
        client,
        f"/api/v1/orders/{order_id}/shipments",
        {"lines": [{"line_id": "L1", "quantity": 2}], "tracking_number": UPS},
    )
    path = f"/api/v1/orders/{order_id}/refunds"
    too_much = await _post(
        client,
        path,
        {"reason": "damaged", "lines": [{"line_id": "L1", "quantity": 1, "item_amount": "20.00"}]},
    )
    assert too_much.status_code == 422
    assert too_much.json()["error"]["field"] == "lines[0].item_amount"
    assert "would exceed what was paid (19.99 EUR" in too_much.json()["error"]["message"]

    # No lines: everything shipped, at the line's own prices (19.99 + 3.80 tax for 2 units).
    full = await _post(client, path, {"reason": "customer_return"})
    assert full.status_code == 201, full.text
    assert full.json()["total_amount"] == "23.79"
    assert full.json()["lines"][0]["quantity"] == 2
    again = await _post(client, path, {"reason": "customer_return"})
    assert again.status_code == 409


async def test_pending_orders_cannot_be_shipped(
    ctx: ServiceContext, client: httpx.AsyncClient, order_id: int
) -> None:
    await set_order(ctx, order_id, status="pending")
    response = await _post(client, f"/api/v1/orders/{order_id}/shipments", {"tracking_number": UPS})
    assert response.status_code == 409
    assert "wait until the marketplace shows it paid" in response.json()["error"]["message"]


async def test_unknown_order_is_404(client: httpx.AsyncClient) -> None:
    response = await _post(client, "/api/v1/orders/999999/shipments", {"tracking_number": UPS})
    assert response.status_code == 404


async def test_late_shipment_risk_is_flagged_once(
    ctx: ServiceContext, client: httpx.AsyncClient, order_id: int, connection_id: int
) -> None:
    stored = await store_orders(ctx, connection_id, [snapshot("302-8", T0)])
    soon = datetime.now().astimezone() + timedelta(hours=5)
    far = datetime.now().astimezone() + timedelta(days=5)
    await set_order(ctx, order_id, latest_ship_at=soon)
    await set_order(ctx, stored["302-8"], latest_ship_at=far)
    assert await flag_late_shipments(ctx) == 1
    assert await flag_late_shipments(ctx) == 0
    listed = await client.get("/api/v1/orders", params={"late_risk": "true"})
    assert [item["id"] for item in listed.json()["items"]] == [order_id]
    async with ctx.db.read() as conn:
        titles = (
            (
                await conn.execute(
                    select(error_entries.c.title).where(
                        error_entries.c.operation == "late_shipment"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert len(titles) == 1 and "302-7 is not shipped yet" in titles[0]
    metrics = await client.get("/metrics")
    assert "orderbridge_orders_late_shipment_risk 1.0" in metrics.text


async def test_a_line_the_marketplace_cancelled_cannot_be_shipped(
    ctx: ServiceContext, client: httpx.AsyncClient, connection_id: int
) -> None:
    order = snapshot("302-9", T0, lines=2)
    first, second = order.lines
    cancelled = dataclasses.replace(
        order, lines=(dataclasses.replace(first, quantity_cancelled=2), second)
    )
    stored = await store_orders(ctx, connection_id, [cancelled])
    response = await _post(
        client,
        f"/api/v1/orders/{stored['302-9']}/shipments",
        {"lines": [{"line_id": "L1", "quantity": 1}], "tracking_number": UPS},
    )
    assert response.status_code == 422
    assert "cancelled 2" in response.json()["error"]["message"]
    detail = await _order(client, stored["302-9"])
    assert [line["quantity_cancelled"] for line in detail["lines"]] == [2, 0]
    rest = await _post(
        client, f"/api/v1/orders/{stored['302-9']}/shipments", {"tracking_number": UPS}
    )
    assert rest.status_code == 201, rest.text
    assert [(line["external_line_id"], line["quantity"]) for line in rest.json()["lines"]] == [
        ("L2", 2)
    ]
    assert (await _order(client, stored["302-9"]))["status"] == "shipped"
