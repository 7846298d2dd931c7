"""Looking orders up by a page of external ids: right rows, and an index plan on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects import postgresql

from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.context import ServiceContext
from orderbridge.store.key_lists import one_of
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.tables import orders
from tests.support.orders import BASE_TIME, snapshot


async def _stored(ctx: ServiceContext, count: int) -> int:
    connection_id = await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-us",
            channel="amazon",
            credentials={"client_id": "id", "client_secret": "s", "refresh_token": "t"},
            options={"marketplace_ids": ["ATVPDKIKX0DER"]},
        ),
    )
    snaps = [snapshot(f"111-0000000-{index:07d}") for index in range(count)]
    async with ctx.db.write() as conn:
        await upsert_page(conn, connection_id, snaps, now=BASE_TIME, actor="test")
    return connection_id


async def test_one_of_finds_exactly_the_listed_keys(ctx: ServiceContext) -> None:
    connection_id = await _stored(ctx, 30)
    wanted = ["111-0000000-0000003", "111-0000000-0000017", "999-missing"]
    async with ctx.db.read() as conn:
        found = (
            await conn.execute(
                select(orders.c.external_id).where(
                    orders.c.connection_id == connection_id,
                    one_of(conn, orders.c.external_id, wanted),
                )
            )
        ).scalars()
        assert sorted(found) == wanted[:2]


async def test_generic_plan_on_postgres_probes_the_unique_index(ctx: ServiceContext) -> None:
    # The regression this guards: a prepared ``IN ($1…$100)`` whose generic plan walked
    # every order of the connection, so each import page got slower as the table grew.
    if ctx.db.engine.dialect.name != "postgresql":
        pytest.skip("reason: generic plans of prepared statements exist on PostgreSQL only")
    connection_id = await _stored(ctx, 1)
    keys = [f"x{index}" for index in range(100)]
    async with ctx.db.write() as conn:
        # An import-sized table (20,000 copies of the stored order) without statistics yet,
        # as during a merchant's first big import.
        copied = [column.name for column in orders.columns if column.name != "id"]
        picked = ", ".join(
            "external_id || '-' || copy" if name == "external_id" else name for name in copied
        )
        await conn.exec_driver_sql(
            f"INSERT INTO orders ({', '.join(copied)}) "
            f"SELECT {picked} FROM orders, generate_series(1, 20000) AS copy"
        )
        query = select(orders.c.id).where(
            orders.c.connection_id == bindparam("connection_id"),
            one_of(conn, orders.c.external_id, keys),
        )
        compiled = query.compile(dialect=postgresql.dialect(paramstyle="numeric_dollar"))
        await conn.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        await conn.exec_driver_sql(f"PREPARE probe AS {compiled}")
        # Inline values are safe here (our own keys) and irrelevant: the plan is generic.
        key_array = "ARRAY[" + ", ".join(f"'{key}'" for key in keys) + "]"
        arguments = ", ".join(
            str(connection_id) if name == "connection_id" else key_array
            for name in compiled.positiontup or []
        )
        plan = "\n".join(
            row[0] for row in await conn.exec_driver_sql(f"EXPLAIN EXECUTE probe({arguments})")
        )
        await conn.exec_driver_sql("DEALLOCATE probe")
    assert "uq_orders_connection_id_external_id" in plan, plan
    index_condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "external_id" in index_condition, plan
