"""Storing imported orders: one row per order whatever the repeats, races and reorderings."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from orderbridge.domain.states import OrderStatus
from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.context import ServiceContext
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.tables import order_events, order_lines, orders
from tests.support.orders import BASE_TIME, snapshot

AMAZON_CREDENTIALS = {"client_id": "id", "client_secret": "secret", "refresh_token": "token"}


async def _connection(ctx: ServiceContext) -> int:
    return await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials=AMAZON_CREDENTIALS,
            options={"marketplace_ids": ["A1PA6795UKMFR9"]},
        ),
    )


async def _write(ctx: ServiceContext, connection_id: int, snaps: list[Any]) -> Any:
    async with ctx.db.write() as conn:
        return await upsert_page(conn, connection_id, snaps, now=BASE_TIME, actor="test")


async def _count(ctx: ServiceContext, table: Any, *where: Any) -> int:
    async with ctx.db.read() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def test_same_order_twice_is_one_row(ctx: ServiceContext) -> None:
    connection_id = await _connection(ctx)
    first = await _write(ctx, connection_id, [snapshot("111-0000001-0000001")])
    second = await _write(ctx, connection_id, [snapshot("111-0000001-0000001")])
    assert len(first.created) == 1
    assert second.created == [] and second.unchanged == 1
    assert await _count(ctx, orders) == 1
    assert await _count(ctx, order_lines) == 1
    assert await _count(ctx, order_events, order_events.c.kind == "imported") == 1


async def test_concurrent_writers_never_duplicate(ctx: ServiceContext) -> None:
    connection_id = await _connection(ctx)
    page = [snapshot(f"222-0000000-{n:07d}") for n in range(50)]
    outcomes = await asyncio.gather(*(_write(ctx, connection_id, page) for _ in range(4)))
    assert sum(len(outcome.created) for outcome in outcomes) == 50
    assert await _count(ctx, orders) == 50
    assert await _count(ctx, order_events, order_events.c.kind == "imported") == 50


async def test_status_change_on_reimport_is_an_event(ctx: ServiceContext) -> None:
    connection_id = await _connection(ctx)
    order_id = "333-0000001-0000001"
    await _write(ctx, connection_id, [snapshot(order_id)])
    later = BASE_TIME + timedelta(hours=1)
    shipped = snapshot(order_id, updated=later, status=OrderStatus.SHIPPED, quantity_shipped=2)
    outcome = await _write(ctx, connection_id, [shipped])
    assert len(outcome.updated) == 1
    async with ctx.db.read() as conn:
        row = (await conn.execute(select(orders))).mappings().one()
        events = (
            (await conn.execute(select(order_events).order_by(order_events.c.id))).mappings().all()
        )
    assert row["status"] == "shipped"
    assert row["last_updated_at"] == later
    kinds = [event["kind"] for event in events]
    assert kinds == ["imported", "status_changed", "updated"]
    assert events[1]["data"] == {"from": "unshipped", "to": "shipped"}
    line_change = events[2]["data"]["changes"][f"line {order_id}-1"]
    assert line_change["from"]["quantity_shipped"] == 0
    assert line_change["to"]["quantity_shipped"] == 2


async def test_older_snapshot_never_overwrites_newer(ctx: ServiceContext) -> None:
    connection_id = await _connection(ctx)
    order_id = "444-0000001-0000001"
    newer = snapshot(order_id, updated=BASE_TIME + timedelta(hours=2), status=OrderStatus.SHIPPED)
    await _write(ctx, connection_id, [newer])
    outcome = await _write(ctx, connection_id, [snapshot(order_id)])
    assert outcome.stale == 1
    async with ctx.db.read() as conn:
        status = (await conn.execute(select(orders.c.status))).scalar_one()
    assert status == "shipped"


async def test_a_refused_status_move_keeps_ours_and_is_reported(ctx: ServiceContext) -> None:
    connection_id = await _connection(ctx)
    order_id = "555-0000001-0000001"
    await _write(ctx, connection_id, [snapshot(order_id, status=OrderStatus.CANCELED)])
    back = snapshot(order_id, updated=BASE_TIME + timedelta(hours=1))
    outcome = await _write(ctx, connection_id, [back])
    assert outcome.status_conflicts and outcome.status_conflicts[0][0] == order_id
    async with ctx.db.read() as conn:
        status = (await conn.execute(select(orders.c.status))).scalar_one()
    assert status == "canceled"


async def test_money_is_exact_after_a_round_trip(ctx: ServiceContext) -> None:
    connection_id = await _connection(ctx)
    await _write(ctx, connection_id, [snapshot("666-0000001-0000001", price="0.10")])
    async with ctx.db.read() as conn:
        line = (await conn.execute(select(order_lines))).mappings().one()
        total = (await conn.execute(select(orders.c.total_amount))).scalar_one()
    assert line["item_price"] == Decimal("0.10")
    assert isinstance(total, Decimal)
    # 0.10 + 3.80 + 4.95 + 0.94 - 1.00
    assert total == Decimal("8.79")


async def test_times_come_back_in_utc(ctx: ServiceContext) -> None:
    connection_id = await _connection(ctx)
    await _write(ctx, connection_id, [snapshot("777-0000001-0000001")])
    async with ctx.db.read() as conn:
        purchased = (await conn.execute(select(orders.c.purchased_at))).scalar_one()
    assert purchased == BASE_TIME
    assert purchased.utcoffset() == timedelta(0)


async def test_the_latest_payload_is_kept_even_when_nothing_mapped_changed(
    ctx: ServiceContext,
) -> None:
    connection_id = await _connection(ctx)
    order_id = "777-0000001-0000001"
    first = snapshot(order_id)
    await _write(ctx, connection_id, [first])
    later = dataclasses.replace(
        first,
        last_updated_at=first.last_updated_at + timedelta(minutes=1),
        raw={**first.raw, "note": "a field orderbridge does not map"},
    )
    outcome = await _write(ctx, connection_id, [later])
    assert outcome.unchanged == 1 and not outcome.updated
    async with ctx.db.read() as conn:
        raw = (await conn.execute(select(orders.c.raw))).scalar_one()
    assert raw["note"] == "a field orderbridge does not map"
