"""The merchant's catalog and SKU mappings as the order-creation checks read them.

Stock is reserved when an order is created (imported complete, or released from hold),
so two orders cannot both take the last unit; the catalog fed from the OMS then replaces
the figure with the OMS's own count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.fulfilment_tables import catalog_products, sku_mappings
from orderbridge.store.key_lists import one_of


async def mappings_of(conn: AsyncConnection, connection_id: int) -> dict[str, str]:
    rows = await conn.execute(
        select(sku_mappings.c.channel_sku, sku_mappings.c.merchant_sku).where(
            sku_mappings.c.connection_id == connection_id
        )
    )
    return {row.channel_sku: row.merchant_sku for row in rows}


async def products(conn: AsyncConnection, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    query = select(catalog_products).where(one_of(conn, catalog_products.c.sku, wanted))
    if conn.dialect.name == "postgresql":
        # Held while the order is checked and its stock reserved.
        query = query.with_for_update()
    return {row["sku"]: dict(row) for row in (await conn.execute(query)).mappings()}


async def reserve(conn: AsyncConnection, quantities: dict[str, int], now: datetime) -> None:
    for sku, quantity in quantities.items():
        await conn.execute(
            update(catalog_products)
            .where(catalog_products.c.sku == sku, catalog_products.c.stock.is_not(None))
            .values(stock=catalog_products.c.stock - quantity, updated_at=now)
        )


async def upsert_products(conn: AsyncConnection, rows: list[dict[str, Any]], now: datetime) -> None:
    for row in rows:
        values = {**row, "updated_at": now}
        statement = insert_for(conn, catalog_products).values(**values)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["sku"],
                set_={key: statement.excluded[key] for key in values if key != "sku"},
            )
        )


async def upsert_mapping(
    conn: AsyncConnection, connection_id: int, channel_sku: str, merchant_sku: str, now: datetime
) -> None:
    statement = insert_for(conn, sku_mappings).values(
        connection_id=connection_id,
        channel_sku=channel_sku,
        merchant_sku=merchant_sku,
        updated_at=now,
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["connection_id", "channel_sku"],
            set_={"merchant_sku": merchant_sku, "updated_at": now},
        )
    )
