"""The error log: one append-only row per failure a user should see and can act on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.store.tables import error_entries

ERROR = "error"
WARNING = "warning"


async def record_error(
    conn: AsyncConnection,
    *,
    title: str,
    operation: str,
    at: datetime,
    attributes: dict[str, Any] | None = None,
    severity: str = ERROR,
    connection_id: int | None = None,
    order_id: int | None = None,
    external_order_id: str | None = None,
    outbox_id: int | None = None,
    import_run_id: int | None = None,
) -> int:
    result = await conn.execute(
        error_entries.insert()
        .values(
            title=title,
            operation=operation,
            at=at,
            severity=severity,
            attributes=attributes or {},
            connection_id=connection_id,
            order_id=order_id,
            external_order_id=external_order_id,
            outbox_id=outbox_id,
            import_run_id=import_run_id,
        )
        .returning(error_entries.c.id)
    )
    return int(result.scalar_one())
