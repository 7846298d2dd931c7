"""The poll schedule: an import asked for while one runs is not lost when that run ends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.context import ServiceContext
from orderbridge.store import feeds
from orderbridge.store.tables import import_feeds
from tests.support.orders import BASE_TIME


async def _feed(ctx: ServiceContext) -> int:
    return await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials={"client_id": "id", "client_secret": "s", "refresh_token": "t"},
            options={"marketplace_ids": ["A1PA6795UKMFR9"]},
        ),
    )


async def _next_poll(ctx: ServiceContext, connection_id: int) -> object:
    async with ctx.db.read() as conn:
        return (
            await conn.execute(
                select(import_feeds.c.next_poll_at).where(
                    import_feeds.c.connection_id == connection_id
                )
            )
        ).scalar_one()


async def test_a_request_during_a_run_survives_its_end(ctx: ServiceContext) -> None:
    connection_id = await _feed(ctx)
    started = BASE_TIME + timedelta(days=30)
    async with ctx.db.write() as conn:
        feed = await feeds.try_lease(
            conn, connection_id, feeds.ORDERS, owner="a", now=started, lease=timedelta(minutes=2)
        )
        assert feed is not None
    asked = started + timedelta(seconds=5)
    async with ctx.db.write() as conn:
        await feeds.request_now(conn, [connection_id], asked)
    async with ctx.db.write() as conn:
        await feeds.release_success(
            conn,
            feed["id"],
            owner="a",
            watermark=started,
            now=started + timedelta(seconds=10),
            next_poll_at=started + timedelta(hours=1),
        )
    assert await _next_poll(ctx, connection_id) == asked
    async with ctx.db.read() as conn:
        due = await feeds.due_connection_ids(conn, feeds.ORDERS, started + timedelta(seconds=11))
    assert due == [connection_id]


async def test_without_a_request_the_next_poll_is_an_interval_away(ctx: ServiceContext) -> None:
    connection_id = await _feed(ctx)
    started = BASE_TIME + timedelta(days=30)
    async with ctx.db.write() as conn:
        feed = await feeds.try_lease(
            conn, connection_id, feeds.ORDERS, owner="a", now=started, lease=timedelta(minutes=2)
        )
        assert feed is not None
        await feeds.release_success(
            conn,
            feed["id"],
            owner="a",
            watermark=started,
            now=started + timedelta(seconds=10),
            next_poll_at=started + timedelta(hours=1),
        )
    assert await _next_poll(ctx, connection_id) == started + timedelta(hours=1)
