"""What every delivery of an order to an export target shares: reading the order and the
target, building the one order document, the call itself, and the fix an error names.

Used by the connection's own export (``exporting``) and by export configurations
(``configured_exports``), so every target receives the same document for an order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.oms.base import DeliveryReceipt, ExportError, TargetConfig
from orderbridge.oms.document import order_document
from orderbridge.services.connections import target_config
from orderbridge.services.context import ServiceContext
from orderbridge.store.order_rows import stored_order
from orderbridge.store.tables import connections, export_targets, order_lines, orders


@dataclass(frozen=True, slots=True)
class ExportParts:
    """The rows an export reads, inside the transaction that marks it started."""

    order: RowMapping
    lines: list[RowMapping]
    connection: RowMapping
    target: RowMapping


async def order_row(conn: AsyncConnection, order_id: int) -> RowMapping | None:
    return (await conn.execute(select(orders).where(orders.c.id == order_id))).mappings().first()


async def export_parts(
    conn: AsyncConnection, order: RowMapping, connection_id: int, target_id: int
) -> ExportParts:
    target = (
        (await conn.execute(select(export_targets).where(export_targets.c.id == target_id)))
        .mappings()
        .one()
    )
    connection_query = select(connections).where(connections.c.id == connection_id)
    connection = (await conn.execute(connection_query)).mappings().one()
    lines = (
        (
            await conn.execute(
                select(order_lines)
                .where(order_lines.c.order_id == order["id"])
                .order_by(order_lines.c.id)
            )
        )
        .mappings()
        .all()
    )
    return ExportParts(order=order, lines=list(lines), connection=connection, target=target)


def payload(ctx: ServiceContext, parts: ExportParts) -> tuple[dict[str, Any], TargetConfig]:
    """The order document and the target (secret decrypted) to hand it to."""
    stored = stored_order(
        parts.order, parts.lines, parts.connection["name"], parts.connection["channel"]
    )
    return order_document(stored), target_config(ctx, dict(parts.target))


async def send(
    ctx: ServiceContext, config: TargetConfig, document: dict[str, Any], key: str
) -> DeliveryReceipt:
    """One delivery; raises ExportError, classified by the target, when it did not succeed."""
    target = ctx.build_target(config)
    try:
        return await target.deliver(document, key)
    finally:
        await target.aclose()


def failure_fix(
    exc: ExportError, *, retry_at: datetime | None, retry: str, what: str = "order"
) -> str:
    """What a person should do about a failed delivery; ``retry`` says how to send it again."""
    if retry_at is not None:
        return f"nothing: retried automatically at {retry_at.isoformat()}"
    if exc.retryable:
        return f"the OMS kept failing; check it is up, then {retry}"
    if exc.http_status is not None:
        return f"the OMS refused the {what}; fix the cause shown, then {retry}"
    return f"correct the export target as the message says, then {retry}"
