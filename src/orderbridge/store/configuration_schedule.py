"""The schedule of export configurations: due times and leases, so each run happens once.

A run holds the configuration's lease; a long run renews it batch by batch, and a lease
left by a worker that died simply expires, so the configuration becomes due again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.store.configuration_tables import export_configurations


def _free(now: datetime) -> Any:
    return or_(
        export_configurations.c.lease_until.is_(None), export_configurations.c.lease_until < now
    )


async def due_configuration_ids(conn: AsyncConnection, now: datetime) -> list[int]:
    result = await conn.execute(
        select(export_configurations.c.id)
        .where(
            export_configurations.c.enabled.is_(True),
            export_configurations.c.next_run_at <= now,
            _free(now),
        )
        .order_by(export_configurations.c.next_run_at, export_configurations.c.id)
    )
    return [row.id for row in result]


async def try_lease(
    conn: AsyncConnection,
    configuration_id: int,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    only_if_due: bool = False,
) -> dict[str, Any] | None:
    """Take the configuration for a run, or None when another run holds it.

    ``only_if_due`` is for scheduled runs: a worker that saw the configuration due, but
    reaches it after another worker ran it (and moved ``next_run_at`` on), leaves it alone.
    """
    conditions = [export_configurations.c.id == configuration_id, _free(now)]
    if only_if_due:
        conditions += [
            export_configurations.c.enabled.is_(True),
            export_configurations.c.next_run_at <= now,
        ]
    result = await conn.execute(
        update(export_configurations)
        .where(*conditions)
        .values(lease_until=now + lease, lease_owner=owner, last_run_at=now)
        .returning(*export_configurations.c)
    )
    row = result.mappings().first()
    return dict(row) if row else None


async def renew_lease(
    conn: AsyncConnection, configuration_id: int, *, owner: str, now: datetime, lease: timedelta
) -> bool:
    """Keep holding the lease; False means it ran out and another run may have taken over."""
    result = await conn.execute(
        update(export_configurations)
        .where(
            export_configurations.c.id == configuration_id,
            export_configurations.c.lease_owner == owner,
        )
        .values(lease_until=now + lease)
    )
    return bool(result.rowcount)


async def release(
    conn: AsyncConnection,
    configuration_id: int,
    *,
    owner: str,
    next_run_at: datetime,
    summary: dict[str, Any],
) -> bool:
    result = await conn.execute(
        update(export_configurations)
        .where(
            export_configurations.c.id == configuration_id,
            export_configurations.c.lease_owner == owner,
        )
        .values(
            lease_until=None,
            lease_owner=None,
            next_run_at=next_run_at,
            last_run_summary=summary,
        )
    )
    return bool(result.rowcount)
