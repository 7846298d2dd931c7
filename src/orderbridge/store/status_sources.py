"""The schedule of status sources: due times and leases, so each run happens once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.store.fulfilment_tables import status_sources


async def due_source_ids(conn: AsyncConnection, now: datetime) -> list[int]:
    result = await conn.execute(
        select(status_sources.c.id)
        .where(
            status_sources.c.enabled.is_(True),
            status_sources.c.next_run_at <= now,
            or_(status_sources.c.lease_until.is_(None), status_sources.c.lease_until < now),
        )
        .order_by(status_sources.c.next_run_at)
    )
    return [row.id for row in result]


async def try_lease(
    conn: AsyncConnection, source_id: int, *, owner: str, now: datetime, lease: timedelta
) -> dict[str, Any] | None:
    result = await conn.execute(
        update(status_sources)
        .where(
            status_sources.c.id == source_id,
            or_(status_sources.c.lease_until.is_(None), status_sources.c.lease_until < now),
        )
        .values(lease_until=now + lease, lease_owner=owner, last_run_at=now)
        .returning(*status_sources.c)
    )
    row = result.mappings().first()
    return dict(row) if row else None


async def release(
    conn: AsyncConnection,
    source_id: int,
    *,
    owner: str,
    now: datetime,
    next_run_at: datetime,
    error: str | None,
    cursor: str | None,
) -> bool:
    values: dict[str, Any] = {
        "lease_until": None,
        "lease_owner": None,
        "next_run_at": next_run_at,
        "last_error": error,
        "updated_at": now,
    }
    if error is None:
        values["last_success_at"] = now
    if cursor is not None:
        values["cursor"] = cursor
    result = await conn.execute(
        update(status_sources)
        .where(status_sources.c.id == source_id, status_sources.c.lease_owner == owner)
        .values(**values)
    )
    return bool(result.rowcount)


async def request_now(conn: AsyncConnection, source_ids: list[int], now: datetime) -> int:
    result = await conn.execute(
        update(status_sources)
        .where(status_sources.c.id.in_(source_ids))
        .values(next_run_at=now, updated_at=now)
    )
    return int(result.rowcount)
