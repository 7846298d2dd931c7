"""Orders and returns written straight through the store, the way an import run writes them,
for the RETURNS and SCHEDULED EXPORTS page tests (no marketplace needed)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from orderbridge.domain.returns import ReturnLineSnapshot, ReturnSnapshot, ReturnStatus
from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    create_export_target,
)
from orderbridge.services.context import ServiceContext
from orderbridge.services.queries.returns import list_returns
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.return_writer import upsert_returns
from orderbridge.store.tables import orders
from tests.support.orders import BASE_TIME, snapshot

AMAZON_CREDENTIALS = {"client_id": "id", "client_secret": "secret", "refresh_token": "token"}


async def shop(ctx: ServiceContext, folder: Path, order_count: int) -> tuple[int, dict[str, int]]:
    """Connection amazon-de exporting to files in ``folder``, with ``order_count`` orders;
    answers the connection id and each order's id by its marketplace id."""
    await create_export_target(
        ctx, name="files", kind="file", settings={"folder": str(folder)}, secret=None
    )
    connection_id = await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials=AMAZON_CREDENTIALS,
            options={"marketplace_ids": ["A1PA6795UKMFR9"]},
            export_target="files",
            auto_export=False,
        ),
    )
    external_ids = [f"302-{n:07d}-0000001" for n in range(order_count)]
    snaps = [snapshot(external_id, sku=f"SKU-{n}") for n, external_id in enumerate(external_ids)]
    async with ctx.db.write() as conn:
        await upsert_page(conn, connection_id, snaps, now=ctx.clock(), actor="test")
        rows = await conn.execute(select(orders.c.id, orders.c.external_id))
        ids = {row.external_id: int(row.id) for row in rows}
    return connection_id, ids


def a_return(
    external_id: str,
    order: str,
    *,
    line: str | None = None,
    sku: str = "SKU-0",
    status: ReturnStatus = ReturnStatus.REQUESTED,
    day: int = 0,
    reason: str = "DEFECTIVE",
) -> ReturnSnapshot:
    requested = BASE_TIME + timedelta(days=day, minutes=10)
    return ReturnSnapshot(
        external_id=external_id,
        order_external_id=order,
        marketplace_status=status.value.upper(),
        status=status,
        requested_at=requested,
        last_updated_at=requested + timedelta(minutes=5),
        currency="EUR",
        lines=(ReturnLineSnapshot("RL-1", line or f"{order}-1", sku, 1, reason=reason),),
        reason=reason,
        raw={"returnId": external_id, "buyerName": "Ada Lovelace"},
    )


async def store_returns(
    ctx: ServiceContext, connection_id: int, snaps: list[ReturnSnapshot]
) -> dict[str, int]:
    """Each return's id by its marketplace id (blocked ones too)."""
    async with ctx.db.write() as conn:
        outcome = await upsert_returns(conn, connection_id, snaps, now=ctx.clock(), actor="test")
    assert not outcome.missing_orders
    page = await list_returns(ctx, limit=500)
    return {item.external_id: item.id for item in page.items}
